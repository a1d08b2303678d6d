import type { APIGatewayProxyEvent } from "aws-lambda";
import { readJsonBody } from "./read-json-body.ts";

/**
 * The request body as parsed JSON, or undefined when there is none (absent, empty or blank): for routes
 * whose body is optional. A body that is there is read exactly as readJsonBody reads a required one.
 */
export function readOptionalJsonBody(
  event: Pick<APIGatewayProxyEvent, "body" | "isBase64Encoded">,
  maxBytes: number,
): unknown {
  const raw = event.body ?? "";
  const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  return text.trim() === "" ? undefined : readJsonBody(event, maxBytes);
}
