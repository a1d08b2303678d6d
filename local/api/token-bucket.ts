import type { UsagePlanThrottle } from "../../functions/api/usage-plan-throttle.ts";

/**
 * One API key's throttle: a bucket of `burstLimit` tokens, refilled at `rateLimit` per second, one token
 * per request; the token-bucket model API Gateway documents for usage plans. It starts full.
 */
export class TokenBucket {
  private readonly throttle: UsagePlanThrottle;
  private readonly now: () => number;
  private tokens: number;
  private refilledAtMs: number;

  constructor(throttle: UsagePlanThrottle, now: () => number) {
    this.throttle = throttle;
    this.now = now;
    this.tokens = throttle.burstLimit;
    this.refilledAtMs = now();
  }

  /** Takes a token if there is one; false means the request is throttled. */
  tryTake(): boolean {
    const nowMs = this.now();
    const elapsedSeconds = Math.max(0, nowMs - this.refilledAtMs) / 1000;
    this.tokens = Math.min(this.throttle.burstLimit, this.tokens + elapsedSeconds * this.throttle.rateLimit);
    this.refilledAtMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
