import { inject } from "vitest";

// A setupFiles entry of the integration project: runs in every test worker before its tests, so code under
// test reads the local cloud's endpoints from process.env as it would read real ones in Lambda.
Object.assign(process.env, inject("localCloudEnv"));
