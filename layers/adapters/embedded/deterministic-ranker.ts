import { setTimeout as delay } from "node:timers/promises";
import { DependencyError, InvalidInputError } from "../../domain/errors/domain-errors.ts";
import type { Ranker } from "../../ports/ranker.ts";
import type { ScoredItem } from "../../ports/scored-item.ts";

/** `error`: every call fails, as an endpoint that is down; `none`: the ranker answers. */
export type RankerFailureMode = "none" | "error";

export interface DeterministicRankerOptions {
  /** The bonus lies in [0, bonusScale). @default 0.01 */
  readonly bonusScale?: number;
  /** Simulated inference time; a call whose timeoutMs is not above it times out. @default 0 */
  readonly latencyMs?: number;
  /** @default "none" */
  readonly failure?: RankerFailureMode;
}

const RANKER = "ranker";

/**
 * A stand-in for the SageMaker re-ranking model: score = candidate score + a small bonus derived from a
 * hash of (userId, itemId). The same input always gives the same output, on every machine, so tests can
 * assert on re-ranked lists; injected failures and timeouts let the cascade's fallbacks be exercised.
 */
export class DeterministicRanker implements Ranker {
  private readonly bonusScale: number;
  private readonly latencyMs: number;
  private failure: RankerFailureMode;

  constructor(options: DeterministicRankerOptions = {}) {
    this.bonusScale = options.bonusScale ?? 0.01;
    this.latencyMs = options.latencyMs ?? 0;
    this.failure = options.failure ?? "none";
    if (!(this.latencyMs >= 0)) throw new InvalidInputError("latencyMs must be ≥ 0", "latencyMs");
  }

  /** Switches failure on or off at run time (the local InvokeEndpoint server exposes this to fault tests). */
  injectFailure(mode: RankerFailureMode): void {
    this.failure = mode;
  }

  async score(userId: string, candidates: readonly ScoredItem[], timeoutMs: number): Promise<number[]> {
    if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs)) {
      throw new InvalidInputError(`timeoutMs must be a number, got ${String(timeoutMs)}`, "timeoutMs");
    }
    if (this.failure === "error") throw new DependencyError(RANKER, "injected failure");
    if (timeoutMs <= 0 || this.latencyMs >= timeoutMs) {
      // A slow endpoint costs the caller its whole timeout before it gives up.
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) await delay(timeoutMs);
      throw new DependencyError(RANKER, `no answer within ${timeoutMs} ms`);
    }
    if (this.latencyMs > 0) await delay(this.latencyMs);
    return candidates.map(({ itemId, score }) => score + this.bonusScale * unitHash(userId, itemId));
  }
}

/** FNV-1a over the UTF-16 code units of `userId \0 itemId`, mapped to [0, 1). */
function unitHash(userId: string, itemId: string): number {
  const text = `${userId}\u0000${itemId}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 4294967296;
}
