import type { APIGatewayProxyEvent } from "aws-lambda";
import { UnauthenticatedError } from "../../layers/domain/errors/domain-errors.ts";
import * as z from "../../layers/domain/validation/zod.ts";

const IamCallerSchema = z.object({
  requestContext: z.object({ identity: z.object({ userArn: z.string().check(z.minLength(1)) }) }),
});

/**
 * The IAM identity API Gateway authorized the admin request for. API Gateway checks the SigV4 signature
 * and execute-api:Invoke before the handler runs; an event without the caller's identity did not come
 * that way (a direct invoke, or a route whose IAM authorization was lost), so it is refused: defence in
 * depth, a 401.
 */
export function requireAdminCaller(event: APIGatewayProxyEvent): string {
  const parsed = IamCallerSchema.safeParse(event);
  if (!parsed.success) throw new UnauthenticatedError("admin request without an IAM caller identity");
  return parsed.data.requestContext.identity.userArn;
}
