import { Client, type ClientOptions } from "@opensearch-project/opensearch";
import { InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import type { OpenSearchConfig } from "./opensearch-config.ts";
import { openSearchSigv4Signer } from "./opensearch-sigv4-signer.ts";

// The configuration lives in opensearch-config.ts, which loads without the OpenSearch client library (a
// handler checks its variables at start and loads the client on first use); re-exported for the callers
// that build both at once.
export { type OpenSearchConfig, readOpenSearchConfig } from "./opensearch-config.ts";

/**
 * The OpenSearch client every adapter in a process shares; build it once, at module scope. With sigv4 the
 * library's signer signs each request with the SDK's default credential chain (opensearch-sigv4-signer.ts)
 * and refreshes credentials before they expire.
 * No sniffing: behind a managed endpoint the nodes' own addresses are not reachable.
 */
export function createOpenSearchClient(config: OpenSearchConfig): Client {
  const options: ClientOptions = {
    node: config.endpoint,
    requestTimeout: config.requestTimeoutMs,
    maxRetries: config.maxRetries,
    sniffOnStart: false,
    sniffOnConnectionFault: false,
    // Keep-alive sockets, few of them: one Lambda handles one request at a time.
    agent: { keepAlive: true, maxSockets: 10 },
    // A single endpoint marked dead would otherwise be skipped until resurrected; against one endpoint
    // every request should simply try it (and fail fast if it is down).
    resurrectStrategy: "none",
  };
  if (config.auth === "sigv4") {
    if (config.region === undefined) throw new InvalidInputError("sigv4 needs a region", "AWS_REGION");
    return new Client({
      ...options,
      ...openSearchSigv4Signer({ region: config.region, service: config.signingService }),
    });
  }
  return new Client(options);
}
