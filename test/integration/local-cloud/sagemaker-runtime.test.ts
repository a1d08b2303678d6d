import {
  InvokeEndpointCommand,
  ModelError,
  ServiceUnavailable,
  ValidationError,
} from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, describe, expect, it } from "vitest";
import { DeterministicRanker } from "../../../layers/adapters/embedded/deterministic-ranker.ts";
import {
  DEFAULT_RANKER_ENDPOINT_NAME,
  startSageMakerRuntimeServer,
} from "../../../local/cloud/sagemaker-runtime-server.ts";
import { createTestSageMakerRuntimeClient } from "../../support/aws-clients.ts";

const CANDIDATES = Array.from({ length: 8 }, (_, index) => ({ itemId: `item-${index}`, score: 0.5 }));

function invoke(body: unknown, endpointName = DEFAULT_RANKER_ENDPOINT_NAME) {
  return new InvokeEndpointCommand({
    EndpointName: endpointName,
    ContentType: "application/json",
    Accept: "application/json",
    Body: new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)),
  });
}

function scoresOf(output: { Body?: Uint8Array }): number[] {
  return JSON.parse(new TextDecoder().decode(output.Body)).scores;
}

// The re-rank step's real SDK calls against the local InvokeEndpoint stand-in (AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME).
describe("SageMaker runtime (local cloud)", () => {
  const client = createTestSageMakerRuntimeClient({ maxAttempts: 1 });

  afterAll(() => client.destroy());

  it("scores candidates deterministically, as the embedded ranker does, and re-ranks ties", async () => {
    const request = { userId: "user-1", candidates: CANDIDATES };
    const first = await client.send(invoke(request));
    const second = await client.send(invoke(request));
    expect(first.ContentType).toBe("application/json");
    expect(first.InvokedProductionVariant).toBe("AllTraffic");
    const scores = scoresOf(first);
    expect(scoresOf(second)).toEqual(scores);
    expect(scores).toEqual(await new DeterministicRanker().score("user-1", CANDIDATES, 1_000));
    // Equal retrieval scores, distinct re-ranked ones: the bonus changes the order.
    expect(new Set(scores).size).toBe(CANDIDATES.length);
    const reranked = CANDIDATES.map((candidate, index) => ({ candidate, score: scores[index] ?? 0 }))
      .sort((a, b) => b.score - a.score)
      .map(({ candidate }) => candidate.itemId);
    expect(reranked).not.toEqual(CANDIDATES.map((candidate) => candidate.itemId));
  });

  it("echoes custom attributes", async () => {
    const output = await client.send(
      new InvokeEndpointCommand({
        EndpointName: DEFAULT_RANKER_ENDPOINT_NAME,
        ContentType: "application/json",
        CustomAttributes: "trace=abc",
        Body: new TextEncoder().encode(JSON.stringify({ userId: "u", candidates: [] })),
      }),
    );
    expect(output.CustomAttributes).toBe("trace=abc");
    expect(scoresOf(output)).toEqual([]);
  });

  it("fails with the SDK's ValidationError for an unknown endpoint", async () => {
    const error = await client
      .send(invoke({ userId: "u", candidates: [] }, "no-such-endpoint"))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain("no-such-endpoint");
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it("fails with ModelError naming the field for a body the ranker refuses", async () => {
    const error = await client
      .send(invoke({ userId: "u", candidates: [{ itemId: "i", score: "high" }] }))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect(error.OriginalStatusCode).toBe(400);
    expect(error.OriginalMessage).toContain("candidates.0.score");
    const notJson = await client.send(invoke("{not json")).catch((e) => e);
    expect(notJson).toBeInstanceOf(ModelError);
  });

  it("injects failures and latency for fallback tests", async () => {
    const faulty = await startSageMakerRuntimeServer({ faults: { failWith: "ServiceUnavailable" } });
    const faultyClient = createTestSageMakerRuntimeClient({
      endpoint: faulty.url,
      maxAttempts: 1,
      requestTimeoutMs: 200,
    });
    try {
      const request = { userId: "u", candidates: CANDIDATES };
      await expect(faultyClient.send(invoke(request))).rejects.toBeInstanceOf(ServiceUnavailable);
      faulty.setFaults({ latencyMs: 60_000 });
      await expect(faultyClient.send(invoke(request))).rejects.toThrow(/timed? ?out/i);
      faulty.setFaults({});
      expect(scoresOf(await faultyClient.send(invoke(request)))).toHaveLength(CANDIDATES.length);
      expect(faulty.invocationCount()).toBe(3);
    } finally {
      faultyClient.destroy();
      await faulty.stop();
    }
  });
});
