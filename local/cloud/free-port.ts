import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** The listening ports we hand out: below Linux's default ephemeral range (32768–60999). */
const LOW_PORT = 20_000;
const ATTEMPTS = 200;

/**
 * A TCP port that is free on 127.0.0.1 right now, chosen at random below the kernel's ephemeral port range.
 * Why not the kernel's own pick (port 0): that comes from the ephemeral range, the same pool the kernel draws
 * the local ports of outgoing connections from, so between our check and a slow JVM's bind (Kafka, OpenSearch:
 * seconds) any client connection could take it — CI saw exactly that. Below the range only listeners compete.
 * Another listener may still take it first; the emulator starters retry on "address in use" for that reason.
 */
export async function findFreePort(): Promise<number> {
  const [ephemeralLow] = ephemeralPortRange();
  const high = Math.max(LOW_PORT + 1000, ephemeralLow) - 1;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = LOW_PORT + Math.floor(Math.random() * (high - LOW_PORT + 1));
    if (await isFree(port)) return port;
  }
  return kernelPickedPort();
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The kernel's ephemeral range, or Linux's default when it cannot be read (other systems). */
function ephemeralPortRange(): [number, number] {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high))
      return [low, high];
  } catch {
    // Not Linux: fall through to the default.
  }
  return [32_768, 60_999];
}

/** Last resort when no low port is free: the kernel's pick. */
function kernelPickedPort(): Promise<number> {
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
