import { createHash } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { type AlsParameters, resolveAlsParameters } from "../als/als-parameters.ts";
import { CorruptDataError, InvalidInputError, NotFoundError } from "../errors/domain-errors.ts";
import { syncDirectory, writeFileAtomically } from "./atomic-files.ts";
import type { DataWindow, FactorModel, ModelMetrics } from "./factor-model.ts";

/**
 * The on-disk model format (docs/model-format.md): a directory, or an object-store prefix, holding
 * `manifest.json` and five data files. The codec (encodeModel / decodeModel) is pure so that the local
 * directory store below and an S3 store share it; only saveModel / loadModel touch the file system.
 */
export const MODEL_FORMAT_VERSION = 1;
export const MANIFEST_FILE = "manifest.json";
export const USER_IDS_FILE = "user-ids.json";
export const ITEM_IDS_FILE = "item-ids.json";
export const USER_FACTORS_FILE = "user-factors.f32";
export const ITEM_FACTORS_FILE = "item-factors.f32";
export const GRAM_FILE = "gram.f32";
/** Data files in manifest order. */
export const MODEL_DATA_FILES = [
  USER_IDS_FILE,
  ITEM_IDS_FILE,
  USER_FACTORS_FILE,
  ITEM_FACTORS_FILE,
  GRAM_FILE,
] as const;
export type ModelDataFile = (typeof MODEL_DATA_FILES)[number];

export type ModelFileDtype = "float32le" | "json-utf8";

export interface ModelFileEntry {
  readonly name: ModelDataFile;
  readonly dtype: ModelFileDtype;
  /** float32le: [rows, columns], row-major; json-utf8: [number of strings]. */
  readonly shape: readonly number[];
  readonly byteLength: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  readonly sha256: string;
}

export interface ModelManifest {
  readonly formatVersion: typeof MODEL_FORMAT_VERSION;
  readonly modelVersion: string;
  readonly createdAt: string;
  readonly factors: number;
  readonly users: number;
  readonly items: number;
  readonly parameters: AlsParameters;
  readonly metrics: ModelMetrics;
  readonly dataWindow: DataWindow;
  readonly files: readonly ModelFileEntry[];
}

/** A model version id is also a path segment (`models/<version>/`), so it is kept to safe characters. */
const MODEL_VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;
/** Fields fold-in and training need; the rest of AlsParameters defaults when a writer (Spark) omits it. */
const REQUIRED_PARAMETERS = ["factors", "iterations", "regularization", "alpha"] as const;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------- encode

