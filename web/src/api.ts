/**
 * The web app's view of Flywheel: the public API (/v1, an API key) and, in the local runtime only, the
 * admin proxy (which signs /v1/admin requests with SigV4) and the runtime's own read-outs (/_local).
 * Where these live comes from /config.json, served beside the app: the local runtime writes the
 * development key into it; the CDK web stack writes the API's URL and leaves the key to the user.
 */

export interface AppConfig {
  /** Where /v1 is: `/api` locally (the runtime's web server passes it on), the API's URL in AWS. */
  readonly apiBase: string;
  readonly apiKey: string | null;
  /** The local runtime's signing proxy for /v1/admin; absent in AWS (a browser holds no AWS credentials). */
  readonly adminBase: string | null;
  /** The local runtime's read-outs (stats, titles, seeded users); absent in AWS. */
  readonly localBase: string | null;
  readonly environment: "local" | "aws";
}

export type RecommendationSource = "cache" | "realtime" | "batch" | "popular";

export interface RecommendedItem {
  readonly itemId: string;
  readonly score: number;
  readonly reason?: { readonly kind: "similar-to-history"; readonly itemId: string };
}

export interface RecommendationList {
  readonly recommendationId: string;
  readonly userId: string;
  readonly source: RecommendationSource;
  readonly modelVersion: string | null;
  readonly items: readonly RecommendedItem[];
}

export interface ScoredItem {
  readonly itemId: string;
  readonly score: number;
}

export interface SimilarItems {
  readonly itemId: string;
  readonly source: "model" | "popular";
  readonly modelVersion: string | null;
  readonly items: readonly ScoredItem[];
}

export interface PopularItems {
  readonly category?: string;
  readonly windowHours: number;
  readonly items: readonly ScoredItem[];
}

/** The event types the web app sends (layers/domain/interactions/event-types.ts has them all). */
export type ClientEventType = "view" | "click" | "rate" | "dismiss";

export interface ClientEvent {
  readonly userId: string;
  readonly itemId: string;
  readonly type: ClientEventType;
  readonly value?: number;
  readonly recommendationId?: string;
  readonly context?: Readonly<Record<string, string>>;
}

export interface ModelVersion {
  readonly version: string;
  readonly status: string;
  readonly createdAt: number;
  readonly activatedAt?: number;
  readonly factors: number;
  readonly users: number;
  readonly items: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface ModelList {
  readonly activeVersion: string | null;
  readonly models: readonly ModelVersion[];
}

export interface TrainingRunSummary {
  readonly runId: string;
  readonly status: string;
  readonly startedAt: number;
  readonly stoppedAt?: number;
}

export interface TrainingRunStep {
  readonly name: string;
  readonly type: string;
  readonly status: string;
  readonly enteredAt: number;
  readonly exitedAt?: number;
  readonly attempts: number;
  readonly error?: string;
}

export interface TrainingRun extends TrainingRunSummary {
  readonly steps: readonly TrainingRunStep[];
  readonly failedStep?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly model?: ModelVersion;
}

export interface CatalogEntry {
  readonly itemId: string;
  readonly title: string | null;
  readonly categories: readonly string[];
  readonly available: boolean;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

export interface RuntimeStats {
  readonly uptimeSeconds: number;
  readonly requests: { readonly total: number; readonly errors: number };
  readonly recommendations: {
    readonly served: number;
    readonly bySource: Readonly<Record<string, number>>;
    readonly cacheHitRatio: number | null;
    readonly latency: LatencySummary;
  };
  readonly coverage: {
    readonly recommendedItems: number;
    readonly catalogItems: number;
    readonly ratio: number | null;
  };
  readonly events: {
    readonly acceptedByType: Readonly<Record<string, number>>;
    readonly accepted: number;
    readonly processed: number;
    readonly perSecond: number;
  };
  readonly ctr: ReadonlyArray<{
    readonly source: string;
    readonly modelVersion: string | null;
    readonly impressions: number;
    readonly clicks: number;
    readonly conversions: number;
    readonly ctr: number | null;
  }>;
}

/** A failed call, with the API's own message (every 4xx names its problem). */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The API key the user typed, kept in this browser (deployed builds are served without one). */
const STORED_KEY = "flywheel.apiKey";

export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch("/config.json", { cache: "no-store" });
  const body: Partial<AppConfig> = response.ok ? await response.json() : {};
  return {
    apiBase: body.apiBase ?? "/api",
    apiKey: body.apiKey ?? localStorage.getItem(STORED_KEY),
    adminBase: body.adminBase ?? null,
    localBase: body.localBase ?? null,
    environment: body.environment === "local" ? "local" : "aws",
  };
}

export function rememberApiKey(key: string): void {
  localStorage.setItem(STORED_KEY, key);
}

export class FlywheelClient {
  readonly config: AppConfig;

