import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SageMakerRanker } from "../../../layers/adapters/aws/sagemaker/sagemaker-ranker.ts";
import { createSageMakerRuntimeClient } from "../../../layers/adapters/aws/sagemaker/sagemaker-runtime-client.ts";
import { DependencyError, ThrottledError } from "../../../layers/domain/errors/domain-errors.ts";
import { describeRankerContract } from "../../contract/ranker-contract.ts";
import { uniqueId } from "../../contract/unique-id.ts";

// The SageMaker ranker against an InvokeEndpoint endpoint (AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME) that serves
// the model named by FLYWHEEL_SAGEMAKER_ENDPOINT_NAME; the failing subject names an endpoint it does not
// know. Timeouts and broken responses come from a small misbehaving server the test owns.

const endpointName = process.env.FLYWHEEL_SAGEMAKER_ENDPOINT_NAME ?? "flywheel-ranker";
let client: SageMakerRuntimeClient | undefined;

beforeAll(() => {
  client = createSageMakerRuntimeClient();
});

afterAll(() => {
  client?.destroy();
  client = undefined;
});

function runtime(): SageMakerRuntimeClient {
  if (client === undefined) throw new Error("the SageMaker client is created in beforeAll");
  return client;
}

describeRankerContract("sagemaker", async () => ({
  subject: new SageMakerRanker({ client: runtime(), endpointName }),
  failingSubject: new SageMakerRanker({ client: runtime(), endpointName: uniqueId("no-such-endpoint") }),
  cleanup: async () => {},
}));

const CANDIDATES = [
  { itemId: "a", score: 0.5 },
  { itemId: "b", score: 0.25 },
];

/** Answers each endpoint name with one way of breaking the InvokeEndpoint contract. */
const MISBEHAVIOURS: Record<
  string,
  (respond: (status: number, body: string, errorType?: string) => void) => void
> = {
  "never-answers": () => {},
  "wrong-length": (respond) => respond(200, JSON.stringify({ scores: [1] })),
  "not-numbers": (respond) => respond(200, JSON.stringify({ scores: [1, "2"] })),
  "not-finite": (respond) => respond(200, '{"scores": [1, null]}'),
  "not-json": (respond) => respond(200, "<html>oops</html>"),
  "no-scores": (respond) => respond(200, JSON.stringify({ predictions: [1, 2] })),
  "model-error": (respond) => respond(424, JSON.stringify({ message: "the model crashed" }), "ModelError"),
  throttled: (respond) => respond(429, JSON.stringify({ message: "slow down" }), "ThrottlingException"),
};

describe("SageMakerRanker when the endpoint misbehaves", () => {
  let server: Server | undefined;
  let faulty: SageMakerRuntimeClient | undefined;
  let fixtureUrl = "";
  const invocations = new Map<string, number>();

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      const name = decodeURIComponent(
        /^\/endpoints\/([^/]+)\/invocations$/.exec(request.url ?? "")?.[1] ?? "",
      );
      invocations.set(name, (invocations.get(name) ?? 0) + 1);
      const misbehave = MISBEHAVIOURS[name];
      if (misbehave === undefined) throw new Error(`no misbehaviour named ${name}`);
      misbehave((status, body, errorType) => {
        response.writeHead(status, {
          "content-type": "application/json",
          ...(errorType === undefined ? {} : { "x-amzn-errortype": errorType }),
        });
        response.end(body);
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    // A fault fixture, not an emulator: the endpoint is this test's own server.
    fixtureUrl = `http://127.0.0.1:${address.port}`;
    faulty = new SageMakerRuntimeClient({ endpoint: fixtureUrl, maxAttempts: 1 });
  });

  afterAll(async () => {
    faulty?.destroy();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  function ranker(name: string, runtimeClient = faulty): SageMakerRanker {
    if (runtimeClient === undefined) throw new Error("set up in beforeAll");
    return new SageMakerRanker({ client: runtimeClient, endpointName: name });
  }

  it("fails with DependencyError when the endpoint does not answer within timeoutMs", async () => {
    const failure = await ranker("never-answers")
      .score("user", CANDIDATES, 150)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect((failure as Error).message).toMatch(/no answer within 150 ms/);
  });

  it("bounds the whole call, SDK retries included, by timeoutMs", async () => {
    const retrying = new SageMakerRuntimeClient({ endpoint: fixtureUrl, maxAttempts: 3 });
    try {
      await expect(ranker("never-answers", retrying).score("user", CANDIDATES, 150)).rejects.toBeInstanceOf(
        DependencyError,
      );
    } finally {
      retrying.destroy();
    }
  });

  for (const name of ["wrong-length", "not-numbers", "not-finite", "not-json", "no-scores"]) {
    it(`fails with DependencyError on a malformed response (${name})`, async () => {
      const failure = await ranker(name)
        .score("user", CANDIDATES, 5000)
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DependencyError);
      expect((failure as Error).message).toMatch(/malformed response/);
    });
  }

  it("fails with DependencyError when the model errs, and ThrottledError when throttled", async () => {
    const modelError = await ranker("model-error")
      .score("user", CANDIDATES, 5000)
      .catch((error: unknown) => error);
    expect(modelError).toBeInstanceOf(DependencyError);
    expect(modelError).not.toBeInstanceOf(ThrottledError);
    expect((modelError as DependencyError).retryable).toBe(false);
    await expect(ranker("throttled").score("user", CANDIDATES, 5000)).rejects.toBeInstanceOf(ThrottledError);
  });

  it("does not call the endpoint when there is nothing to score or no time to score it", async () => {
    const before = invocations.get("wrong-length") ?? 0;
    expect(await ranker("wrong-length").score("user", [], 5000)).toEqual([]);
    await expect(ranker("wrong-length").score("user", CANDIDATES, 0)).rejects.toBeInstanceOf(DependencyError);
    expect(invocations.get("wrong-length") ?? 0).toBe(before);
  });
});
