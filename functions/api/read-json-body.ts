import type { APIGatewayProxyEvent } from "aws-lambda";
import { InvalidInputError, PayloadTooLargeError } from "../../layers/domain/errors/domain-errors.ts";

/**
 * Levels of nesting a body may have. The deepest body a route takes is about five levels; deeper JSON is
 * refused here, before any schema walks it (a recursive walk of JSON nested thousands deep overflows).
 */
export const MAX_JSON_BODY_DEPTH = 32;

/**
 * The request body as parsed JSON, for a handler to validate with its schema. A body over `maxBytes` is a
 * PayloadTooLargeError (413) before anything is parsed; a missing, empty or non-JSON body, one nested
 * deeper than MAX_JSON_BODY_DEPTH, or one with a `__proto__` key an InvalidInputError (400) on `body`.
 * (zod drops a `__proto__` key of a record without a word, so it is refused here, where it can be seen.)
 */
export function readJsonBody(
  event: Pick<APIGatewayProxyEvent, "body" | "isBase64Encoded">,
  maxBytes: number,
): unknown {
  const raw = event.body ?? "";
  const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxBytes) {
    throw new PayloadTooLargeError(
      `body is ${bytes} bytes, over the ${maxBytes}-byte limit of this route`,
      "body",
    );
  }
  if (text.trim() === "") throw new InvalidInputError("body: required (a JSON object)", "body");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidInputError("body: not valid JSON", "body");
  }
  requirePlainStructure(parsed);
  return parsed;
}

/** Iterative, so that the check itself cannot overflow on the very input it refuses. */
function requirePlainStructure(root: unknown): void {
  const pending: Array<{ readonly value: unknown; readonly depth: number }> = [{ value: root, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, depth } = next;
    if (typeof value !== "object" || value === null) continue;
    if (depth >= MAX_JSON_BODY_DEPTH)
      throw new InvalidInputError(`body: nested deeper than ${MAX_JSON_BODY_DEPTH} levels`, "body");
    if (!Array.isArray(value) && Object.hasOwn(value, "__proto__"))
      throw new InvalidInputError('body: holds the key "__proto__", which no field takes', "body");
    for (const child of Object.values(value)) pending.push({ value: child, depth: depth + 1 });
  }
}
