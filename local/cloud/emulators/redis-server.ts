import { accessSync, constants } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { startManagedProcess } from "../managed-process.ts";
import { tcpProbe } from "../readiness-probe.ts";
import { childEnvironment } from "./child-environment.ts";
import { startOnFreePorts } from "./retry-on-port-conflict.ts";
import { type EmulatorStartOptions, fromManagedProcess, type RunningEmulator } from "./running-emulator.ts";

export interface RedisServerOptions extends EmulatorStartOptions {
  /** @default $FLYWHEEL_REDIS_SERVER, else `valkey-server` or `redis-server`, whichever is on PATH first */
  readonly serverCommand?: string;
}

/**
 * The ElastiCache stand-in: `valkey-server` or `redis-server` from the distribution's packages, on loopback,
 * with persistence off (an in-memory cache, as ElastiCache is to Flywheel).
 */
export function startRedisServer(options: RedisServerOptions = {}): Promise<RunningEmulator> {
  const command = options.serverCommand ?? process.env.FLYWHEEL_REDIS_SERVER ?? findRedisServer();
  return startOnFreePorts(1, async ([port = 0]) => {
    const child = await startManagedProcess({
      name: "redis",
      command,
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--dir",
        tmpdir(),
      ],
      env: childEnvironment(),
      ready: tcpProbe(port),
      startTimeoutMs: options.startTimeoutMs,
      stopTimeoutMs: options.stopTimeoutMs,
    });
    return fromManagedProcess("redis", `redis://127.0.0.1:${port}`, `Debian ${commandName(command)}`, child);
  });
}

function findRedisServer(): string {
  const directories = (process.env.PATH ?? "").split(delimiter).filter((dir) => dir !== "");
  for (const candidate of ["valkey-server", "redis-server"]) {
    for (const directory of directories) {
      const path = join(directory, candidate);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // Not here.
      }
    }
  }
  // Let the spawn fail with a clear ENOENT and the harness's install hint.
  return "redis-server";
}

function commandName(command: string): string {
  return command.split("/").at(-1) ?? command;
}
