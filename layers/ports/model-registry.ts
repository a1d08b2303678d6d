import type { ModelMetrics } from "../domain/model/factor-model.ts";

export type ModelStatus = "candidate" | "active" | "archived" | "rejected";

/** What the registry knows about one model version. */
export interface ModelRecord {
  readonly version: string;
  readonly status: ModelStatus;
  readonly factors: number;
  readonly users: number;
  readonly items: number;
  readonly metrics: ModelMetrics;
  /** Where the artifact lives (a ModelStore location, e.g. s3://bucket/models/<version>/). */
  readonly artifactLocation: string;
  readonly createdAt: number;
  readonly activatedAt: number | null;
}

export interface ModelRegistry {
  /** Registers a new version as a candidate; registering an existing version throws ConflictError. */
  register(record: Omit<ModelRecord, "status" | "activatedAt">): Promise<ModelRecord>;
  get(version: string): Promise<ModelRecord | undefined>;
  /** Newest first. */
  list(): Promise<ModelRecord[]>;
  /** Makes `version` active and archives the previously active one, atomically. */
  activate(version: string, at: number): Promise<void>;
  reject(version: string): Promise<void>;
  active(): Promise<ModelRecord | undefined>;
}
