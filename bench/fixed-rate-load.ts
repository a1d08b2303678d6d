// A fixed-rate HTTP load generator, run as its own process (as wrk or autocannon would be) so that it never
// shares an event loop with the server it measures. Open loop: request i is due at start + i / rate whether
// or not earlier ones have answered, and its latency counts from when it was due, so a stalled server is not
// hidden by the generator waiting (coordinated omission). Input: JSON on stdin
// { url, headers, rate, seconds, paths }; output: one JSON line { p50, p99, max, errors, achievedRate }.
import { Agent, request } from "node:http";
import { setTimeout as delay } from "node:timers/promises";

interface LoadPlan {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly rate: number;
  readonly seconds: number;
  readonly paths: readonly string[];
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const plan = JSON.parse(Buffer.concat(chunks).toString("utf8")) as LoadPlan;
const target = new URL(plan.url);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const total = Math.round(plan.rate * plan.seconds);
const latencies: number[] = [];
const errors: Record<string, number> = {};

const get = (path: string) =>
  new Promise<number>((resolve) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname.replace(/\/$/, "")}${path}`,
        agent,
        headers: plan.headers,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", () => resolve(0));
    req.end();
  });

const started = performance.now();
const inFlight: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  const due = started + (i * 1000) / plan.rate;
  const wait = due - performance.now();
  if (wait > 1) await delay(wait);
  inFlight.push(
    get(plan.paths[i % plan.paths.length] ?? "/").then((status) => {
      latencies.push(performance.now() - due);
      if (status !== 200) errors[String(status)] = (errors[String(status)] ?? 0) + 1;
    }),
  );
}
await Promise.all(inFlight);
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (q: number) =>
  latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? Number.NaN;
console.log(
  JSON.stringify({
    p50: at(0.5),
    p99: at(0.99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    errors,
    achievedRate: total / ((performance.now() - started) / 1000),
  }),
);
