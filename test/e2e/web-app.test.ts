import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FlywheelProcess, spawnFlywheel } from "../../local/start/flywheel-process.ts";
import { processTree, stillRunning } from "../../local/start/process-tree.ts";

// `npm start` as a user runs it (a small data set, so it is up quickly), driven through the web app in
// Debian's chromium: pick a user, click a recommended item, see the list change and the admin dashboard
// count the click; then Ctrl-C, and nothing of the runtime is left running. Screenshots go to
// test-results/e2e/ as artifacts.

const CHROMIUM = process.env.FLYWHEEL_CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOTS = join(import.meta.dirname, "../../test-results/e2e");
/** Conditions (never durations) are awaited, each with a deadline this long. */
const DEADLINE_MS = 20_000;

describe("npm start and the web app, in a browser", () => {
  let flywheel: FlywheelProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    flywheel = await spawnFlywheel({
      args: ["--port", "0", "--users", "300", "--items", "200", "--interactions", "20000"],
      // The embedded vector index instead of the OpenSearch node: the same contract suite covers both, and
      // the JVM would double the start-up time of this test.
      env: { ...process.env, FLYWHEEL_OPENSEARCH: "off" },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    if (flywheel !== undefined && flywheel.child.exitCode === null) await flywheel.interrupt();
  });

  async function screenshot(name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  async function shownItems(): Promise<string[]> {
    return page
      .getByTestId("rec-item")
      .evaluateAll((cards) => cards.map((card) => card.getAttribute("data-item-id") ?? ""));
  }

  it("came up on the emulators and ran the nightly pipeline", () => {
    expect(flywheel.ready).toMatchObject({ mode: "emulators", nightly: "SUCCEEDED" });
    expect(flywheel.ready.vectorIndex).toContain("embedded");
  });

  it("shows a user's recommendations with their source, scores and reasons", async () => {
    await page.goto(flywheel.ready.webUrl);
    const select = page.getByTestId("user-select");
    await select.waitFor({ timeout: DEADLINE_MS });
    // The second most active seeded user: a history, hence a nightly list with reasons.
    const userId = await select.locator("option").nth(1).getAttribute("value");
    expect(userId).toBeTruthy();
    await select.selectOption(userId ?? "");
    await expect.poll(shownItems, { timeout: DEADLINE_MS }).not.toHaveLength(0);
    await expect.poll(() => page.getByTestId("list-meta").textContent()).toContain("ms");
    const source = await page.getByTestId("source-badge").textContent();
    expect(["batch", "realtime", "cache", "popular"]).toContain(source);
    await screenshot("1-recommendations");
  });

  it("a click goes through the stream and changes the recommendations", async () => {
    const before = await shownItems();
    const clicked = before[0] ?? "";
    await page.locator(`[data-item-id="${clicked}"]`).getByTestId("click-button").click();
    await expect
      .poll(() => page.getByTestId("status").textContent(), { timeout: DEADLINE_MS })
      .toContain("the list changed");
    const after = await shownItems();
    expect(after).not.toEqual(before);
    // The item clicked is now in the user's history: the seen filter keeps it out of the list.
    expect(after).not.toContain(clicked);
    await screenshot("2-after-click");
  });

  it("the admin dashboard counts the click, with models and pipeline runs", async () => {
    await page.getByRole("link", { name: "Admin" }).click();
    await expect
      .poll(() => page.getByTestId("stat-clicks").textContent(), { timeout: DEADLINE_MS })
      .toBe("1");
    await expect.poll(() => page.getByTestId("ctr-table").textContent()).toContain("batch");
    await expect.poll(() => page.getByTestId("models-table").textContent()).toContain("active");
    await expect.poll(() => page.getByTestId("run-detail").textContent()).toContain("SUCCEEDED");
    await screenshot("3-admin");
  });

  it("an item page lists similar items", async () => {
    await page.getByRole("link", { name: "For you" }).click();
    await page.getByTestId("item-link").first().click();
    await expect
      .poll(() => page.getByTestId("similar-items").locator("li").count(), { timeout: DEADLINE_MS })
      .toBeGreaterThan(0);
    await screenshot("4-item");
  });

  it("Ctrl-C stops the runtime and everything it started", async () => {
    const started = processTree(flywheel.pid).map((process) => process.pid);
    expect(started.length).toBeGreaterThan(1);
    await flywheel.interrupt();
    await expect.poll(() => stillRunning(started), { timeout: DEADLINE_MS }).toEqual([]);
  });
});
