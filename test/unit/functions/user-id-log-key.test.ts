import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createObservability } from "../../../functions/commons/observability.ts";
import { observedHandler } from "../../../functions/commons/observed-handler.ts";
import {
  hashUserId,
  LOG_HASH_SALT_SECRET_VARIABLE,
  LOG_HASH_USER_IDS_VARIABLE,
  UNHASHED_USER_ID,
  userIdLogReplacer,
} from "../../../functions/commons/user-id-log-hashing.ts";
import { UserIdLogKey } from "../../../functions/commons/user-id-log-key.ts";

// The deployment's log-hash key, read from its secret once per cold start. The secret's reader is a
// stand-in here; test/integration/adapters/secrets-manager-log-hash-salt.test.ts reads a real one (moto).

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:flywheel-log-hash-AbCdEf";

afterEach(() => {
  vi.restoreAllMocks();
});

/** What the logger writes (INFO to stdout, WARN to stderr) from now until the test ends. */
function captureOutput(): string[] {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(process.stderr, "write").mockImplementation(capture);
  return written;
}

/** A handler with the house middleware that logs the user it serves. */
function servingHandler(observability: ReturnType<typeof createObservability>) {
  return observedHandler(
    async (event: { userId: string }) => {
      observability.logger.info("serving", { userId: event.userId });
      return "done";
    },
    { correlationIdOf: () => "c-1", observability },
  );
}

describe("UserIdLogKey", () => {
  it("knows a fixed key at once", async () => {
    const key = UserIdLogKey.fixed("salt");
    expect(key.current()).toBe("salt");
    await key.ready();
    expect(key.current()).toBe("salt");
  });

  it("reads a secret's key once, however many wait for it", async () => {
    const load = vi.fn(async () => "from-the-secret");
    const key = UserIdLogKey.loadedBy(load, () => {});
    expect(key.current()).toBeUndefined();
    await Promise.all([key.ready(), key.ready()]);
    await key.ready();
    expect(key.current()).toBe("from-the-secret");
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("reports a failed read, never rejects, and reads again on the next wait", async () => {
    const failures: unknown[] = [];
    let attempts = 0;
    const key = UserIdLogKey.loadedBy(
      async () => {
        attempts++;
        if (attempts === 1) throw new Error("Secrets Manager unreachable");
        return "second-time";
      },
      (error) => failures.push(error),
    );
    await expect(key.ready()).resolves.toBeUndefined();
    expect(key.current()).toBeUndefined();
    expect(failures).toHaveLength(1);
    await key.ready();
    expect(key.current()).toBe("second-time");
  });
});

describe("the replacer with a key read from a secret", () => {
  it("leaves ids out while the key is unknown, then hashes them under it", async () => {
    const key = UserIdLogKey.loadedBy(
      async () => "deployment-key",
      () => {},
    );
    const replace = userIdLogReplacer({ enabled: true, salt: "the-default" }, key);
    if (replace === undefined) throw new Error("hashing is on");
    expect(replace("userId", "u-1")).toBe(UNHASHED_USER_ID);
    await key.ready();
    expect(replace("userId", "u-1")).toBe(hashUserId("u-1", "deployment-key"));
    expect(replace("userId", "u-1")).not.toBe(hashUserId("u-1", "the-default"));
  });
});

describe("createObservability with the key in Secrets Manager", () => {
  const env = { [LOG_HASH_USER_IDS_VARIABLE]: "true", [LOG_HASH_SALT_SECRET_VARIABLE]: SECRET_ARN };

  it("starts reading the secret at creation (the cold start), and only when hashing is on", () => {
    const readSecret = vi.fn(async () => "deployment-key");
    createObservability(env, { readSecret });
    expect(readSecret).toHaveBeenCalledWith(SECRET_ARN);
    const off = vi.fn(async () => "unused");
    createObservability({ [LOG_HASH_SALT_SECRET_VARIABLE]: SECRET_ARN }, { readSecret: off });
    expect(off).not.toHaveBeenCalled();
  });

  it("makes the first invocation wait for the key, so its lines carry the deployment's hashes", async () => {
    const readSecret = async () => {
      await sleep(30);
      return "deployment-key";
    };
    const observability = createObservability(env, { readSecret });
    const lines = captureOutput();
    await expect(servingHandler(observability)({ userId: "u-42" })).resolves.toBe("done");
    const line = lines.map((text) => text.trim()).find((text) => text.includes('"serving"'));
    expect(line).toContain(hashUserId("u-42", "deployment-key"));
    expect(line).not.toContain("u-42");
  });

  it("serves with ids left out, and says so, when the secret cannot be read", async () => {
    const observability = createObservability(env, {
      readSecret: async () => {
        throw new Error("AccessDeniedException");
      },
    });
    const lines = captureOutput();
    await expect(servingHandler(observability)({ userId: "u-7" })).resolves.toBe("done");
    const text = lines.join("");
    expect(text).toContain("log-hash key unreadable");
    expect(text).toContain(UNHASHED_USER_ID);
    expect(text).not.toContain('"u-7"');
  });
});
