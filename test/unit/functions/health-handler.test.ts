import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { apiGatewayEvent, lambdaContext } from "./api-gateway-event.ts";

// The handler reads its environment at module load, so each test sets it and imports afresh.

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

async function loadHealthHandler() {
  return (await import("../../../functions/api/health-handler.ts")).handler;
}

describe("GET /v1/health handler", () => {
  it("answers ok with the configured version and the current time, uncacheable", async () => {
    vi.stubEnv("FLYWHEEL_STAGE", "test");
    vi.stubEnv("FLYWHEEL_VERSION", "9.9.9");
    const handler = await loadHealthHandler();
    const response = await handler(apiGatewayEvent({ path: "/v1/health" }), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ "cache-control": "no-store" });
    expect(() =>
      z
        .strictObject({ status: z.literal("ok"), version: z.literal("9.9.9"), time: z.iso.datetime() })
        .parse(JSON.parse(response.body)),
    ).not.toThrow();
  });

  it("fails at load, naming the variable, when the version is not configured", async () => {
    vi.stubEnv("FLYWHEEL_STAGE", "test");
    vi.stubEnv("FLYWHEEL_VERSION", "");
    await expect(loadHealthHandler()).rejects.toThrow(/FLYWHEEL_VERSION/);
  });
});
