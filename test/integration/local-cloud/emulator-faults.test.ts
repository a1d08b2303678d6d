import { GetItemCommand, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { startDynamoDbLocal } from "../../../local/cloud/emulators/dynamodb-local.ts";
import { startRedisServer } from "../../../local/cloud/emulators/redis-server.ts";
import type { RunningEmulator } from "../../../local/cloud/emulators/running-emulator.ts";
import { trackedProcessGroups } from "../../../local/cloud/process-registry.ts";
import { createTestDynamoDbClient, createTestRedisClient } from "../../support/aws-clients.ts";
import { processIsGone } from "./process-gone.ts";

// An emulator that dies or freezes mid-test must turn into a client error within the client's configured
// timeout, never a hang: the cascade falls through on errors, not on hangs. Each test starts an emulator of
// its own (the shared ones stay up) and checks the harness left no process behind. The generous test
// timeout only catches a hang; nothing here asserts on time.
describe("emulator faults", () => {
  let own: RunningEmulator | undefined;

  afterEach(async () => {
    await own?.stop();
    own = undefined;
  });

  it("a stopped Redis fails the next command at once, and its process is gone", async () => {
    own = await startRedisServer();
    const pid = own.pid;
    const redis = createTestRedisClient({ url: own.endpoint, commandTimeoutMs: 300, connectTimeoutMs: 300 });
    try {
      await redis.connect();
      await redis.set("k", "v");
      await own.stop();
      expect(processIsGone(pid)).toBe(true);
      expect(trackedProcessGroups()).not.toContain(pid);
      await expect(redis.get("k")).rejects.toThrow();
    } finally {
      redis.disconnect();
    }
  });

  it("a frozen Redis fails the command by its command timeout", async () => {
    own = await startRedisServer();
    const redis = createTestRedisClient({ url: own.endpoint, commandTimeoutMs: 300 });
    try {
      await redis.connect();
      await redis.set("k", "v");
      own.process?.signal("SIGSTOP");
      await expect(redis.get("k")).rejects.toThrow(/timed out/i);
    } finally {
      redis.disconnect();
    }
    // A frozen process still stops: the harness sends SIGCONT after SIGTERM.
    const pid = own.pid;
    await own.stop();
    expect(processIsGone(pid)).toBe(true);
  });

  it("a frozen DynamoDB Local fails the call by the request timeout; a stopped one refuses at once", async () => {
    own = await startDynamoDbLocal();
    // A fresh JVM answers its first request slowly; that one is made with the default, patient client.
    const patient = createTestDynamoDbClient({ endpoint: own.endpoint });
    await patient.send(new ListTablesCommand({}));
    patient.destroy();
    const client = createTestDynamoDbClient({
      endpoint: own.endpoint,
      maxAttempts: 1,
      requestTimeoutMs: 500,
    });
    try {
      await client.send(new ListTablesCommand({}));
      own.process?.signal("SIGSTOP");
      const frozen = await client
        .send(new GetItemCommand({ TableName: "t", Key: { pk: { S: "k" } } }))
        .catch((error: unknown) => error);
      expect(frozen).toBeInstanceOf(Error);
      expect(String(frozen)).toMatch(/time/i);

      const pid = own.pid;
      await own.stop();
      expect(processIsGone(pid)).toBe(true);
      await expect(client.send(new ListTablesCommand({}))).rejects.toThrow(/ECONNREFUSED|connect/i);
    } finally {
      client.destroy();
    }
  }, 60_000);
});
