import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteTable } from "../../../functions/api/route-table.ts";
import { InMemoryItemCatalog } from "../../../layers/adapters/embedded/in-memory-item-catalog.ts";
import { InMemoryRecommendationLog } from "../../../layers/adapters/embedded/in-memory-recommendation-log.ts";
import {
  LOCAL_ADMIN_CREDENTIAL,
  type LocalApiGateway,
  startLocalApiGateway,
} from "../../../local/api/local-api-gateway.ts";
import { type LocalWebServer, startLocalWebServer } from "../../../local/start/local-web-server.ts";
import { RuntimeStats } from "../../../local/start/runtime-stats.ts";
import { httpRequest } from "../api/http-request.ts";

// The web app's server in the local runtime, in front of a local API front with one client route and one
// admin route, whose handlers echo what reached them.

const API_KEY = "a-development-key-of-24ch";
const ROUTES: RouteTable = {
  routes: [
    { method: "GET", path: "/v1/echo", handler: "echo", auth: "api-key" },
    { method: "POST", path: "/v1/admin/echo", handler: "echo", auth: "admin" },
  ],
  handlers: {
    echo: { entry: "api/health-handler.ts", description: "echo", timeoutSeconds: 3, memorySizeMb: 128 },
  },
};

/** What the echo handler answers: the caller as API Gateway identified it, and the body it passed on. */
interface Echo {
  readonly identity: unknown;
  readonly body: string | null;
}

const echo = async (event: unknown) => {
  const { requestContext, body } = event as { requestContext: { identity: unknown }; body: string | null };
  return { statusCode: 200, body: JSON.stringify({ identity: requestContext.identity, body }) };
};

describe("the local runtime's web server", () => {
  let api: LocalApiGateway;
  let web: LocalWebServer;
  let webDirectory: string;
  const local = { "x-flywheel-web": "1" };

  beforeAll(async () => {
    webDirectory = mkdtempSync(join(tmpdir(), "flywheel-web-"));
    mkdirSync(join(webDirectory, "assets"));
    writeFileSync(join(webDirectory, "index.html"), "<!doctype html><title>app</title>");
    writeFileSync(join(webDirectory, "assets", "app-1a2b.js"), "export {}");
    api = await startLocalApiGateway({
      routeTable: ROUTES,
      handlers: { echo },
      apiKeys: [{ id: "dev", value: API_KEY }],
      log: () => {},
    });
    const catalog = new InMemoryItemCatalog();
    await catalog.upsert([
      {
        itemId: "i1",
        title: "One",
        categories: ["c"],
        available: true,
        hidden: false,
        attributes: {},
        updatedAt: 1,
      },
    ]);
    web = await startLocalWebServer({
      webDirectory,
      apiUrl: api.url,
      apiKey: API_KEY,
      adminCredential: LOCAL_ADMIN_CREDENTIAL,
      region: api.region,
      stats: new RuntimeStats({
        processedEvents: () => 0,
        recommendationLog: new InMemoryRecommendationLog(),
        catalogItems: () => 1,
      }),
      catalog,
      users: () => [{ userId: "u1", interactions: 3 }],
    });
  });

  afterAll(async () => {
    await web?.stop();
    await api?.stop();
    rmSync(webDirectory, { recursive: true, force: true });
  });

  it("hands the app its configuration, the development key included", async () => {
    const response = await fetch(`${web.url}/config.json`);
    expect(await response.json()).toEqual({
      apiBase: "/api",
      apiKey: API_KEY,
      adminBase: "/_local/admin",
      localBase: "/_local",
      environment: "local",
    });
  });

  it("passes /api calls to the front, which still checks the API key", async () => {
    const withKey = await fetch(`${web.url}/api/v1/echo`, { headers: { ...local, "x-api-key": API_KEY } });
    expect(withKey.status).toBe(200);
    expect(((await withKey.json()) as Echo).identity).toMatchObject({ apiKeyId: "dev" });
    const withoutKey = await fetch(`${web.url}/api/v1/echo`, { headers: local });
    expect(withoutKey.status).toBe(403);
  });

  it("signs admin calls with SigV4, which the front verifies as API Gateway's IAM authorization does", async () => {
    const response = await fetch(`${web.url}/_local/admin/v1/admin/echo`, {
      method: "POST",
      headers: local,
      body: '{"runId":"r1"}',
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as Echo;
    expect(answer.identity).toMatchObject({ userArn: LOCAL_ADMIN_CREDENTIAL.userArn });
    expect(answer.body).toBe('{"runId":"r1"}');
    // The same call straight to the front, unsigned, is refused.
    expect((await fetch(`${api.url}/v1/admin/echo`, { method: "POST", body: "{}" })).status).toBe(403);
  });

  it("signs nothing but the admin routes", async () => {
    const response = await fetch(`${web.url}/_local/admin/v1/echo`, { headers: local });
    expect(response.status).toBe(404);
  });

  it("refuses API calls without its header and requests for another host", async () => {
    expect(
      (await fetch(`${web.url}/_local/admin/v1/admin/echo`, { method: "POST", body: "{}" })).status,
    ).toBe(403);
    expect((await fetch(`${web.url}/_local/stats`)).status).toBe(403);
    const rebound = await httpRequest(web.port, "/config.json", { headers: { host: "attacker.example" } });
    expect(rebound.status).toBe(421);
  });

  it("serves the runtime's figures, titles and seeded users", async () => {
    const stats = await (await fetch(`${web.url}/_local/stats`, { headers: local })).json();
    expect(stats).toMatchObject({ coverage: { catalogItems: 1 }, events: { processed: 0 } });
    const items = await (await fetch(`${web.url}/_local/items?ids=i1,unknown`, { headers: local })).json();
    expect(items).toEqual({ items: [{ itemId: "i1", title: "One", categories: ["c"], available: true }] });
    const users = await (await fetch(`${web.url}/_local/users`, { headers: local })).json();
    expect(users).toEqual({ users: [{ userId: "u1", interactions: 3 }] });
  });

  it("serves the built files, the app's page for its own routes, and nothing outside the build", async () => {
    const asset = await fetch(`${web.url}/assets/app-1a2b.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
    expect(asset.headers.get("cache-control")).toContain("immutable");
    const route = await fetch(`${web.url}/items/i1`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain("<title>app</title>");
    expect(route.headers.get("x-frame-options")).toBe("DENY");
    expect((await fetch(`${web.url}/missing.js`)).status).toBe(404);
    const outside = await httpRequest(web.port, "/../../package.json", {
      headers: { host: `127.0.0.1:${web.port}` },
    });
    expect(outside.status).not.toBe(200);
  });
});
