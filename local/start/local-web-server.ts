import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import type { ItemCatalog } from "../../layers/ports/item-catalog.ts";
import type { LocalIamCredential } from "../api/sigv4-verifier.ts";
import { listenOnLoopback } from "../cloud/listen-on-loopback.ts";
import { signAdminRequest } from "./admin-request-signer.ts";
import type { RuntimeStats } from "./runtime-stats.ts";

export interface LocalWebServerOptions {
  /** The built web app (web/dist). When it has no index.html, a page says how to build it. */
  readonly webDirectory: string;
  /** The API front's invoke URL, stage included: `http://127.0.0.1:3000/local`. */
  readonly apiUrl: string;
  /** The development API key, handed to the web app in /config.json. */
  readonly apiKey: string;
  readonly adminCredential: LocalIamCredential;
  readonly region: string;
  readonly stats: RuntimeStats;
  readonly catalog: ItemCatalog;
  /** The seeded users, most active first, for the user picker. */
  readonly users: () => readonly { readonly userId: string; readonly interactions: number }[];
  /** @default 0, a free port */
  readonly port?: number;
}

export interface LocalWebServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** The header every /_local and /api request of the web app carries (see `refuseForeignRequest`). */
export const LOCAL_REQUEST_HEADER = "x-flywheel-web";
const MAX_BODY_BYTES = 1024 * 1024;
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};
/** What API Gateway answers with and the web app needs to read. */
const FORWARDED_RESPONSE_HEADERS = ["content-type", "cache-control", "x-amzn-requestid", "retry-after"];
const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
};

/**
 * The web app's server in the local runtime, on 127.0.0.1 beside the API front:
 * - `/` and the app's files (web/dist), any other path without a file extension getting index.html;
 * - `/config.json`: where the API is and the development API key;
 * - `/api/…`: passed to the API front as it is (the front checks the API key, as API Gateway does);
 * - `/_local/admin/…`: the local-only admin proxy, which signs `/v1/admin/…` requests with SigV4 using the
 *   local cloud's dummy credentials, since a browser holds no AWS credentials (in AWS there is no proxy:
 *   an operator signs with their own credentials);
 * - `/_local/stats`, `/_local/items`, `/_local/users`: what the dashboard and the pickers read from the
 *   local runtime itself (not AWS routes; in AWS the figures come from CloudWatch).
 */
export async function startLocalWebServer(options: LocalWebServerOptions): Promise<LocalWebServer> {
  const root = normalize(options.webDirectory);
  let port = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 502, { message: `local web server: ${String(error)}` });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    const method = req.method ?? "GET";
    // A page from another site could reach a loopback server through the browser (DNS rebinding, or a
    // form post): the Host must be this server, and every API call must carry a header no form can set.
    const host = req.headers.host ?? "";
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      return reply(res, 421, { message: "unexpected Host" });
    const local = path.startsWith("/api/") || path.startsWith("/_local/");
    if (local && req.headers[LOCAL_REQUEST_HEADER] !== "1")
      return reply(res, 403, { message: `${LOCAL_REQUEST_HEADER}: 1 is required` });

    if (path === "/config.json") {
      return reply(res, 200, {
        apiBase: "/api",
        apiKey: options.apiKey,
        adminBase: "/_local/admin",
        localBase: "/_local",
        environment: "local",
      });
    }
    if (path.startsWith("/api/"))
      return forward(req, res, method, `${options.apiUrl}${path.slice(4)}${url.search}`, undefined);
    if (path.startsWith("/_local/admin/")) {
      const rest = path.slice("/_local/admin".length);
      if (!rest.startsWith("/v1/admin/"))
        return reply(res, 404, { message: "the admin proxy signs /v1/admin/ only" });
      const target = new URL(`${options.apiUrl}${rest}${url.search}`);
      const body = await readBody(req);
      const text = body.length === 0 ? undefined : body.toString("utf8");
      const headers = await signAdminRequest(
        { method, url: target, body: text },
        options.adminCredential,
        options.region,
      );
      return forward(req, res, method, target.href, { headers, body: text });
    }
    if (path === "/_local/stats") return reply(res, 200, await options.stats.snapshot(), "no-store");
    if (path === "/_local/users") {
      const limit = Math.min(200, Math.max(1, Number(url.searchParams.get("limit") ?? "30") || 30));
      return reply(res, 200, { users: options.users().slice(0, limit) });
    }
    if (path === "/_local/items") {
      const ids = (url.searchParams.get("ids") ?? "")
        .split(",")
        .filter((id) => id !== "")
        .slice(0, 100);
      const items = ids.length === 0 ? [] : await options.catalog.getMany(ids);
      return reply(res, 200, {
        items: items.map((item) => ({
          itemId: item.itemId,
          title: item.title ?? null,
          categories: item.categories,
          available: item.available && !item.hidden,
        })),
      });
    }
    if (path.startsWith("/_local/")) return reply(res, 404, { message: `no local route ${path}` });
    if (method !== "GET" && method !== "HEAD")
      return reply(res, 405, { message: "static files are read-only" });
    return serveStatic(res, path);
  }

  async function forward(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    target: string,
    signed: { headers: Record<string, string>; body: string | undefined } | undefined,
  ): Promise<void> {
    let headers: Record<string, string>;
    let body: string | undefined;
    if (signed !== undefined) {
      ({ headers, body } = signed);
    } else {
      const raw = await readBody(req);
      body = raw.length === 0 ? undefined : raw.toString("utf8");
      headers = {};
      for (const name of ["content-type", "x-api-key", "accept"]) {
        const value = req.headers[name];
        if (typeof value === "string") headers[name] = value;
      }
    }
    const response = await fetch(target, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(35_000),
    });
    const responseHeaders: Record<string, string> = { ...SECURITY_HEADERS };
    for (const name of FORWARDED_RESPONSE_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) responseHeaders[name] = value;
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, { ...responseHeaders, "content-length": String(bytes.length) });
    res.end(bytes);
  }

  async function serveStatic(res: ServerResponse, path: string): Promise<void> {
    const relative = decodeURIComponent(path).replace(/^\/+/, "");
    let file = normalize(join(root, relative === "" ? "index.html" : relative));
    if (file !== root && !file.startsWith(root + sep)) return reply(res, 404, { message: "not found" });
    const isFile = await stat(file).then(
      (info) => info.isFile(),
      () => false,
    );
    if (!isFile) {
      // A client-side route of the single-page app (/items/i12, /admin): the app's page.
      if (extname(relative) !== "") return reply(res, 404, { message: "not found" });
      file = join(root, "index.html");
    }
    if (!existsSync(file)) return sendNotBuilt(res);
    const body = await readFile(file);
    const hashed = file.includes(`${sep}assets${sep}`);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
      "content-length": String(body.length),
    });
    res.end(body);
  }

  function sendNotBuilt(res: ServerResponse): void {
    const page =
      "<!doctype html><title>Flywheel</title><p>The web app is not built: run <code>npm run build:web</code> and reload.</p>";
    res.writeHead(503, { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8" });
    res.end(page);
  }

  port = await listenOnLoopback(server, options.port, "the web server");
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

function reply(res: ServerResponse, status: number, body: unknown, cacheControl = "no-store"): void {
  const bytes = Buffer.from(JSON.stringify(body), "utf8");
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": "application/json",
    "cache-control": cacheControl,
    "content-length": String(bytes.length),
  });
  res.end(bytes);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    if (!Buffer.isBuffer(chunk)) continue;
    bytes += chunk.length;
    if (bytes > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