/** The files of a model, manifest included, keyed by file name. Throws InvalidInputError on an inconsistent model. */
export function encodeModel(model: FactorModel): Map<string, Uint8Array> {
  checkModel(model);
  const users = model.userIds.length;
  const items = model.itemIds.length;
  const f = model.factors;
  // In MODEL_DATA_FILES order.
  const data: { name: ModelDataFile; bytes: Uint8Array; dtype: ModelFileDtype; shape: number[] }[] = [
    { name: USER_IDS_FILE, bytes: encodeJson(model.userIds), dtype: "json-utf8", shape: [users] },
    { name: ITEM_IDS_FILE, bytes: encodeJson(model.itemIds), dtype: "json-utf8", shape: [items] },
    {
      name: USER_FACTORS_FILE,
      bytes: encodeFloat32Le(model.userFactors),
      dtype: "float32le",
      shape: [users, f],
    },
    {
      name: ITEM_FACTORS_FILE,
      bytes: encodeFloat32Le(model.itemFactors),
      dtype: "float32le",
      shape: [items, f],
    },
    { name: GRAM_FILE, bytes: encodeFloat32Le(model.gram), dtype: "float32le", shape: [f, f] },
  ];
  const files: ModelFileEntry[] = data.map(({ name, bytes, dtype, shape }) => ({
    name,
    dtype,
    shape,
    byteLength: bytes.byteLength,
    sha256: sha256(bytes),
  }));
  const manifest: ModelManifest = {
    formatVersion: MODEL_FORMAT_VERSION,
    modelVersion: model.version,
    createdAt: model.createdAt,
    factors: f,
    users,
    items,
    parameters: { ...model.parameters },
    metrics: { ...model.metrics },
    dataWindow: {
      from: model.dataWindow.from,
      to: model.dataWindow.to,
      interactions: model.dataWindow.interactions,
    },
    files,
  };
  const out = new Map<string, Uint8Array>();
  for (const { name, bytes } of data) out.set(name, bytes);
  out.set(MANIFEST_FILE, new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
  return out;
}

function checkModel(model: FactorModel): void {
  const f = model.factors;
  if (!Number.isInteger(f) || f < 1)
    throw new InvalidInputError(`factors must be an integer ≥ 1, got ${f}`, "factors");
  if (!MODEL_VERSION_PATTERN.test(model.version)) {
    throw new InvalidInputError(
      `model version must match ${MODEL_VERSION_PATTERN.source}, got ${JSON.stringify(model.version)}`,
      "version",
    );
  }
  if (!Number.isFinite(Date.parse(model.createdAt))) {
    throw new InvalidInputError(
      `createdAt must be an ISO 8601 date-time, got ${JSON.stringify(model.createdAt)}`,
      "createdAt",
    );
  }
  if (model.parameters.factors !== f) {
    throw new InvalidInputError(
      `parameters.factors is ${model.parameters.factors}, model factors ${f}`,
      "parameters",
    );
  }
  const expect = (actual: number, expected: number, field: string): void => {
    if (actual !== expected)
      throw new InvalidInputError(`${field} has ${actual} values, expected ${expected}`, field);
  };
  expect(model.userFactors.length, model.userIds.length * f, "userFactors");
  expect(model.itemFactors.length, model.itemIds.length * f, "itemFactors");
  expect(model.gram.length, f * f, "gram");
  for (const [field, ids] of [
    ["userIds", model.userIds],
    ["itemIds", model.itemIds],
  ] as const) {
    const problem = idListProblem(ids);
    if (problem !== undefined) throw new InvalidInputError(`${field}: ${problem}`, field);
  }
  for (const [name, value] of Object.entries(model.metrics)) {
    if (!Number.isFinite(value))
      throw new InvalidInputError(`metric ${name} must be finite, got ${value}`, "metrics");
  }
  const problem = dataWindowProblem(model.dataWindow);
  if (problem !== undefined) throw new InvalidInputError(`dataWindow: ${problem}`, "dataWindow");
}

function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/**
 * Little-endian float32 bytes; a copy, so the checksum stays true if the model is changed later.
 * `portable` forces the DataView path that big-endian hosts take (tests run it on little-endian ones).
 */
export function encodeFloat32Le(values: Float32Array, portable = !LITTLE_ENDIAN_HOST): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  if (!portable) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  } else {
    const view = new DataView(out.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- decode

/**
 * A model from its files. Every file is checked against the manifest (presence, length, SHA-256) and the
 * manifest against itself (shapes vs factors × counts); any failure is a CorruptDataError naming the file.
 * A missing manifest is a NotFoundError: the manifest is written last, so without it there is no model yet.
 */
export function decodeModel(files: ReadonlyMap<string, Uint8Array>): FactorModel {
  const manifestBytes = files.get(MANIFEST_FILE);
  if (manifestBytes === undefined)
    throw new NotFoundError(`${MANIFEST_FILE}: missing, so there is no complete model`);
  const manifest = parseManifest(manifestBytes);
  const verified = new Map<ModelDataFile, Uint8Array>();
  for (const entry of manifest.files) {
    const bytes = files.get(entry.name);
    if (bytes === undefined)
      throw new CorruptDataError(`${entry.name}: missing (listed in ${MANIFEST_FILE})`);
    if (bytes.byteLength !== entry.byteLength) {
      throw new CorruptDataError(
        `${entry.name}: ${bytes.byteLength} bytes, ${MANIFEST_FILE} says ${entry.byteLength} (truncated or overwritten)`,
      );
    }
    const actual = sha256(bytes);
    if (actual !== entry.sha256) {
      throw new CorruptDataError(`${entry.name}: sha256 is ${actual}, ${MANIFEST_FILE} says ${entry.sha256}`);
    }
    verified.set(entry.name, bytes);
  }
  const file = (name: ModelDataFile): Uint8Array => verified.get(name) as Uint8Array;
  return {
    version: manifest.modelVersion,
    factors: manifest.factors,
    userIds: decodeIds(USER_IDS_FILE, file(USER_IDS_FILE), manifest.users),
    itemIds: decodeIds(ITEM_IDS_FILE, file(ITEM_IDS_FILE), manifest.items),
    userFactors: decodeFloat32Le(file(USER_FACTORS_FILE)),
    itemFactors: decodeFloat32Le(file(ITEM_FACTORS_FILE)),
    gram: decodeFloat32Le(file(GRAM_FILE)),
    parameters: manifest.parameters,
    metrics: manifest.metrics,
    dataWindow: manifest.dataWindow,
    createdAt: manifest.createdAt,
  };
}

/** Parses and validates manifest.json on its own (shapes against counts, known files, checksum syntax). */
export function parseManifest(bytes: Uint8Array): ModelManifest {
  const fail = (problem: string): never => {
    throw new CorruptDataError(`${MANIFEST_FILE}: ${problem}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    return fail(`not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (!isRecord(raw)) return fail("not a JSON object");
  if (raw.formatVersion !== MODEL_FORMAT_VERSION) {
    return fail(
      `formatVersion is ${JSON.stringify(raw.formatVersion)}, this reader supports ${MODEL_FORMAT_VERSION}`,
    );
  }
  const modelVersion = raw.modelVersion;
  if (typeof modelVersion !== "string" || !MODEL_VERSION_PATTERN.test(modelVersion)) {
    return fail(`modelVersion must be a string matching ${MODEL_VERSION_PATTERN.source}`);
  }
  const createdAt = raw.createdAt;
  if (typeof createdAt !== "string" || !Number.isFinite(Date.parse(createdAt))) {
    return fail("createdAt must be an ISO 8601 date-time string");
  }
  const factors = integerField(raw, "factors", 1, fail);
  const users = integerField(raw, "users", 0, fail);
  const items = integerField(raw, "items", 0, fail);
  const parameters = parseParameters(raw.parameters, factors, fail);
  const metrics = parseMetrics(raw.metrics, fail);
  const windowProblem = dataWindowProblem(raw.dataWindow);
  if (windowProblem !== undefined) return fail(`dataWindow: ${windowProblem}`);
  const window = raw.dataWindow as unknown as DataWindow;
  const files = parseFileEntries(raw.files, { users, items, factors }, fail);
  return {
    formatVersion: MODEL_FORMAT_VERSION,
    modelVersion,
    createdAt,
    factors,
    users,
    items,
    parameters,
    metrics,
    dataWindow: { from: window.from, to: window.to, interactions: window.interactions },
    files,
  };
}

function parseParameters(value: unknown, factors: number, fail: (problem: string) => never): AlsParameters {
  if (!isRecord(value)) return fail("parameters must be an object");
  for (const key of REQUIRED_PARAMETERS) {
    if (typeof value[key] !== "number") fail(`parameters.${key} must be a number`);
  }
  let parameters: AlsParameters;
  try {
    // Known fields only: a writer's extra keys (Spark's own settings) are not part of AlsParameters.
    parameters = resolveAlsParameters({
      factors: value.factors as number,
      iterations: value.iterations as number,
      regularization: value.regularization as number,
      alpha: value.alpha as number,
      solver: value.solver as AlsParameters["solver"] | undefined,
      cgSteps: value.cgSteps as number | undefined,
      seed: value.seed as number | undefined,
      threads: value.threads as number | undefined,
    });
  } catch (error) {
    return fail(`parameters: ${(error as Error).message}`);
  }
  if (parameters.factors !== factors)
    fail(`parameters.factors is ${parameters.factors}, factors is ${factors}`);
  return parameters;
}

function parseMetrics(value: unknown, fail: (problem: string) => never): ModelMetrics {
  if (!isRecord(value)) return fail("metrics must be an object");
  const metrics: Record<string, number> = {};
  for (const [name, metric] of Object.entries(value)) {
    if (typeof metric !== "number" || !Number.isFinite(metric))
      fail(`metrics.${name} must be a finite number`);
    metrics[name] = metric as number;
  }
  return metrics;
}

function parseFileEntries(
  value: unknown,
  counts: { users: number; items: number; factors: number },
  fail: (problem: string) => never,
): ModelFileEntry[] {
  const expected: Record<ModelDataFile, { dtype: ModelFileDtype; shape: number[]; what: string }> = {
    [USER_IDS_FILE]: { dtype: "json-utf8", shape: [counts.users], what: "[users]" },
    [ITEM_IDS_FILE]: { dtype: "json-utf8", shape: [counts.items], what: "[items]" },
    [USER_FACTORS_FILE]: {
      dtype: "float32le",
      shape: [counts.users, counts.factors],
      what: "[users, factors]",
    },
    [ITEM_FACTORS_FILE]: {
      dtype: "float32le",
      shape: [counts.items, counts.factors],
      what: "[items, factors]",
    },
    [GRAM_FILE]: { dtype: "float32le", shape: [counts.factors, counts.factors], what: "[factors, factors]" },
  };
  if (!Array.isArray(value)) return fail("files must be an array");
  const byName = new Map<string, ModelFileEntry>();
  for (const entry of value as unknown[]) {
    if (!isRecord(entry) || typeof entry.name !== "string")
      return fail("every files[] entry must have a name");
    const name = entry.name;
    if (!(MODEL_DATA_FILES as readonly string[]).includes(name))
      fail(`files lists unknown file ${JSON.stringify(name)}`);
    if (byName.has(name)) fail(`files lists ${name} twice`);
    const spec = expected[name as ModelDataFile];
    if (entry.dtype !== spec.dtype)
      fail(`${name} dtype is ${JSON.stringify(entry.dtype)}, expected "${spec.dtype}"`);
    const shape = entry.shape;
    if (
      !Array.isArray(shape) ||
      shape.length !== spec.shape.length ||
      shape.some((dimension, i) => dimension !== spec.shape[i])
    ) {
      fail(
        `${name} shape is ${JSON.stringify(shape)}, expected ${spec.what} = ${JSON.stringify(spec.shape)}`,
      );
    }
    const byteLength = entry.byteLength;
    if (typeof byteLength !== "number" || !Number.isSafeInteger(byteLength) || byteLength < 0) {
      fail(`${name} byteLength must be an integer ≥ 0`);
    }
    if (spec.dtype === "float32le") {
      const expectedBytes = spec.shape.reduce((a, b) => a * b, 4);
      if (byteLength !== expectedBytes) {
        fail(`${name} byteLength is ${byteLength}, expected 4 × ${spec.what} = ${expectedBytes}`);
      }
    }
    if (typeof entry.sha256 !== "string" || !SHA256_PATTERN.test(entry.sha256)) {
      fail(`${name} sha256 must be 64 lower-case hex digits`);
    }
    byName.set(name, {
      name: name as ModelDataFile,
      dtype: spec.dtype,
      shape: spec.shape,
      byteLength: byteLength as number,
      sha256: entry.sha256 as string,
    });
  }
  return MODEL_DATA_FILES.map((name) => byName.get(name) ?? fail(`files does not list ${name}`));
}

function integerField(
  record: Record<string, unknown>,
  field: string,
  min: number,
  fail: (problem: string) => never,
): number {
  const value = record[field];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    return fail(`${field} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function decodeIds(name: string, bytes: Uint8Array, expected: number): string[] {
  let ids: unknown;
  try {
    ids = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new CorruptDataError(`${name}: not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(ids)) throw new CorruptDataError(`${name}: not a JSON array`);
  if (ids.length !== expected) {
    throw new CorruptDataError(`${name}: ${ids.length} ids, ${MANIFEST_FILE} says ${expected}`);
  }
  const problem = idListProblem(ids);
  if (problem !== undefined) throw new CorruptDataError(`${name}: ${problem}`);
  return ids as string[];
}

/** Float32 values from little-endian bytes, on any host; the result owns its (aligned) buffer. */
export function decodeFloat32Le(bytes: Uint8Array, portable = !LITTLE_ENDIAN_HOST): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4);
  if (!portable) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

// ---------------------------------------------------------------------------------------- file system

/**
 * Writes the model into `dir`. Each file goes to a temporary name, is flushed, then renamed into place;
 * the manifest goes last. A previous manifest is removed first, so while files are being replaced a
 * reader finds no model rather than a mix of two.
 */
export async function saveModel(dir: string, model: FactorModel): Promise<void> {
  const files = encodeModel(model);
  await mkdir(dir, { recursive: true });
  await rm(join(dir, MANIFEST_FILE), { force: true });
  for (const name of MODEL_DATA_FILES) await writeFileAtomically(dir, name, files.get(name) as Uint8Array);
  await writeFileAtomically(dir, MANIFEST_FILE, files.get(MANIFEST_FILE) as Uint8Array);
  await syncDirectory(dir);
}

/** Reads and verifies the model in `dir` (NotFoundError without a manifest, CorruptDataError when damaged). */
export async function loadModel(dir: string): Promise<FactorModel> {
  const files = new Map<string, Uint8Array>();
  for (const name of [MANIFEST_FILE, ...MODEL_DATA_FILES]) {
    try {
      files.set(name, await readFile(join(dir, name)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      if (name === MANIFEST_FILE) throw new NotFoundError(`no model in ${dir}: ${MANIFEST_FILE} is missing`);
    }
  }
  return decodeModel(files);
}

// --------------------------------------------------------------------------------------------- shared

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function idListProblem(ids: readonly unknown[]): string | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (typeof id !== "string") return `id at index ${i} is not a string`;
    if (seen.has(id)) return `id ${JSON.stringify(id)} appears twice (again at index ${i})`;
    seen.add(id);
  }
  return undefined;
}

function dataWindowProblem(window: unknown): string | undefined {
  if (!isRecord(window)) return "must be an object";
  for (const bound of ["from", "to"] as const) {
    const value = window[bound];
    if (value !== null && (typeof value !== "number" || !Number.isFinite(value))) {
      return `${bound} must be a finite number (epoch seconds) or null`;
    }
  }
  const interactions = window.interactions;
  if (typeof interactions !== "number" || !Number.isSafeInteger(interactions) || interactions < 0) {
    return "interactions must be an integer ≥ 0";
  }
  return undefined;
}
