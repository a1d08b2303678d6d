/**
 * Per-API-key throttling of the client routes: the CDK usage plan and the local front's token buckets use
 * the same numbers, so a client that is throttled in AWS is throttled locally too.
 */
export interface UsagePlanThrottle {
  /** Steady-state requests per second per key (the bucket's refill rate). */
  readonly rateLimit: number;
  /** Requests a key may send at once above the rate (the bucket's size). */
  readonly burstLimit: number;
}

/**
 * Room for one busy client: issue 5's load test drives 500 requests/s through a single key, and the
 * default account-level limit (10,000/s, burst 5,000) stays far above it. A stage sets its own numbers
 * through the API stack's props.
 */
export const DEFAULT_USAGE_PLAN_THROTTLE: UsagePlanThrottle = { rateLimit: 1000, burstLimit: 2000 };
