import { describe, expect, it } from "vitest";
import type { ErrorLogEntry } from "../../../functions/commons/error-handler-middleware.ts";
import { httpHandler } from "../../../functions/commons/http-handler.ts";
import { jsonResponse } from "../../../functions/commons/json-response.ts";
import { requestIdOf } from "../../../functions/commons/request-id.ts";
import { DependencyError, NotFoundError } from "../../../layers/domain/errors/domain-errors.ts";
import { apiGatewayEvent, lambdaContext } from "./api-gateway-event.ts";

const context = lambdaContext();
const eventWithRequestId = (requestId: string) => apiGatewayEvent({ requestId });

// The middleware through a real middy handler: what the client gets and what the log gets.

function handlerThrowing(error: unknown) {
  const logged: ErrorLogEntry[] = [];
  const handler = httpHandler(
    async () => {
      throw error;
    },
    { log: (entry) => logged.push(entry) },
  );
  return { handler, logged };
}

describe("errorHandlerMiddleware", () => {
  it("passes a successful response through untouched", async () => {
    const handler = httpHandler(async () => jsonResponse(200, { ok: true }));
    await expect(handler(eventWithRequestId("r-1"), context)).resolves.toEqual({
      statusCode: 200,
      headers: { "content-type": "application/json; charset=utf-8" },
      body: '{"ok":true}',
    });
  });

  it("a client error: the mapped 4xx, logged as WARN without a stack", async () => {
    const { handler, logged } = handlerThrowing(new NotFoundError("unknown user u-1"));
    const response = await handler(eventWithRequestId("r-2"), context);
    expect(response.statusCode).toBe(404);
    expect(response.headers).toEqual({ "content-type": "application/json; charset=utf-8" });
    expect(JSON.parse(response.body)).toEqual({
      error: "not_found",
      message: "unknown user u-1",
      requestId: "r-2",
    });
    expect(logged).toEqual([
      {
        level: "WARN",
        message: "request failed",
        statusCode: 404,
        requestId: "r-2",
        awsRequestId: "lambda-request-1",
        error: { name: "NotFoundError", message: "unknown user u-1" },
      },
    ]);
  });

  it("a server-side error: a generic body; the log has the detail, the stack and the cause", async () => {
    const cause = new Error("socket hang up");
    const { handler, logged } = handlerThrowing(
      new DependencyError("opensearch", "k-NN query failed", { cause }),
    );
    const response = await handler(eventWithRequestId("r-3"), context);
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ "retry-after": "1" });
    expect(response.body).not.toMatch(/opensearch|k-NN|socket/);
    expect(logged[0]).toMatchObject({
      level: "ERROR",
      statusCode: 503,
      requestId: "r-3",
      error: {
        name: "DependencyError",
        message: "opensearch: k-NN query failed",
        stack: expect.stringContaining("DependencyError"),
        cause: "Error: socket hang up",
      },
    });
  });

  it("without an API Gateway event (a direct invoke), the Lambda request id identifies the failure", () => {
    expect(requestIdOf({}, context)).toBe("lambda-request-1");
    expect(requestIdOf({ requestContext: { requestId: "" } }, context)).toBe("lambda-request-1");
    expect(requestIdOf(null, undefined)).toBe("unknown");
    expect(requestIdOf(eventWithRequestId("r-4"), context)).toBe("r-4");
  });
});
