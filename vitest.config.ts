import { defineConfig } from "vitest/config";

// One project per test tier (STYLE.md habit 10). Later tiers (integration, infra, e2e) join here.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
        },
      },
    ],
  },
});
