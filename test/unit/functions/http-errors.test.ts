import { describe, expect, it } from "vitest";
import { HTTP_ERROR_CODES, httpErrorOf } from "../../../functions/commons/http-errors.ts";
import {
  ConflictError,
  CorruptDataError,
  DependencyError,
  DomainError,
  ForbiddenError,
  InvalidInputError,
  MalformedRowError,
  NotFoundError,
  PayloadTooLargeError,
  ThrottledError,
  UnauthenticatedError,
} from "../../../layers/domain/errors/domain-errors.ts";

const REQUEST_ID = "req-123";

describe("httpErrorOf: domain errors to HTTP, in one place", () => {
  it("InvalidInputError: 400 with the message and the field", () => {
    const mapped = httpErrorOf(new InvalidInputError("limit must be at most 100", "limit"), REQUEST_ID);
    expect(mapped).toEqual({
      statusCode: 400,
      body: {
        error: "invalid_input",
        message: "limit must be at most 100",
        field: "limit",
        requestId: REQUEST_ID,
      },
      headers: {},
      clientError: true,
    });
  });

  it("InvalidInputError without a field: 400 without one", () => {
    const mapped = httpErrorOf(new InvalidInputError("the body is not JSON"), REQUEST_ID);
    expect(mapped.statusCode).toBe(400);
    expect(mapped.body).not.toHaveProperty("field");
  });

  it("MalformedRowError: 400 with the line", () => {
    const mapped = httpErrorOf(new MalformedRowError(7, "value is not a number"), REQUEST_ID);
    expect(mapped.statusCode).toBe(400);
    expect(mapped.body).toEqual({
      error: "invalid_input",
      message: "line 7: value is not a number",
      line: 7,
      requestId: REQUEST_ID,
    });
  });

  it("PayloadTooLargeError (an InvalidInputError): 413, not 400", () => {
    const mapped = httpErrorOf(new PayloadTooLargeError("item over 400 KB", "item"), REQUEST_ID);
    expect(mapped.statusCode).toBe(413);
    expect(mapped.body).toMatchObject({ error: "payload_too_large", message: "item over 400 KB" });
  });

  it("NotFoundError: 404; ConflictError: 409; both with the domain's message", () => {
    expect(httpErrorOf(new NotFoundError("unknown item i-9"), REQUEST_ID)).toMatchObject({
      statusCode: 404,
      body: { error: "not_found", message: "unknown item i-9" },
      clientError: true,
    });
    expect(httpErrorOf(new ConflictError("stale revision"), REQUEST_ID)).toMatchObject({
      statusCode: 409,
      body: { error: "conflict", message: "stale revision" },
      clientError: true,
    });
  });

  it("UnauthenticatedError: 401 unauthenticated, a generic message that does not echo the reason", () => {
    const mapped = httpErrorOf(
      new UnauthenticatedError("no caller identity: requestContext.identity.userArn is null"),
      REQUEST_ID,
    );
    expect(mapped).toEqual({
      statusCode: 401,
      body: { error: "unauthenticated", message: "Authentication required.", requestId: REQUEST_ID },
      headers: {},
      clientError: true,
    });
  });

  it("ForbiddenError: 403 forbidden, a generic message that does not name the caller or the right", () => {
    const mapped = httpErrorOf(
      new ForbiddenError("arn:aws:iam::123456789012:role/ci may not start training runs"),
      REQUEST_ID,
    );
    expect(mapped).toEqual({
      statusCode: 403,
      body: { error: "forbidden", message: "Access denied.", requestId: REQUEST_ID },
      headers: {},
      clientError: true,
    });
    expect(JSON.stringify(mapped.body)).not.toMatch(/arn:aws|training/);
  });

  it("every code in HTTP_ERROR_CODES is one some error maps to", () => {
    const produced = new Set(
      [
        new InvalidInputError("x"),
        new UnauthenticatedError("x"),
        new ForbiddenError("x"),
        new PayloadTooLargeError("x"),
        new NotFoundError("x"),
        new ConflictError("x"),
        new ThrottledError("d", "x"),
        new DependencyError("d", "x"),
        new Error("x"),
      ].map((error) => httpErrorOf(error, REQUEST_ID).body.error),
    );
    expect([...produced].sort()).toEqual([...HTTP_ERROR_CODES].sort());
  });

  it("ThrottledError (a DependencyError): 429 with Retry-After, generic body", () => {
    const mapped = httpErrorOf(
      new ThrottledError("dynamodb", "table internal-profiles throttled"),
      REQUEST_ID,
    );
    expect(mapped.statusCode).toBe(429);
    expect(mapped.headers).toEqual({ "retry-after": "1" });
    expect(mapped.clientError).toBe(false);
    expect(JSON.stringify(mapped.body)).not.toMatch(/dynamodb|internal-profiles/);
  });

  it("DependencyError: 503, generic body, Retry-After only when retrying may help", () => {
    const retryable = httpErrorOf(new DependencyError("redis", "ECONNREFUSED 10.0.0.1"), REQUEST_ID);
    expect(retryable).toMatchObject({ statusCode: 503, headers: { "retry-after": "1" }, clientError: false });
    expect(JSON.stringify(retryable.body)).not.toMatch(/redis|ECONNREFUSED/);
    const permanent = httpErrorOf(new DependencyError("ranker", "gone", { retryable: false }), REQUEST_ID);
    expect(permanent).toMatchObject({ statusCode: 503, headers: {} });
  });

  it.each([
    ["a CorruptDataError", new CorruptDataError("checksum mismatch in s3://bucket/key")],
    ["a plain DomainError", new DomainError("unexpected state")],
    ["a TypeError", new TypeError("x is undefined")],
    ["a thrown string", "boom"],
    ["undefined", undefined],
  ])("%s: 500 with only a generic message and the request id", (_, error) => {
    const mapped = httpErrorOf(error, REQUEST_ID);
    expect(mapped).toEqual({
      statusCode: 500,
      body: { error: "internal_error", message: "Internal error.", requestId: REQUEST_ID },
      headers: {},
      clientError: false,
    });
  });
});
