import { describe, expect, it } from "vitest";
import { StartTrainingRunBodySchema } from "../../../layers/domain/training-runs/training-run-request-schema.ts";
import { isPlainObject, operationOf, schemaProblems } from "../../support/openapi-check.ts";
import { OPENAPI_DOCUMENT as document } from "../functions/api-request.ts";

// The admin routes in the served OpenAPI document: IAM-signed, no longer planned, and stating the very
// schemas the handlers parse and answer with.

const ADMIN_OPERATIONS = [
  ["POST", "/v1/admin/training-runs", "202", "TrainingRunStartedResponse"],
  ["GET", "/v1/admin/training-runs", "200", "TrainingRunListResponse"],
  ["GET", "/v1/admin/training-runs/{runId}", "200", "TrainingRunResponse"],
  ["GET", "/v1/admin/models", "200", "ModelListResponse"],
] as const;

describe("the admin routes in the OpenAPI document", () => {
  it.each(ADMIN_OPERATIONS)(
    "%s %s is served, SigV4-signed and answers a %s %s",
    (method, path, status, schema) => {
      const operation = operationOf(document, method, path);
      expect(operation["x-flywheel-planned"]).toBeUndefined();
      expect(operation.security).toEqual([{ sigv4: [] }]);
      expect(operation.tags).toEqual(["admin"]);
      const responses = isPlainObject(operation.responses) ? operation.responses : {};
      expect(responses[status]).toMatchObject({
        content: { "application/json": { schema: { $ref: `#/components/schemas/${schema}` } } },
      });
      expect(Object.keys(responses)).toEqual(expect.arrayContaining(["401", "403", "429", "500", "503"]));
    },
  );

  it("takes an optional start body, and states the run id's pattern", () => {
    expect(operationOf(document, "POST", "/v1/admin/training-runs").requestBody).toMatchObject({
      required: false,
      content: { "application/json": { schema: { $ref: "#/components/schemas/StartTrainingRunBody" } } },
    });
    expect(operationOf(document, "POST", "/v1/admin/training-runs").responses).toHaveProperty("409");
    expect(operationOf(document, "GET", "/v1/admin/training-runs/{runId}").parameters).toEqual([
      expect.objectContaining({
        name: "runId",
        in: "path",
        required: true,
        schema: expect.objectContaining({ pattern: expect.any(String) }),
      }),
    ]);
  });

  it.each([
    {},
    { runId: "run-1", trainer: "spark", qualityGate: { maxNdcgDrop: 0.1 } },
    { trainer: "gpu" },
    { qualityGate: { maxNdcgDrop: 1.01 } },
    { qualityGate: {} },
    { runId: "Run_1" },
    { runId: "x".repeat(81) },
    { extra: true },
  ])("the start body %j is accepted by the document exactly when zod accepts it", (body) => {
    const zodAccepts = StartTrainingRunBodySchema.safeParse(body).success;
    const documentAccepts =
      schemaProblems(document, { $ref: "#/components/schemas/StartTrainingRunBody" }, body).length === 0;
    expect(documentAccepts).toBe(zodAccepts);
  });
});
