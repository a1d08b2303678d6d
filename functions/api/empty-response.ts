import type { APIGatewayProxyResult } from "aws-lambda";

/** 204 No Content: the request was carried out and there is nothing to say (a DELETE). */
export function noContentResponse(): APIGatewayProxyResult {
  return { statusCode: 204, headers: {}, body: "" };
}
