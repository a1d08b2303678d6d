import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeStatsSnapshot } from "../../../local/start/runtime-stats.ts";
import { type RunningFlywheel, startFlywheel } from "../../../local/start/start-flywheel.ts";

// The whole local runtime with no emulator (`npm start -- --embedded`): the same composition as on the
// local cloud, every port on its embedded adapter. Driven over HTTP as the web app drives it.

describe("the local runtime on the embedded adapters", () => {
  let flywheel: RunningFlywheel;
  const local = { "x-flywheel-web": "1" };

  beforeAll(async () => {
    flywheel = await startFlywheel({
      data: { kind: "generated", users: 60, items: 40, interactions: 3_000, seed: 11 },
      embedded: true,
      port: 0,
      webPort: 0,
      buildWeb: false,
    });
  });

  afterAll(async () => {
    await flywheel?.stop();
  });

  async function api(
    path: string,
    init: RequestInit = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${flywheel.apiUrl}${path}`, {
      ...init,
      headers: { "x-api-key": flywheel.apiKey, ...init.headers },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function recommendations(userId: string) {
    const { status, body } = await api(`/v1/users/${userId}/recommendations`);
    expect(status).toBe(200);
    return body as { recommendationId: string; source: string; items: Array<{ itemId: string }> };
  }

  it("says it runs embedded, and trained its first model", () => {
    expect(flywheel.mode).toBe("embedded");
    expect(flywheel.fallbacks.join()).toContain("--embedded");
    expect(flywheel.nightly.status).toBe("SUCCEEDED");
    expect(flywheel.seeded.items).toBe(40);
  });

  it("serves the route table with its auth: a key for clients, SigV4 for admin", async () => {
    expect((await fetch(`${flywheel.apiUrl}/v1/health`)).status).toBe(403);
    expect((await api("/v1/health")).status).toBe(200);
    expect((await api("/v1/admin/models")).status).toBe(403);
    const models = await fetch(`${flywheel.webUrl}/_local/admin/v1/admin/models`, { headers: local });
    expect(await models.json()).toMatchObject({ activeVersion: flywheel.nightly.runId });
  });

  it("turns a click into a new list through the stream, and counts it", async () => {
    const userId = flywheel.seeded.users[0]?.userId ?? "";
    const before = await recommendations(userId);
    const clicked = before.items[0]?.itemId ?? "";
    const sent = await api("/v1/events", {
      method: "POST",
      body: JSON.stringify({
        events: [{ userId, itemId: clicked, type: "click", recommendationId: before.recommendationId }],
      }),
    });
    expect(sent).toMatchObject({ status: 202, body: { accepted: 1 } });
    await flywheel.whenStreamIdle();
    const after = await recommendations(userId);
    expect(after.source).toBe("realtime");
    expect(after.items.map((item) => item.itemId)).not.toContain(clicked);

    const stats = (await (
      await fetch(`${flywheel.webUrl}/_local/stats`, { headers: local })
    ).json()) as RuntimeStatsSnapshot;
    expect(stats.events.acceptedByType).toEqual({ click: 1 });
    const clicks = stats.ctr.reduce((sum, row) => sum + row.clicks, 0);
    expect(clicks).toBe(1);
    expect(stats.recommendations.served).toBeGreaterThanOrEqual(2);
  });

  it("starts a training run from the admin API and follows it to its end", async () => {
    const started = await fetch(`${flywheel.webUrl}/_local/admin/v1/admin/training-runs`, {
      method: "POST",
      headers: local,
      body: "{}",
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    const deadline = Date.now() + 30_000;
    let status = "RUNNING";
    while (status === "RUNNING" && Date.now() < deadline) {
      const run = await fetch(`${flywheel.webUrl}/_local/admin/v1/admin/training-runs/${runId}`, {
        headers: local,
      });
      status = ((await run.json()) as { status: string }).status;
      if (status === "RUNNING") await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe("SUCCEEDED");
  });
});
