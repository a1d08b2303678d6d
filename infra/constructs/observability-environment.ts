import { METRICS_NAMESPACE } from "../../functions/commons/metric-catalog.ts";
import { POWERTOOLS_VARIABLES } from "../../functions/commons/powertools-variables.ts";
import { LOG_HASH_USER_IDS_VARIABLE } from "../../functions/commons/user-id-log-hashing.ts";

/**
 * The service name of a function, from its construct id: `StreamHandler` → `flywheel-stream`,
 * `PrepareDataFunction` → `flywheel-prepare-data`. The observability stack reads it back from the function
 * (FlywheelFunction.serviceName) to find its metrics, whose `service` dimension it is.
 */
export function defaultServiceName(constructId: string): string {
  const base = constructId.replace(/(Handler|Function)$/, "") || constructId;
  const kebab = base
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
  return `flywheel-${kebab}`;
}

/**
 * What every Flywheel Lambda's logger, metrics and tracer read (functions/commons/observability.ts): its
 * service, the metrics namespace, the log level, and user ids hashed in its log lines (the security posture
 * of a deployment: no personal data in logs; the local runtime, where nothing is set, logs them plainly).
 */
export function observabilityEnvironment(serviceName: string): Record<string, string> {
  return {
    [POWERTOOLS_VARIABLES.serviceName]: serviceName,
    [POWERTOOLS_VARIABLES.metricsNamespace]: METRICS_NAMESPACE,
    [POWERTOOLS_VARIABLES.logLevel]: "INFO",
    [LOG_HASH_USER_IDS_VARIABLE]: "true",
  };
}
