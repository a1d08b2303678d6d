// The least a Flywheel handler that reads DynamoDB and Redis could load at init with the observability
// issue 7 asks of every function: the floor's two clients (coldstart-floor-handler.ts) plus Powertools'
// logger, metrics and tracer (which brings the X-Ray SDK) and middy, each built once with its defaults, and
// nothing of Flywheel's own (no zod, no domain code, no middlewares). `npm run bench -- coldstart` reports
// its init as a second `floor_init_ms`: what is left of the 150 ms target for a data-serving handler's own
// code on that machine is the difference.
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";
import middy from "@middy/core";
import { createDynamoDbDocumentClient } from "../layers/adapters/aws/aws-clients.ts";
import { sharedRedisConnection } from "../layers/adapters/aws/redis/redis-connection.ts";

const documents = createDynamoDbDocumentClient();
const redis = sharedRedisConnection();
const logger = new Logger();
const metrics = new Metrics({ namespace: "Flywheel" });
const tracer = new Tracer();

export const handler = middy(async (): Promise<{ statusCode: number; body: string }> => {
  const built = [documents.send, redis.client, logger.info, metrics.addMetric, tracer.getSegment];
  return { statusCode: 200, body: JSON.stringify({ built: built.map((part) => typeof part) }) };
});
