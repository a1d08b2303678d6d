import { request } from "node:http";
import { connect } from "node:net";

/** Resolves true once the service answers; false (never a rejection) while it does not yet. */
export type ReadinessProbe = () => Promise<boolean>;

/** Ready when a TCP connection to host:port is accepted. */
export function tcpProbe(port: number, host = "127.0.0.1", timeoutMs = 500): ReadinessProbe {
  return () =>
    new Promise((resolve) => {
      const socket = connect({ host, port });
      const finish = (ready: boolean) => {
        socket.destroy();
        resolve(ready);
      };
      socket.setTimeout(timeoutMs, () => finish(false));
      socket.once("connect", () => finish(true));
      socket.once("error", () => finish(false));
    });
}

/**
 * Ready when an HTTP request gets any response at all. A listening socket is not enough for servers that
 * accept connections before their request handlers are installed (Jetty, http4s); a status code is.
 */
export function httpProbe(url: string, timeoutMs = 1000): ReadinessProbe {
  return () =>
    new Promise((resolve) => {
      const req = request(url, { method: "GET", timeout: timeoutMs, agent: false }, (res) => {
        res.resume();
        resolve(true);
      });
      req.once("timeout", () => req.destroy());
      req.once("error", () => resolve(false));
      req.end();
    });
}
