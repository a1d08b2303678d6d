import { logger } from "./observability.ts";

/** Lambda sets it to `provisioned-concurrency` in an environment it initializes ahead of any request. */
export const INITIALIZATION_TYPE_VARIABLE = "AWS_LAMBDA_INITIALIZATION_TYPE";
const PROVISIONED_CONCURRENCY = "provisioned-concurrency";

/** How long init waits for the warm-up at most; a task still running goes on, and its first caller joins it. */
export const WARM_UP_BUDGET_MS = 5_000;

export interface WarmUpOutcome {
  readonly task: string;
  readonly outcome: "done" | "failed" | "over budget";
  readonly ms: number;
  readonly error?: string;
}

export interface WarmUpOptions {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default WARM_UP_BUDGET_MS */
  readonly budgetMs?: number;
  /** @default one INFO line per task on the process's logger */
  readonly log?: (outcome: WarmUpOutcome) => void;
}

/**
 * Runs work that a function's first request would otherwise do (loading the active model from S3) during
 * init, and waits for it (within a budget), but only in an environment kept initialized by provisioned
 * concurrency (the stage's `apiProvisionedConcurrency`). There init happens before any request arrives, so
 * the work costs no one's latency; in an on-demand environment init is part of a cold request, and the work
 * is left to the requests that need it. Never throws: a failed task is logged and left to the first request
 * that needs it, which retries it.
 */
export async function warmUpWhenProvisioned(
  tasks: Readonly<Record<string, () => Promise<unknown>>>,
  options: WarmUpOptions = {},
): Promise<readonly WarmUpOutcome[]> {
  const env = options.env ?? process.env;
  if (env[INITIALIZATION_TYPE_VARIABLE] !== PROVISIONED_CONCURRENCY) return [];
  const budgetMs = options.budgetMs ?? WARM_UP_BUDGET_MS;
  const log = options.log ?? ((outcome: WarmUpOutcome) => logger.info("warm-up", { ...outcome }));
  const outcomes = await Promise.all(
    Object.entries(tasks).map(([task, run]) => settleWithin(task, run, budgetMs)),
  );
  for (const outcome of outcomes) log(outcome);
  return outcomes;
}

async function settleWithin(
  task: string,
  run: () => Promise<unknown>,
  budgetMs: number,
): Promise<WarmUpOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const overBudget = new Promise<WarmUpOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ task, outcome: "over budget", ms: elapsed() }), budgetMs);
  });
  const settled = (async (): Promise<WarmUpOutcome> => {
    try {
      await run();
      return { task, outcome: "done", ms: elapsed() };
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { task, outcome: "failed", ms: elapsed(), error: message };
    }
  })();
  try {
    return await Promise.race([settled, overBudget]);
  } finally {
    clearTimeout(timer);
  }
}
