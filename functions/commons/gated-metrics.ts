import { Metrics } from "@aws-lambda-powertools/metrics";
import type { MetricsOptions } from "@aws-lambda-powertools/metrics/types";

/**
 * Powertools' Metrics, writing its EMF blobs only when `emit` says so and otherwise dropping each
 * invocation's buffer where it would have written it. EMF means something only where CloudWatch Logs reads
 * the function's output, so outside Lambda (the local runtime, the tests) the handlers record the same
 * metrics and nothing is printed; Powertools offers no such switch of its own but the process-wide
 * POWERTOOLS_METRICS_DISABLED and POWERTOOLS_DEV.
 */
export class GatedMetrics extends Metrics {
  readonly #emit: boolean;
  readonly #options: MetricsOptions;

  constructor(options: MetricsOptions & { readonly emit: boolean }) {
    const { emit, ...metricsOptions } = options;
    super(metricsOptions);
    this.#emit = emit;
    this.#options = metricsOptions;
  }

  override publishStoredMetrics(): this {
    if (this.#emit) return super.publishStoredMetrics();
    this.clearMetrics();
    this.clearDimensions();
    this.clearMetadata();
    return this;
  }

  /** A blob of its own (for a dimension only some metrics have), under the same gate. */
  override singleMetric(): Metrics {
    return new GatedMetrics({ ...this.#options, singleMetric: true, emit: this.#emit });
  }
}
