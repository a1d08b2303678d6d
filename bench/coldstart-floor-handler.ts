// The least a Flywheel handler that reads DynamoDB and Redis could load at init: the DynamoDB document
// client and the shared Redis connection, built as every such handler builds them, and nothing else (no
// Powertools, no middy, no zod, no domain code). `npm run bench -- coldstart` bundles it with the shared
// options and reports its init as `floor_init_ms`: on a given machine, no packaging of the popular-items,
// similar-items, users or recommendations handlers can load faster than this.
import { createDynamoDbDocumentClient } from "../layers/adapters/aws/aws-clients.ts";
import { sharedRedisConnection } from "../layers/adapters/aws/redis/redis-connection.ts";

const documents = createDynamoDbDocumentClient();
const redis = sharedRedisConnection();

export async function handler(): Promise<{ statusCode: number; body: string }> {
  return { statusCode: 200, body: JSON.stringify({ clients: [typeof documents.send, typeof redis.client] }) };
}
