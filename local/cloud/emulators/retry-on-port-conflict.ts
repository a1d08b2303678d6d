import { findFreePort } from "../free-port.ts";
import { ProcessStartError } from "../managed-process.ts";

const PORT_IN_USE = /address already in use|EADDRINUSE|BindException|Only one usage of each socket address/i;

/**
 * Starts an emulator on `count` fresh loopback ports. A free port can be taken by another process between
 * the probe and the emulator's bind; when the emulator dies of exactly that, it is started again on new ports.
 */
export async function startOnFreePorts<T>(
  count: number,
  start: (ports: readonly number[]) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    while (ports.length < count) {
      const port = await findFreePort();
      if (!ports.includes(port)) ports.push(port);
    }
    try {
      return await start(ports);
    } catch (error) {
      const conflict = error instanceof ProcessStartError && PORT_IN_USE.test(error.outputTail);
      if (!conflict || attempt >= attempts) throw error;
    }
  }
}
