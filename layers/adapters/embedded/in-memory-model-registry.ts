import { ConflictError, NotFoundError } from "../../domain/errors/domain-errors.ts";
import type { ModelRecord, ModelRegistry } from "../../ports/model-registry.ts";
import { requireNonEmptyText } from "./argument-checks.ts";

/**
 * Model versions in a Map. Every method runs without an await between its read and its write, so
 * activation (archive the old active version, activate the new) is atomic within the process.
 */
export class InMemoryModelRegistry implements ModelRegistry {
  private readonly records = new Map<string, ModelRecord>();

  async register(record: Omit<ModelRecord, "status" | "activatedAt">): Promise<ModelRecord> {
    const version = requireNonEmptyText(record.version, "version");
    if (this.records.has(version))
      throw new ConflictError(`model ${JSON.stringify(version)} is already registered`);
    const stored: ModelRecord = copyRecord({ ...record, status: "candidate", activatedAt: null });
    this.records.set(version, stored);
    return copyRecord(stored);
  }

  async get(version: string): Promise<ModelRecord | undefined> {
    const record = this.records.get(version);
    return record === undefined ? undefined : copyRecord(record);
  }

  async list(): Promise<ModelRecord[]> {
    return [...this.records.values()]
      .sort(
        (a, b) => b.createdAt - a.createdAt || (a.version < b.version ? 1 : a.version > b.version ? -1 : 0),
      )
      .map(copyRecord);
  }

  /** Activating the active version again changes nothing, so a retried pipeline step is harmless. */
  async activate(version: string, at: number): Promise<void> {
    const target = this.requireRecord(version);
    if (target.status === "active") return;
    const previous = this.activeRecord();
    if (previous !== undefined) this.records.set(previous.version, { ...previous, status: "archived" });
    this.records.set(version, { ...target, status: "active", activatedAt: at });
  }

  /** Rejecting the active version is refused: serving would be left without a model. */
  async reject(version: string): Promise<void> {
    const target = this.requireRecord(version);
    if (target.status === "active") {
      throw new ConflictError(`model ${JSON.stringify(version)} is active; activate another version first`);
    }
    this.records.set(version, { ...target, status: "rejected" });
  }

  async active(): Promise<ModelRecord | undefined> {
    const record = this.activeRecord();
    return record === undefined ? undefined : copyRecord(record);
  }

  private activeRecord(): ModelRecord | undefined {
    for (const record of this.records.values()) if (record.status === "active") return record;
    return undefined;
  }

  private requireRecord(version: string): ModelRecord {
    const record = this.records.get(version);
    if (record === undefined) throw new NotFoundError(`model ${JSON.stringify(version)} is not registered`);
    return record;
  }
}

function copyRecord(record: ModelRecord): ModelRecord {
  return { ...record, metrics: { ...record.metrics } };
}
