/**
 * Preloaded (`node --import`) into kinesis-mock, which listens on 0.0.0.0 with no option to change it: every
 * server in that process that would listen on all interfaces listens on 127.0.0.1 instead, so the emulator
 * is not reachable from the network.
 */
import { Server } from "node:net";

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "", "*"]);
const originalListen = Server.prototype.listen;

function listenOnLoopback(this: Server, ...args: unknown[]): Server {
  const [first, second] = args;
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    if (second === undefined || typeof second === "function") args.splice(1, 0, "127.0.0.1");
    else if (typeof second === "string" && WILDCARD_HOSTS.has(second)) args[1] = "127.0.0.1";
  } else if (typeof first === "object" && first !== null && !("path" in first) && !("fd" in first)) {
    const host = "host" in first ? first.host : undefined;
    if (host === undefined || (typeof host === "string" && WILDCARD_HOSTS.has(host))) {
      args[0] = { ...first, host: "127.0.0.1" };
    }
  }
  return Reflect.apply(originalListen, this, args);
}

Server.prototype.listen = listenOnLoopback as typeof Server.prototype.listen;
