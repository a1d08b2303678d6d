import { randomUUID } from "node:crypto";
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDynamoDbClient } from "../../support/aws-clients.ts";
import { waitUntil } from "./wait-until.ts";

// What the DynamoDB adapters rely on, checked against the emulator itself: conditional writes (idempotency),
// the TTL API, and transactions (dynalite, the other npm DynamoDB emulator, has neither of the last two).
describe("DynamoDB (local cloud)", () => {
  const client = createTestDynamoDbClient();
  const tableName = `local-cloud-${randomUUID()}`;

  beforeAll(async () => {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      }),
    );
    await waitUntil("the table is ACTIVE", async () => {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      return Table?.TableStatus === "ACTIVE" ? true : undefined;
    });
  });

  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    client.destroy();
  });

  it("refuses a second conditional put of the same key with ConditionalCheckFailedException", async () => {
    const put = new PutItemCommand({
      TableName: tableName,
      Item: { pk: { S: "event#1" }, value: { N: "1" } },
      ConditionExpression: "attribute_not_exists(pk)",
    });
    await client.send(put);
    await expect(client.send(put)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it("enables TTL on an attribute through UpdateTimeToLive", async () => {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      }),
    );
    const { TimeToLiveDescription } = await client.send(
      new DescribeTimeToLiveCommand({ TableName: tableName }),
    );
    expect(TimeToLiveDescription?.AttributeName).toBe("expiresAt");
    expect(TimeToLiveDescription?.TimeToLiveStatus).toMatch(/^ENABL(ED|ING)$/);
  });

  it("writes all items of a transaction, or none when one condition fails", async () => {
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: { pk: { S: "tx#a" } } } },
          { Put: { TableName: tableName, Item: { pk: { S: "tx#b" } } } },
        ],
      }),
    );
    const failing = client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: { pk: { S: "tx#c" } } } },
          {
            Put: {
              TableName: tableName,
              Item: { pk: { S: "tx#a" } },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      }),
    );
    const error = await failing.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    if (error instanceof TransactionCanceledException) {
      expect(error.CancellationReasons?.map((reason) => reason.Code)).toEqual([
        "None",
        "ConditionalCheckFailed",
      ]);
    }
    const get = (pk: string) =>
      client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } } }));
    expect((await get("tx#a")).Item).toBeDefined();
    expect((await get("tx#b")).Item).toBeDefined();
    expect((await get("tx#c")).Item).toBeUndefined();
  });
});
