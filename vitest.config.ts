import { defineConfig } from "vitest/config";

// One project per test tier (STYLE.md habit 10). The e2e tier joins here.
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
      {
        // Real emulators (local/cloud), started once by the global setup; endpoints reach the tests only
        // through the environment (docs/testing.md).
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/integration/global-setup.ts"],
          setupFiles: ["test/integration/local-cloud-env.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // CDK assertions on the synthesized stacks; no AWS account needed.
        test: {
          name: "infra",
          include: ["test/infra/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
        },
      },
      {
        // `npm start` as a child process, driven in Debian's chromium through playwright-core.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
