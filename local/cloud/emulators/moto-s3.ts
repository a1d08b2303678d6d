import { tmpdir } from "node:os";
import { startManagedProcess } from "../managed-process.ts";
import { httpProbe } from "../readiness-probe.ts";
import { childEnvironment } from "./child-environment.ts";
import { startOnFreePorts } from "./retry-on-port-conflict.ts";
import { type EmulatorStartOptions, fromManagedProcess, type RunningEmulator } from "./running-emulator.ts";

export interface MotoS3Options extends EmulatorStartOptions {
  /** The Python that has `moto[server]` installed. @default $FLYWHEEL_PYTHON, else `python3` */
  readonly pythonCommand?: string;
}

/**
 * moto's server mode (PyPI `moto[server]`) for S3. It serves every service moto mocks on one port and tells
 * them apart by the request signature; only S3 is pointed at it. It binds 127.0.0.1 as asked.
 */
export function startMotoS3(options: MotoS3Options = {}): Promise<RunningEmulator> {
  const python = options.pythonCommand ?? process.env.FLYWHEEL_PYTHON ?? "python3";
  return startOnFreePorts(1, async ([port = 0]) => {
    const child = await startManagedProcess({
      name: "s3",
      command: python,
      args: ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)],
      cwd: tmpdir(),
      env: childEnvironment({ PYTHONUNBUFFERED: "1" }),
      ready: httpProbe(`http://127.0.0.1:${port}/moto-api/`),
      startTimeoutMs: options.startTimeoutMs,
      stopTimeoutMs: options.stopTimeoutMs,
    });
    return fromManagedProcess("s3", `http://127.0.0.1:${port}`, "PyPI moto[server]", child);
  });
}
