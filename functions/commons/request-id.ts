import type { Context } from "aws-lambda";
import * as z from "../../layers/domain/validation/zod.ts";

const EventWithRequestIdSchema = z.object({
  requestContext: z.object({ requestId: z.string().check(z.minLength(1)) }),
});

/**
 * The id a caller can quote: API Gateway's request id, which it also returns in the `x-amzn-RequestId`
 * header and writes to its access log. Without one (a direct invoke) it is the Lambda request id. The
 * event is not trusted to have any shape, since this runs on the error path too.
 */
export function requestIdOf(event: unknown, context: Pick<Context, "awsRequestId"> | undefined): string {
  const parsed = EventWithRequestIdSchema.safeParse(event);
  if (parsed.success) return parsed.data.requestContext.requestId;
  return context?.awsRequestId ?? "unknown";
}
