import { InvokeEndpointCommand, type SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { DependencyError, InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import type { Ranker } from "../../../ports/ranker.ts";
import type { ScoredItem } from "../../../ports/scored-item.ts";
import { SAGEMAKER_DEPENDENCY, toSageMakerError } from "./sagemaker-errors.ts";

export interface SageMakerRankerOptions {
  readonly client: SageMakerRuntimeClient;
  readonly endpointName: string;
}

/** setTimeout cannot wait longer (it would fire at once); a longer timeout means none. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Re-ranks candidates with a SageMaker real-time endpoint. The contract with the model container:
 * request `{"userId": "…", "candidates": [{"itemId": "…", "score": 0.5}, …]}` (application/json),
 * response `{"scores": [0.51, …]}`, one finite number per candidate, in candidate order.
 *
 * The whole call, SDK retries included, is bounded by `timeoutMs` through an abort signal. A timeout, an
 * endpoint that fails or is unknown, and a response that breaks the contract are DependencyError, so the
 * cascade keeps the retrieval order.
 */
export class SageMakerRanker implements Ranker {
  private readonly client: SageMakerRuntimeClient;
  private readonly endpointName: string;

  constructor(options: SageMakerRankerOptions) {
    if (options.endpointName.length === 0) {
      throw new InvalidInputError("endpointName must not be empty", "endpointName");
    }
    this.client = options.client;
    this.endpointName = options.endpointName;
  }

  async score(userId: string, candidates: readonly ScoredItem[], timeoutMs: number): Promise<number[]> {
    if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs)) {
      throw new InvalidInputError(`timeoutMs must be a number, got ${String(timeoutMs)}`, "timeoutMs");
    }
    if (timeoutMs <= 0)
      throw new DependencyError(SAGEMAKER_DEPENDENCY, `no time to answer (timeoutMs ${timeoutMs})`);
    if (candidates.length === 0) return [];
    const body = JSON.stringify({
      userId,
      candidates: candidates.map(({ itemId, score }) => ({ itemId, score })),
    });
    const deadline = new AbortController();
    const timer = timeoutMs <= MAX_TIMER_MS ? setTimeout(() => deadline.abort(), timeoutMs) : undefined;
    try {
      const response = await this.client.send(
        new InvokeEndpointCommand({
          EndpointName: this.endpointName,
          ContentType: "application/json",
          Accept: "application/json",
          Body: new TextEncoder().encode(body),
        }),
        { abortSignal: deadline.signal },
      );
      return scoresFrom(response.Body, candidates.length, this.endpointName);
    } catch (error) {
      if (deadline.signal.aborted) {
        throw new DependencyError(
          SAGEMAKER_DEPENDENCY,
          `${this.endpointName}: no answer within ${timeoutMs} ms`,
          {
            cause: error,
          },
        );
      }
      throw toSageMakerError(error, `InvokeEndpoint ${this.endpointName}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The scores of a response that keeps the contract; DependencyError for anything else. */
function scoresFrom(body: Uint8Array | undefined, expected: number, endpointName: string): number[] {
  const malformed = (why: string): DependencyError =>
    new DependencyError(SAGEMAKER_DEPENDENCY, `${endpointName}: malformed response: ${why}`, {
      retryable: false,
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body ?? new Uint8Array()));
  } catch {
    throw malformed("not UTF-8 JSON");
  }
  const scores =
    typeof parsed === "object" && parsed !== null ? (parsed as { scores?: unknown }).scores : undefined;
  if (!Array.isArray(scores)) throw malformed('no "scores" array');
  if (scores.length !== expected) throw malformed(`${scores.length} scores for ${expected} candidates`);
  const position = scores.findIndex((score) => typeof score !== "number" || !Number.isFinite(score));
  if (position !== -1) throw malformed(`scores[${position}] is not a finite number`);
  return scores as number[];
}
