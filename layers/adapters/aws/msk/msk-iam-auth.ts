import type { SASLOptions } from "@platformatic/kafka";
import { generateAuthToken } from "aws-msk-iam-sasl-signer-js";

/** What AWS's signer returns: a presigned `kafka-cluster:Connect` URL, base64url, and when it expires (epoch ms). */
export interface MskAuthToken {
  readonly token: string;
  readonly expiryTime: number;
}

/** The signer's shape (`generateAuthToken` of aws-msk-iam-sasl-signer-js); tests inject a fake. */
export type MskTokenSigner = (options: { region: string }) => Promise<MskAuthToken>;

export interface MskIamTokenProviderOptions {
  /** The cluster's region: the token is a SigV4 signature for `kafka-cluster` there. */
  readonly region: string;
  /** @default generateAuthToken (credentials from the default chain: the Lambda role in AWS) */
  readonly sign?: MskTokenSigner;
  /** A token this close to its expiry is not handed out again; a new one is signed. @default 60_000 */
  readonly refreshMarginMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * The OAUTHBEARER token provider for MSK IAM. The client asks for a token on every new connection and again
 * when it re-authenticates (at 80 % of the session lifetime the broker grants, KIP-368). Signing costs a
 * credentials lookup and a SigV4 signature, so a token is reused until `refreshMarginMs` before its expiry
 * (the signer's tokens last 15 minutes). Callers that ask while a signature is in progress share it; a
 * failed signature is not cached, so the next connection tries again.
 */
export function createMskIamTokenProvider(options: MskIamTokenProviderOptions): () => Promise<string> {
  const sign = options.sign ?? generateAuthToken;
  const refreshMarginMs = options.refreshMarginMs ?? 60_000;
  const clock = options.clock ?? Date.now;
  let current: MskAuthToken | undefined;
  let signing: Promise<MskAuthToken> | undefined;

  return async () => {
    if (current !== undefined && clock() < current.expiryTime - refreshMarginMs) return current.token;
    signing ??= sign({ region: options.region }).finally(() => {
      signing = undefined;
    });
    const fresh = await signing;
    current = fresh;
    return fresh.token;
  };
}

/** SASL/OAUTHBEARER with MSK IAM tokens (the client must also use TLS: MSK serves IAM on SASL_SSL only). */
export function mskIamSasl(tokenProvider: () => Promise<string>): SASLOptions {
  return { mechanism: "OAUTHBEARER", token: tokenProvider };
}
