import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { LocalIamCredential } from "../api/sigv4-verifier.ts";

type SourceData = string | ArrayBuffer | ArrayBufferView;

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the Smithy signer takes. */
class NodeSha256 {
  private readonly digester: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.digester = secret === undefined ? createHash("sha256") : createHmac("sha256", bytesOf(secret));
  }

  update(data: SourceData): void {
    this.digester.update(bytesOf(data));
  }

  async digest(): Promise<Uint8Array> {
    return this.digester.digest();
  }
}

function bytesOf(data: SourceData): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export interface AdminRequest {
  readonly method: string;
  /** The URL of the API front, stage included in its path. */
  readonly url: URL;
  readonly body: string | undefined;
}

/**
 * Signs an admin request with SigV4 for `execute-api`, as an operator's AWS SDK or `awscurl` signs a call to
 * an IAM-authorized API Gateway method. Only the local runtime's admin proxy uses it, with the local cloud's
 * dummy credentials: in AWS the dashboard has no such proxy and the operator's own credentials sign.
 */
export async function signAdminRequest(
  request: AdminRequest,
  credential: LocalIamCredential,
  region: string,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey },
    region,
    service: "execute-api",
    sha256: NodeSha256,
  });
  const query: Record<string, string> = {};
  for (const [name, value] of request.url.searchParams) query[name] = value;
  const signed = await signer.sign({
    method: request.method,
    protocol: request.url.protocol,
    hostname: request.url.hostname,
    port: Number(request.url.port),
    path: request.url.pathname,
    query,
    headers: {
      host: request.url.host,
      ...(request.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name] = String(value);
  return headers;
}
