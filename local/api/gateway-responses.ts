/**
 * The answers API Gateway (REST API, default gateway responses) gives on its own, before or instead of the
 * Lambda: status, body and `x-amzn-ErrorType` as a deployed REST API sends them, so that client code and
 * tests see the same failures offline. Sources and what is unverified: docs/api-gateway.md.
 */
export interface GatewayReply {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Why, for the front's request log (never sent). */
  readonly reason: string;
}

function gatewayError(statusCode: number, errorType: string, message: string, reason: string): GatewayReply {
  return {
    statusCode,
    headers: { "content-type": "application/json", "x-amzn-errortype": errorType },
    body: JSON.stringify({ message }),
    reason,
  };
}

/** No resource has this path, or the resource has no such method, or an IAM method got no signature. */
export function missingAuthenticationToken(reason: string): GatewayReply {
  return gatewayError(403, "MissingAuthenticationTokenException", "Missing Authentication Token", reason);
}

/** A key-required method without a valid `x-api-key`; also a path outside the deployed stage. */
export function forbidden(reason: string): GatewayReply {
  return gatewayError(403, "ForbiddenException", "Forbidden", reason);
}

/** An `Authorization` header that is not a complete SigV4 one. */
export function incompleteSignature(message: string): GatewayReply {
  return gatewayError(403, "IncompleteSignatureException", message, "incomplete SigV4 signature");
}

/** A SigV4 signature that does not verify, or is out of its time window. */
export function invalidSignature(message: string): GatewayReply {
  return gatewayError(403, "InvalidSignatureException", message, "invalid SigV4 signature");
}

/** A SigV4 signature by an access key the account does not know. */
export function unrecognizedClient(): GatewayReply {
  return gatewayError(
    403,
    "UnrecognizedClientException",
    "The security token included in the request is invalid.",
    "unknown access key",
  );
}

/** A valid signature whose identity has no execute-api:Invoke permission on the method. */
export function accessDenied(userArn: string, methodArn: string): GatewayReply {
  return gatewayError(
    403,
    "AccessDeniedException",
    `User: ${userArn} is not authorized to perform: execute-api:Invoke on resource: ${methodArn}`,
    "IAM policy denies the caller",
  );
}

/** The key's usage-plan bucket is empty. */
export function tooManyRequests(): GatewayReply {
  return gatewayError(429, "TooManyRequestsException", "Too Many Requests", "usage plan throttle");
}

/**
 * Over the 10 MB request payload limit. The front door answers this one in plain text, without
 * API Gateway's JSON body or error type.
 */
export function requestTooLarge(limitBytes: number): GatewayReply {
  return {
    statusCode: 413,
    headers: { "content-type": "text/plain" },
    body: `HTTP content length exceeded ${limitBytes} bytes.`,
    reason: "payload over the API Gateway limit",
  };
}

/**
 * The Lambda invocation failed: the function threw, timed out, or returned something that is not a
 * proxy result, or the event or result was over Lambda's payload limit.
 */
export function internalServerError(reason: string): GatewayReply {
  return gatewayError(502, "InternalServerErrorException", "Internal server error", reason);
}

/** The integration timeout (29 s by default) ran out before the Lambda's own timeout. */
export function endpointRequestTimedOut(): GatewayReply {
  return {
    statusCode: 504,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: "Endpoint request timed out" }),
    reason: "integration timeout",
  };
}
