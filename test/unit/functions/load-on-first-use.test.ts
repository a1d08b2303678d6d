import { describe, expect, it } from "vitest";
import { loadOnFirstUse } from "../../../functions/commons/load-on-first-use.ts";

describe("loadOnFirstUse", () => {
  it("loads nothing until asked, then once for every caller, concurrent ones included", async () => {
    let loads = 0;
    const value = loadOnFirstUse(async () => {
      loads++;
      return { id: loads };
    });
    expect(loads).toBe(0);
    const [first, second] = await Promise.all([value(), value()]);
    expect(await value()).toBe(first);
    expect(second).toBe(first);
    expect(loads).toBe(1);
  });

  it("forgets a failed load, so the next call tries again instead of failing for good", async () => {
    let attempts = 0;
    const value = loadOnFirstUse(async () => {
      attempts++;
      if (attempts === 1) throw new Error("the module could not be read");
      return "loaded";
    });
    await expect(value()).rejects.toThrow("the module could not be read");
    await expect(value()).resolves.toBe("loaded");
    await expect(value()).resolves.toBe("loaded");
    expect(attempts).toBe(2);
  });
});
