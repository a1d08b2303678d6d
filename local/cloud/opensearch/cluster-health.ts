import { request } from "node:http";
import type { ReadinessProbe } from "../readiness-probe.ts";

/**
 * The node's `_cluster/health` status, or undefined while it does not answer (not listening yet, still
 * booting, or answering with an error). Plain node:http without keep-alive, so a probe leaves no socket.
 */
export function clusterHealthStatus(
  endpoint: string,
  timeoutMs = 1000,
  signal?: AbortSignal,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(
      new URL("/_cluster/health", endpoint),
      { method: "GET", timeout: timeoutMs, agent: false, ...(signal === undefined ? {} : { signal }) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", () => resolve(undefined));
        res.on("end", () => {
          if (res.statusCode !== 200) return resolve(undefined);
          try {
            const body: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            const status =
              typeof body === "object" && body !== null && "status" in body ? body.status : undefined;
            resolve(typeof status === "string" ? status : undefined);
          } catch {
            resolve(undefined);
          }
        });
      },
    );
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(undefined));
    req.end();
  });
}

/**
 * Ready once the cluster is yellow or green: HTTP answers earlier than that, while the node is still
 * electing itself and recovering state, and requests made then fail with cluster_block_exception.
 */
export function clusterHealthProbe(endpoint: string, signal?: AbortSignal): ReadinessProbe {
  return async () => {
    const status = await clusterHealthStatus(endpoint, 1000, signal);
    return status === "green" || status === "yellow";
  };
}
