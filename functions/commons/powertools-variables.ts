/**
 * The variables Powertools reads, which the function construct (infra/constructs/flywheel-function.ts)
 * sets: the service (a `service` key on every log line, a `service` dimension on every metric), the metrics
 * namespace and the log level; POWERTOOLS_LOGGER_SAMPLE_RATE is the share of invocations logged at DEBUG
 * whatever the level. Here, apart from Powertools itself, so that the CDK app can name them without
 * loading it.
 */
export const POWERTOOLS_VARIABLES = {
  serviceName: "POWERTOOLS_SERVICE_NAME",
  metricsNamespace: "POWERTOOLS_METRICS_NAMESPACE",
  logLevel: "POWERTOOLS_LOG_LEVEL",
  logSampleRate: "POWERTOOLS_LOGGER_SAMPLE_RATE",
  traceEnabled: "POWERTOOLS_TRACE_ENABLED",
  metricsDisabled: "POWERTOOLS_METRICS_DISABLED",
} as const;
