import { createServer } from "node:net";

/**
 * A TCP port that is free on 127.0.0.1 right now: the kernel picks it for a throwaway listener, which is
 * closed before the port is returned. Another process may take it before the caller binds it; the emulator
 * starters retry on "address in use" for that reason.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error("the kernel returned no port for 127.0.0.1:0"));
      });
    });
  });
}
