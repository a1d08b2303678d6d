import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Stack traces of a bundled function, mapped back to the TypeScript sources through the bundle's linked
 * source map, which is read the first time a stack is formatted instead of at init.
 *
 * Why not `NODE_OPTIONS=--enable-source-maps`: with it, Node reads and parses the source map of every module
 * file as it loads it, before the handler is ready. For the recommendations bundle (about 1 MB of code and
 * 1.1 MB of maps) that was about 60 ms of every cold start (docs/lambda-packaging.md, "Figures"), paid to
 * format stack traces that most environments never print. Here the map is read when an error's `stack` is
 * first read (V8 formats it then, through Error.prepareStackTrace), once per file and process.
 *
 * Installed by observability.ts in bundles only: the bundler replaces `process.env.FLYWHEEL_BUNDLED_SOURCE_MAPS`
 * (infra/bundling/lambda-bundle-options.ts). Outside a bundle (tests, the local runtime from sources)
 * nothing changes, and neither does anything when Node maps stacks itself (`--enable-source-maps`).
 */
export function installSourceMappedStackTraces(): void {
  if (process.sourceMapsEnabled) return;
  const maps = new SourceMapsByFile();
  Error.prepareStackTrace = (error: Error, callSites: NodeJS.CallSite[]) =>
    [headerOf(error), ...callSites.map((site) => `    at ${mappedCallSite(site, maps)}`)].join("\n");
}

/** V8's first line of a stack: `Name: message` (Error.prototype.toString), or the name alone. */
function headerOf(error: Error): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return "Error";
  }
}

/**
 * The call site as V8 prints it, with its position in the generated file replaced by the original one when
 * the file has a source map that covers it; unchanged otherwise (Node's own modules, code without a map).
 */
function mappedCallSite(site: NodeJS.CallSite, maps: SourceMapsByFile): string {
  const printed = site.toString();
  const file = site.getFileName() ?? site.getScriptNameOrSourceURL();
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (!file || line === null || column === null) return printed;
  const origin = maps.of(file)?.findOrigin(line, column);
  if (origin === undefined || !("fileName" in origin)) return printed;
  const original = `${readableSource(origin.fileName)}:${origin.lineNumber}:${origin.columnNumber}`;
  return printed.replace(`${file}:${line}:${column}`, original);
}

/**
 * A source as the map names it, relative to the directory the bundle was built in: `../../functions/api/…`
 * for an asset CDK builds in `cdk.out`. Shown without the leading `../` (`functions/api/…`,
 * `node_modules/…`), which is where a reader looks.
 */
function readableSource(source: string): string {
  return source.replace(/^(\.\.?\/)+/, "");
}

/** The tail of a generated file holds its `sourceMappingURL` comment; 4 KB covers any path we write. */
const TAIL_BYTES = 4096;
const SOURCE_MAPPING_URL = /\/\/# sourceMappingURL=([^\s'"]+)\s*$/;

/** Each generated file's source map, read on first use; undefined for a file without one or on any error. */
class SourceMapsByFile {
  readonly #maps = new Map<string, SourceMap | undefined>();

  of(file: string): SourceMap | undefined {
    if (!this.#maps.has(file)) this.#maps.set(file, readLinkedSourceMap(file));
    return this.#maps.get(file);
  }
}

/**
 * The map a `//# sourceMappingURL=` comment at the end of `file` links to (a path or file: URL; inline
 * data: maps are not ours and are left alone). Never throws: an unreadable map leaves the stack as it is.
 */
function readLinkedSourceMap(file: string): SourceMap | undefined {
  try {
    const path = file.startsWith("file:") ? fileURLToPath(file) : file;
    if (!isAbsolute(path)) return undefined;
    const link = SOURCE_MAPPING_URL.exec(tailOf(path))?.[1];
    if (link === undefined || link.startsWith("data:")) return undefined;
    const mapPath = link.startsWith("file:") ? fileURLToPath(link) : resolve(dirname(path), link);
    return new SourceMap(JSON.parse(readFileSync(mapPath, "utf8")));
  } catch {
    return undefined;
  }
}

function tailOf(path: string): string {
  const size = statSync(path).size;
  const length = Math.min(size, TAIL_BYTES);
  const buffer = Buffer.alloc(length);
  const descriptor = openSync(path, "r");
  try {
    readSync(descriptor, buffer, 0, length, size - length);
  } finally {
    closeSync(descriptor);
  }
  return buffer.toString("utf8");
}
