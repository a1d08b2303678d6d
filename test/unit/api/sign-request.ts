import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";

type SourceData = string | ArrayBuffer | ArrayBufferView;

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the Smithy signer takes. */
class NodeSha256 {
  private readonly digester: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.digester = secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(secret));
  }

  update(data: SourceData): void {
    this.digester.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return this.digester.digest();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export interface SigningInput {
  readonly port: number;
  readonly method: string;
  /** Percent-encoded, stage included. */
  readonly path: string;
  readonly query?: Record<string, string | string[]>;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region?: string;
  readonly service?: string;
  readonly signingDate?: Date;
}

/**
 * Signs a request with the AWS SDK's own SigV4 signer (not the front's verifier), as an admin client
 * would for an AWS_IAM method, and returns the headers to send.
 */
export async function signRequest(input: SigningInput): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey },
    region: input.region ?? "us-east-1",
    service: input.service ?? "execute-api",
    sha256: NodeSha256,
  });
  const signed = await signer.sign(
    {
      method: input.method,
      protocol: "http:",
      hostname: "127.0.0.1",
      port: input.port,
      path: input.path,
      query: input.query ?? {},
      headers: { host: `127.0.0.1:${input.port}`, ...input.headers },
      ...(input.body === undefined ? {} : { body: input.body }),
    },
    input.signingDate === undefined ? {} : { signingDate: input.signingDate },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name] = String(value);
  return headers;
}
