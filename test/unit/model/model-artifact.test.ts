import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_ALS_PARAMETERS } from "../../../layers/domain/als/als-parameters.ts";
import {
  CorruptDataError,
  InvalidInputError,
  NotFoundError,
} from "../../../layers/domain/errors/domain-errors.ts";
import type { FactorModel } from "../../../layers/domain/model/factor-model.ts";
import {
  decodeFloat32Le,
  decodeModel,
  encodeFloat32Le,
  encodeModel,
  loadModel,
  MANIFEST_FILE,
  MODEL_DATA_FILES,
  saveModel,
} from "../../../layers/domain/model/model-artifact.ts";
import { SeededRandom } from "../../../layers/domain/random/seeded-random.ts";

function sampleModel(): FactorModel {
  const random = new SeededRandom(5);
  const factors = 4;
  const userIds = ["alice", "bob", "carol"];
  const itemIds = ["i-1", "i-2", "ünïcødé ✓", "i-4", "i-5"];
  const userFactors = Float32Array.from({ length: userIds.length * factors }, () => random.nextGaussian());
  const itemFactors = Float32Array.from({ length: itemIds.length * factors }, () => random.nextGaussian());
  // Values whose bits a careless codec would lose: −0, a NaN payload, a subnormal, the largest float32.
  userFactors[0] = -0;
  new DataView(userFactors.buffer).setUint32(4, 0x7fc00123, true);
  userFactors[2] = 1e-45;
  userFactors[3] = 3.4028234663852886e38;
  const gram = new Float32Array(factors * factors);
  for (let a = 0; a < factors; a++) {
    for (let b = 0; b < factors; b++) {
      let sum = 0;
      for (let i = 0; i < itemIds.length; i++) {
        sum += (itemFactors[i * factors + a] as number) * (itemFactors[i * factors + b] as number);
      }
      gram[a * factors + b] = sum;
    }
  }
  return {
    version: "2024-05-01T02-00-00Z.abc123",
    factors,
    userIds,
    itemIds,
    userFactors,
    itemFactors,
    gram,
    parameters: { ...DEFAULT_ALS_PARAMETERS, factors },
    metrics: { "precision@10": 0.41, "ndcg@10": 0.47 },
    dataWindow: { from: 1_700_000_000, to: 1_700_086_400, interactions: 12 },
    createdAt: "2024-05-01T02:13:00.000Z",
  };
}

function bytesOf(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function expectBitExact(actual: FactorModel, expected: FactorModel): void {
  expect(bytesOf(actual.userFactors)).toEqual(bytesOf(expected.userFactors));
  expect(bytesOf(actual.itemFactors)).toEqual(bytesOf(expected.itemFactors));
  expect(bytesOf(actual.gram)).toEqual(bytesOf(expected.gram));
  expect({ ...actual, userFactors: null, itemFactors: null, gram: null }).toEqual({
    ...expected,
    userFactors: null,
    itemFactors: null,
    gram: null,
  });
}

function manifestOf(files: Map<string, Uint8Array>): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(files.get(MANIFEST_FILE)));
}

