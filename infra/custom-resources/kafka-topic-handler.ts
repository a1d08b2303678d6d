import type { CloudFormationCustomResourceEvent } from "aws-lambda";
import * as z from "zod";
import {
  createKafkaAdmin,
  kafkaConnectionOptions,
  readKafkaConfig,
} from "../../layers/adapters/aws/msk/kafka-client.ts";
import { createTopic } from "../../layers/adapters/aws/msk/kafka-topics.ts";

const TopicPropertiesSchema = z.object({
  Topic: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/),
  // CloudFormation passes every property as a string.
  Partitions: z.coerce.number().int().min(1),
});

// The connection is read once per cold start, like any handler's configuration.
const connection = kafkaConnectionOptions(readKafkaConfig());

/**
 * The onEvent handler of the Kafka topic custom resource (a CDK Provider). MSK Serverless has no
 * CloudFormation resource for topics (AWS::MSK::Topic serves provisioned clusters only), so the stack
 * creates its events topic through the Kafka admin API, from inside the VPC, with this function's IAM
 * identity. Create and Update create the topic when it does not exist (a changed partition count is not
 * applied to an existing topic); Delete leaves the topic to the cluster, which goes with the stack.
 */
export async function handler(
  event: CloudFormationCustomResourceEvent,
): Promise<{ PhysicalResourceId: string }> {
  if (event.RequestType === "Delete") return { PhysicalResourceId: event.PhysicalResourceId };
  const properties = TopicPropertiesSchema.parse(event.ResourceProperties);
  const admin = createKafkaAdmin(connection);
  try {
    await createTopic(admin, { topic: properties.Topic, partitions: properties.Partitions });
  } finally {
    await admin.close();
  }
  return { PhysicalResourceId: properties.Topic };
}