  constructor(config: AppConfig) {
    this.config = config;
  }

  recommendations(userId: string, limit = 10): Promise<RecommendationList> {
    return this.api(`/v1/users/${encodeURIComponent(userId)}/recommendations?limit=${limit}`);
  }

  similar(itemId: string, limit = 8): Promise<SimilarItems> {
    return this.api(`/v1/items/${encodeURIComponent(itemId)}/similar?limit=${limit}`);
  }

  popular(windowHours: number, category?: string, limit = 20): Promise<PopularItems> {
    const categoryQuery = category === undefined ? "" : `&category=${encodeURIComponent(category)}`;
    return this.api(`/v1/popular?limit=${limit}&window=${windowHours}${categoryQuery}`);
  }

  sendEvents(events: readonly ClientEvent[]): Promise<{ accepted: number; rejected: unknown[] }> {
    return this.api("/v1/events", { method: "POST", body: JSON.stringify({ events }) });
  }

  createUser(userId: string): Promise<unknown> {
    return this.api(`/v1/users/${encodeURIComponent(userId)}`, {
      method: "PUT",
      body: JSON.stringify({ attributes: { signup: "web" } }),
    });
  }

  models(): Promise<ModelList> {
    return this.admin("/v1/admin/models");
  }

  trainingRuns(): Promise<{ runs: readonly TrainingRunSummary[] }> {
    return this.admin("/v1/admin/training-runs?limit=10");
  }

  trainingRun(runId: string): Promise<TrainingRun> {
    return this.admin(`/v1/admin/training-runs/${encodeURIComponent(runId)}`);
  }

  startTrainingRun(): Promise<{ runId: string; status: string }> {
    return this.admin("/v1/admin/training-runs", { method: "POST", body: "{}" });
  }

  stats(): Promise<RuntimeStats> {
    return this.local("/stats");
  }

  async catalog(itemIds: readonly string[]): Promise<readonly CatalogEntry[]> {
    if (this.config.localBase === null || itemIds.length === 0) return [];
    const { items } = await this.local<{ items: CatalogEntry[] }>(
      `/items?ids=${itemIds.map(encodeURIComponent).join(",")}`,
    );
    return items;
  }

  async users(): Promise<readonly { userId: string; interactions: number }[]> {
    if (this.config.localBase === null) return [];
    const { users } = await this.local<{ users: { userId: string; interactions: number }[] }>(
      "/users?limit=30",
    );
    return users;
  }

  private api<T>(path: string, init: RequestInit = {}): Promise<T> {
    return this.call(`${this.config.apiBase}${path}`, init, { "x-api-key": this.config.apiKey ?? "" });
  }

  private admin<T>(path: string, init: RequestInit = {}): Promise<T> {
    if (this.config.adminBase === null)
      return Promise.reject(
        new ApiError(0, "the admin API needs SigV4-signed requests: use the local runtime"),
      );
    return this.call(`${this.config.adminBase}${path}`, init, {});
  }

  private local<T>(path: string): Promise<T> {
    if (this.config.localBase === null) return Promise.reject(new ApiError(0, "only in the local runtime"));
    return this.call(`${this.config.localBase}${path}`, {}, {});
  }

  private async call<T>(url: string, init: RequestInit, headers: Record<string, string>): Promise<T> {
    const response = await fetch(url, {
      ...init,
      headers: {
        ...headers,
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        // The local runtime's web server refuses calls without it (no other site's form can set it).
        ...(this.config.environment === "local" ? { "x-flywheel-web": "1" } : {}),
      },
      cache: "no-store",
    });
    const text = await response.text();
    const body: unknown = text === "" ? {} : JSON.parse(text);
    if (!response.ok) {
      const message =
        typeof body === "object" && body !== null && "message" in body
          ? String(body.message)
          : response.statusText;
      throw new ApiError(response.status, message);
    }
    return body as T;
  }
}
