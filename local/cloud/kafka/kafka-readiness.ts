import { Admin, type BaseOptions, Producer } from "@platformatic/kafka";
import type { ReadinessProbe } from "../readiness-probe.ts";

/**
 * Ready when the broker answers a metadata request naming itself AND hands out a producer id. A listening
 * socket comes seconds before either: the node first elects itself controller and replays its metadata
 * log, and after that the transaction coordinator still loads (InitProducerId answers
 * COORDINATOR_LOAD_IN_PROGRESS meanwhile). The event bus's producer is idempotent, so "ready" means its
 * first call succeeds.
 */
export function kafkaReadinessProbe(bootstrapBroker: string, timeoutMs = 2000): ReadinessProbe {
  return async () => {
    const common: BaseOptions = {
      clientId: "flywheel-readiness",
      bootstrapBrokers: [bootstrapBroker],
      retries: false,
      connectTimeout: timeoutMs,
      requestTimeout: timeoutMs,
    };
    const admin = new Admin(common);
    const producer = new Producer({ ...common, idempotent: true });
    try {
      const metadata = await admin.metadata({ topics: [] });
      if (metadata.brokers.size === 0) return false;
      await producer.initIdempotentProducer({});
      return true;
    } catch {
      return false;
    } finally {
      await Promise.allSettled([admin.close(), producer.close()]);
    }
  };
}
