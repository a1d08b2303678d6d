import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../../layers/domain/errors/domain-errors.ts";
import type { ModelRecord, ModelRegistry } from "../../layers/ports/model-registry.ts";
import { type ContractSubject, useContractSubject } from "./contract-subject.ts";
import { uniqueId } from "./unique-id.ts";

export type ModelRegistryContractSubject = ContractSubject<ModelRegistry>;

type NewModel = Omit<ModelRecord, "status" | "activatedAt">;

function newModel(createdAt: number, overrides: Partial<NewModel> = {}): NewModel {
  const version = uniqueId("model");
  return {
    version,
    factors: 64,
    users: 5000,
    items: 1000,
    metrics: { "precision@10": 0.21, "ndcg@10": 0.25 },
    artifactLocation: `s3://bucket/models/${version}/`,
    createdAt,
    ...overrides,
  };
}

/** Registers `count` models created one minute apart, oldest first. */
async function registerModels(registry: ModelRegistry, count: number): Promise<NewModel[]> {
  const base = 1_700_000_000_000 + Math.floor(Math.random() * 1e9);
  const models = Array.from({ length: count }, (_, i) => newModel(base + i * 60_000));
  for (const model of models) await registry.register(model);
  return models;
}

export function describeModelRegistryContract(
  adapterName: string,
  makeSubject: () => Promise<ModelRegistryContractSubject>,
): void {
  describe(`ModelRegistry contract: ${adapterName}`, () => {
    const current = useContractSubject(makeSubject);

    it("registers a version as a candidate and reads it back", async () => {
      const { subject } = current();
      const model = newModel(1_700_000_000_000);
      const registered = await subject.register(model);
      const expected: ModelRecord = { ...model, status: "candidate", activatedAt: null };
      expect(registered).toEqual(expected);
      expect(await subject.get(model.version)).toEqual(expected);
      expect(await subject.get(uniqueId("unknown"))).toBeUndefined();
    });

    it("refuses to register an existing version with ConflictError and keeps the first", async () => {
      const { subject } = current();
      const model = newModel(1_700_000_000_000);
      await subject.register(model);
      await expect(subject.register({ ...model, factors: 8 })).rejects.toBeInstanceOf(ConflictError);
      expect((await subject.get(model.version))?.factors).toBe(64);
    });

    it("lists versions newest first", async () => {
      const { subject } = current();
      const models = await registerModels(subject, 3);
      const ours = new Set(models.map((model) => model.version));
      const listed = (await subject.list()).filter((record) => ours.has(record.version));
      expect(listed.map((record) => record.version)).toEqual(models.map((model) => model.version).reverse());
    });

    it("activates a version and archives the one that was active", async () => {
      const { subject } = current();
      const [first, second] = await registerModels(subject, 2);
      if (first === undefined || second === undefined) throw new Error("models missing");
      await subject.activate(first.version, 1_700_100_000_000);
      expect(await subject.active()).toEqual({ ...first, status: "active", activatedAt: 1_700_100_000_000 });
      await subject.activate(second.version, 1_700_200_000_000);
      expect(await subject.active()).toEqual({ ...second, status: "active", activatedAt: 1_700_200_000_000 });
      expect((await subject.get(first.version))?.status).toBe("archived");
      const activeCount = (await subject.list()).filter((record) => record.status === "active").length;
      expect(activeCount).toBe(1);
    });

    it("treats activating the active version again as done, and can roll back to an archived one", async () => {
      const { subject } = current();
      const [first, second] = await registerModels(subject, 2);
      if (first === undefined || second === undefined) throw new Error("models missing");
      await subject.activate(first.version, 1_000);
      await subject.activate(first.version, 2_000);
      expect((await subject.active())?.version).toBe(first.version);
      expect((await subject.get(first.version))?.activatedAt).toBe(1_000);
      await subject.activate(second.version, 3_000);
      await subject.activate(first.version, 4_000);
      expect(await subject.active()).toEqual({ ...first, status: "active", activatedAt: 4_000 });
      expect((await subject.get(second.version))?.status).toBe("archived");
    });

    it("leaves exactly one active version after concurrent activations", async () => {
      const { subject } = current();
      const models = await registerModels(subject, 3);
      await Promise.allSettled(models.map((model, i) => subject.activate(model.version, 5_000 + i)));
      const ours = new Set(models.map((model) => model.version));
      const records = (await subject.list()).filter((record) => ours.has(record.version));
      expect(records.filter((record) => record.status === "active")).toHaveLength(1);
      expect(ours.has((await subject.active())?.version ?? "")).toBe(true);
    });

    it("rejects a candidate, and refuses to reject the active version", async () => {
      const { subject } = current();
      const [active, candidate] = await registerModels(subject, 2);
      if (active === undefined || candidate === undefined) throw new Error("models missing");
      await subject.activate(active.version, 1_000);
      await subject.reject(candidate.version);
      expect((await subject.get(candidate.version))?.status).toBe("rejected");
      await expect(subject.reject(active.version)).rejects.toBeInstanceOf(ConflictError);
      expect((await subject.active())?.version).toBe(active.version);
    });

    it("answers NotFoundError when activating or rejecting an unknown version, and changes nothing", async () => {
      const { subject } = current();
      const [model] = await registerModels(subject, 1);
      if (model === undefined) throw new Error("model missing");
      await subject.activate(model.version, 1_000);
      await expect(subject.activate(uniqueId("unknown"), 2_000)).rejects.toBeInstanceOf(NotFoundError);
      await expect(subject.reject(uniqueId("unknown"))).rejects.toBeInstanceOf(NotFoundError);
      expect((await subject.active())?.version).toBe(model.version);
    });
  });
}
