import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "../../../infra/bundling/lambda-bundle-options.ts";
import { runInFreshProcess } from "../../../infra/bundling/load-bundle-in-fresh-process.ts";

// The shims that Lambda bundles get for builtins their packages import at load but Flywheel never uses
// (infra/bundling/builtin-shims, LAMBDA_BUNDLE_OPTIONS.alias): the builtin must load only when an export is
// read, and each export must then be the builtin's own. Run in fresh processes: this one has loaded
// everything already.

const SHIMS = {
  "node:stream/web": { file: "infra/bundling/builtin-shims/node-stream-web.cjs", read: "ReadableStream" },
  "node:http2": { file: "infra/bundling/builtin-shims/node-http2.cjs", read: "connect" },
} as const;

type BuiltinId = keyof typeof SHIMS;
const BUILTIN_IDS = Object.keys(SHIMS) as BuiltinId[];

// Requires a shim, reports whether the builtin was loaded by then, then reads `read` (a path of property
// names) and reports again, with whether the value read is the builtin's own.
const CHILD_SOURCE = `
import { createRequire } from "node:module";
const [shimFile, id, ...read] = process.argv.slice(1);
const loaded = () => process.moduleLoadList.includes("NativeModule " + id.replace(/^node:/, ""));
const before = loaded();
const shim = createRequire(import.meta.url)(shimFile);
const afterRequire = loaded();
const names = Object.keys(shim);
let value = shim;
for (const key of read) value = value[key];
const afterRead = loaded();
let expected = process.getBuiltinModule(id);
for (const key of read) expected = expected[key];
process.stdout.write(JSON.stringify({ before, afterRequire, afterRead, names, same: value === expected }));
process.exit(0);
`;

interface ShimReport {
  readonly before: boolean;
  readonly afterRequire: boolean;
  readonly afterRead: boolean;
  readonly names: string[];
  readonly same: boolean;
}

async function requireShim(id: BuiltinId, read: readonly string[]): Promise<ShimReport> {
  const { stdout } = await runInFreshProcess(
    CHILD_SOURCE,
    [resolve(REPOSITORY_ROOT, SHIMS[id].file), id, ...read],
    {
      env: {},
    },
  );
  return JSON.parse(stdout) as ShimReport;
}

describe("a lazily loaded builtin for Lambda bundles", () => {
  it.each(BUILTIN_IDS)(
    "%s exports the running Node's names, and loads the builtin only when one is read",
    async (id) => {
      const report = await requireShim(id, [SHIMS[id].read]);
      // A name Node added since the shim was written would be undefined in bundles: the list must follow Node.
      expect(report.names).toEqual(Object.keys(process.getBuiltinModule(id)));
      expect(report).toMatchObject({ before: false, afterRequire: false, afterRead: true, same: true });
    },
  );

  it("gives node:http2's constants as a view that loads the module on its first property read", async () => {
    // The SDK's HTTP/2 handler destructures `constants` at load and reads the header names in requests.
    const destructured = await requireShim("node:http2", ["constants"]);
    expect(destructured).toMatchObject({ afterRead: false });
    const used = await requireShim("node:http2", ["constants", "HTTP2_HEADER_STATUS"]);
    expect(used).toMatchObject({ afterRead: true, same: true });
  });

  it("lets the constants view be enumerated, searched and spread like the module's own object", async () => {
    // Code that copies or checks the constants instead of reading one must not see an empty object.
    const child = `
      import { createRequire } from "node:module";
      const { constants } = createRequire(import.meta.url)(process.argv[1]);
      const real = process.getBuiltinModule("node:http2").constants;
      process.stdout.write(JSON.stringify({
        keys: JSON.stringify(Object.keys(constants)) === JSON.stringify(Object.keys(real)),
        found: "HTTP2_HEADER_STATUS" in constants && !("NOT_A_CONSTANT" in constants),
        spread: JSON.stringify({ ...constants }) === JSON.stringify({ ...real }),
      }));
      process.exit(0);
    `;
    const { stdout } = await runInFreshProcess(child, [resolve(REPOSITORY_ROOT, SHIMS["node:http2"].file)], {
      env: {},
    });
    expect(JSON.parse(stdout)).toEqual({ keys: true, found: true, spread: true });
  });
});
