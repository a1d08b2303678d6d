import { S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { InvalidInputError } from "../../../domain/errors/domain-errors.ts";

export interface S3ClientConfig {
  /**
   * Path-style addressing (`http://host/bucket/key`). S3-compatible stores and emulators reached by a host
   * name need it; AWS does not. The JS SDK reads no environment variable for it, so it comes from
   * `FLYWHEEL_S3_FORCE_PATH_STYLE`. (An IP-address endpoint is addressed path-style by the SDK anyway.)
   * @default false
   */
  readonly forcePathStyle: boolean;
  /** @default 2000 */
  readonly connectionTimeoutMs: number;
  /** One request and its response; a multipart part is one request. @default 60000 */
  readonly requestTimeoutMs: number;
}

export function readS3ClientConfig(env: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  const raw = env.FLYWHEEL_S3_FORCE_PATH_STYLE;
  if (raw !== undefined && raw !== "" && raw !== "true" && raw !== "false") {
    throw new InvalidInputError(
      `FLYWHEEL_S3_FORCE_PATH_STYLE must be true or false, got ${JSON.stringify(raw)}`,
      "FLYWHEEL_S3_FORCE_PATH_STYLE",
    );
  }
  return { forcePathStyle: raw === "true", connectionTimeoutMs: 2000, requestTimeoutMs: 60_000 };
}

/**
 * An S3 client for the model store. Region, credentials and the endpoint (`AWS_ENDPOINT_URL_S3` or
 * `AWS_ENDPOINT_URL`) come from the SDK's own configuration chain; nothing here knows whether it is local.
 */
export function createS3Client(config: S3ClientConfig = readS3ClientConfig()): S3Client {
  return new S3Client({
    forcePathStyle: config.forcePathStyle,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: config.connectionTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      throwOnRequestTimeout: true,
    }),
  });
}