function withManifest(files: Map<string, Uint8Array>, edit: (manifest: Record<string, unknown>) => void) {
  const manifest = manifestOf(files);
  edit(manifest);
  const copy = new Map(files);
  copy.set(MANIFEST_FILE, new TextEncoder().encode(JSON.stringify(manifest)));
  return copy;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

describe("model codec", () => {
  it("round-trips bit-exactly through encodeModel / decodeModel", () => {
    const model = sampleModel();
    expectBitExact(decodeModel(encodeModel(model)), model);
  });

  it("writes a manifest that lists every data file with dtype, shape, length and SHA-256", () => {
    const files = encodeModel(sampleModel());
    expect([...files.keys()].sort()).toEqual([MANIFEST_FILE, ...MODEL_DATA_FILES].sort());
    const manifest = manifestOf(files);
    expect(manifest).toMatchObject({
      formatVersion: 1,
      modelVersion: "2024-05-01T02-00-00Z.abc123",
      factors: 4,
      users: 3,
      items: 5,
      createdAt: "2024-05-01T02:13:00.000Z",
      dataWindow: { from: 1_700_000_000, to: 1_700_086_400, interactions: 12 },
    });
    const entries = manifest.files as {
      name: string;
      dtype: string;
      shape: number[];
      byteLength: number;
      sha256: string;
    }[];
    expect(entries.map((e) => [e.name, e.dtype, e.shape, e.byteLength])).toEqual([
      ["user-ids.json", "json-utf8", [3], (files.get("user-ids.json") as Uint8Array).byteLength],
      ["item-ids.json", "json-utf8", [5], (files.get("item-ids.json") as Uint8Array).byteLength],
      ["user-factors.f32", "float32le", [3, 4], 3 * 4 * 4],
      ["item-factors.f32", "float32le", [5, 4], 5 * 4 * 4],
      ["gram.f32", "float32le", [4, 4], 4 * 4 * 4],
    ]);
    for (const entry of entries) expect(entry.sha256).toBe(sha256(files.get(entry.name) as Uint8Array));
  });

  it("stores float32 little-endian, row-major, and ids as a JSON array in index order", () => {
    const model = sampleModel();
    const files = encodeModel(model);
    const view = new DataView((files.get("item-factors.f32") as Uint8Array).buffer);
    // Row 1, column 2 of the item factors sits at byte (1 × 4 + 2) × 4.
    expect(view.getFloat32((1 * 4 + 2) * 4, true)).toBe(model.itemFactors[6]);
    const gramBytes = files.get("gram.f32") as Uint8Array;
    expect(new DataView(gramBytes.buffer).getFloat32(0, true)).toBe(model.gram[0]);
    expect(JSON.parse(new TextDecoder().decode(files.get("item-ids.json")))).toEqual(model.itemIds);
    // 1.0f is 00 00 80 3f in little-endian order.
    const one = encodeModel({ ...model, gram: new Float32Array(16).fill(1) }).get("gram.f32") as Uint8Array;
    expect([...one.subarray(0, 4)]).toEqual([0x00, 0x00, 0x80, 0x3f]);
  });

  it("encodes the same bytes on the DataView path that big-endian hosts take", () => {
    const values = Float32Array.from([1, -2.5, 3.25e-20, Number.POSITIVE_INFINITY, -0]);
    const fast = encodeFloat32Le(values, false);
    const portable = encodeFloat32Le(values, true);
    expect(portable).toEqual(fast);
    expect(bytesOf(decodeFloat32Le(portable, true))).toEqual(bytesOf(values));
    // An unaligned view (as a Buffer from a pool may be) decodes too.
    const shifted = new Uint8Array(fast.length + 1);
    shifted.set(fast, 1);
    expect(bytesOf(decodeFloat32Le(shifted.subarray(1), false))).toEqual(bytesOf(values));
    expect(bytesOf(decodeFloat32Le(shifted.subarray(1), true))).toEqual(bytesOf(values));
  });

  it("reads a manifest from another writer: required parameters only, extra keys ignored", () => {
    const files = withManifest(encodeModel(sampleModel()), (manifest) => {
      manifest.parameters = {
        factors: 4,
        iterations: 10,
        regularization: 0.1,
        alpha: 40,
        implicitPrefs: true,
      };
    });
    const model = decodeModel(files);
    expect(model.parameters).toEqual({
      ...DEFAULT_ALS_PARAMETERS,
      factors: 4,
      iterations: 10,
      regularization: 0.1,
      alpha: 40,
    });
  });

  it("rejects an inconsistent model on encode", () => {
    const model = sampleModel();
    expect(() => encodeModel({ ...model, gram: new Float32Array(15) })).toThrow(InvalidInputError);
    expect(() => encodeModel({ ...model, userIds: ["alice", "bob"] })).toThrow(InvalidInputError);
    expect(() => encodeModel({ ...model, itemIds: ["a", "a", "b", "c", "d"] })).toThrow(InvalidInputError);
    expect(() => encodeModel({ ...model, version: "../escape" })).toThrow(InvalidInputError);
    expect(() => encodeModel({ ...model, metrics: { map: Number.NaN } })).toThrow(InvalidInputError);
  });

  describe("rejects damaged input with a CorruptDataError naming the file", () => {
    const files = encodeModel(sampleModel());
    const corrupt = (damaged: Map<string, Uint8Array>, message: RegExp): void => {
      expect(() => decodeModel(damaged)).toThrow(CorruptDataError);
      expect(() => decodeModel(damaged)).toThrow(message);
    };

    it("a flipped byte", () => {
      const bytes = (files.get("item-factors.f32") as Uint8Array).slice();
      bytes[17] = (bytes[17] as number) ^ 0x01;
      corrupt(new Map(files).set("item-factors.f32", bytes), /item-factors\.f32: sha256/);
    });

    it("a truncated file", () => {
      const bytes = (files.get("user-factors.f32") as Uint8Array).subarray(0, 40);
      corrupt(
        new Map(files).set("user-factors.f32", bytes),
        /user-factors\.f32: 40 bytes, manifest\.json says 48/,
      );
    });

    it("a missing data file", () => {
      const damaged = new Map(files);
      damaged.delete("gram.f32");
      corrupt(damaged, /gram\.f32: missing/);
    });

    it("dimensions that do not agree", () => {
      corrupt(
        withManifest(files, (m) => {
          m.users = 4;
        }),
        /user-ids\.json shape is \[3\], expected \[users\] = \[4\]/,
      );
      corrupt(
        withManifest(files, (m) => {
          m.factors = 2;
          (m.parameters as Record<string, unknown>).factors = 2;
        }),
        /shape is \[3,4\], expected \[users, factors\] = \[3,2\]/,
      );
      corrupt(
        withManifest(files, (m) => {
          const entries = m.files as Record<string, unknown>[];
          (entries[4] as Record<string, unknown>).byteLength = 60;
        }),
        /gram\.f32 byteLength is 60, expected 4 × \[factors, factors\] = 64/,
      );
    });

    it("an id list of the wrong length, even with a matching checksum", () => {
      const ids = new TextEncoder().encode(JSON.stringify(["alice", "bob"]));
      const damaged = withManifest(new Map(files).set("user-ids.json", ids), (m) => {
        const entry = (m.files as Record<string, unknown>[])[0] as Record<string, unknown>;
        entry.byteLength = ids.byteLength;
        entry.sha256 = sha256(ids);
      });
      corrupt(damaged, /user-ids\.json: 2 ids, manifest\.json says 3/);
    });

    it("an unsupported format version or an unreadable manifest", () => {
      corrupt(
        withManifest(files, (m) => {
          m.formatVersion = 2;
        }),
        /manifest\.json: formatVersion is 2, this reader supports 1/,
      );
      corrupt(
        new Map(files).set(MANIFEST_FILE, new TextEncoder().encode("{not json")),
        /manifest\.json: not valid/,
      );
      corrupt(
        withManifest(files, (m) => {
          (m.files as unknown[]).pop();
        }),
        /manifest\.json: files does not list gram\.f32/,
      );
    });
  });

  it("reports a missing manifest as no model (NotFoundError)", () => {
    const files = encodeModel(sampleModel());
    files.delete(MANIFEST_FILE);
    expect(() => decodeModel(files)).toThrow(NotFoundError);
  });
});

describe("saveModel / loadModel", () => {
  let dir = "";

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "flywheel-model-"));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("round-trips bit-exactly and leaves exactly the manifest and data files", async () => {
    const model = sampleModel();
    const modelDir = join(dir, "models", model.version);
    await saveModel(modelDir, model);
    expect((await readdir(modelDir)).sort()).toEqual([MANIFEST_FILE, ...MODEL_DATA_FILES].sort());
    expectBitExact(await loadModel(modelDir), model);
  });

  it("overwrites an existing model in place", async () => {
    await saveModel(dir, sampleModel());
    const changed = { ...sampleModel(), metrics: { map: 0.15 } };
    await saveModel(dir, changed);
    expect((await loadModel(dir)).metrics).toEqual({ map: 0.15 });
    expect((await readdir(dir)).length).toBe(1 + MODEL_DATA_FILES.length);
  });

  it("rejects a corrupted byte, a truncated file and a missing file on disk", async () => {
    await saveModel(dir, sampleModel());
    const path = join(dir, "user-factors.f32");
    const original = await readFile(path);
    const flipped = Buffer.from(original);
    flipped[0] = (flipped[0] as number) ^ 0x80;
    await writeFile(path, flipped);
    await expect(loadModel(dir)).rejects.toThrow(/user-factors\.f32: sha256/);
    await writeFile(path, original.subarray(0, original.length - 4));
    await expect(loadModel(dir)).rejects.toBeInstanceOf(CorruptDataError);
    await unlink(path);
    await expect(loadModel(dir)).rejects.toThrow(/user-factors\.f32: missing/);
  });

  it("finds no model where there is no manifest", async () => {
    await expect(loadModel(join(dir, "absent"))).rejects.toBeInstanceOf(NotFoundError);
    await saveModel(dir, sampleModel());
    await unlink(join(dir, MANIFEST_FILE));
    await expect(loadModel(dir)).rejects.toBeInstanceOf(NotFoundError);
  });
});
