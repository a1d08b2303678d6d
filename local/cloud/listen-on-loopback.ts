import type { Server } from "node:net";

/**
 * Starts `server` listening on 127.0.0.1 (never on every interface: the local cloud and its stand-ins are for
 * this machine only) at `port`, or at a port the kernel picks, and resolves with the port it got. Rejects
 * when the port cannot be bound; `what` names the server in the error.
 */
export async function listenOnLoopback(
  server: Server,
  port: number | undefined,
  what: string,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: port ?? 0 }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error(`${what} has no TCP address`);
  return address.port;
}
