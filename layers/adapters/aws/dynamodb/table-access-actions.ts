import type { TableKey } from "./table-definitions.ts";

export type TableAccess = "read" | "read-write";

/**
 * The DynamoDB API actions each table's adapter calls, by kind of access: exactly what the CDK grant helpers
 * give a function, and nothing more (no Scan anywhere, no DescribeTable at run time). Pure data, next to the
 * adapters, so whoever changes an adapter's calls sees the list. Transactions need no action of their own:
 * IAM checks each Put, Update and ConditionCheck they contain.
 */
export const TABLE_ACCESS_ACTIONS: Readonly<
  Record<TableKey, Readonly<Record<TableAccess, readonly string[]>>>
> = {
  profiles: {
    read: ["dynamodb:GetItem"],
    // put is one UpdateItem (revision and fields in one conditional write).
    "read-write": ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
  },
  interactions: {
    read: ["dynamodb:Query"],
    // append: TransactWriteItems of Puts; deleteUser: Query, then BatchWriteItem of deletes.
    "read-write": ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:BatchWriteItem"],
  },
  batchRecommendations: {
    read: ["dynamodb:GetItem"],
    "read-write": ["dynamodb:GetItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem"],
  },
  catalog: {
    read: ["dynamodb:GetItem", "dynamodb:BatchGetItem"],
    "read-write": [
      "dynamodb:GetItem",
      "dynamodb:BatchGetItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:UpdateItem",
    ],
  },
  recommendationLog: {
    read: ["dynamodb:GetItem", "dynamodb:Query"],
    // recordFeedback: TransactWriteItems of a Put (marker) and an Update (counter).
    "read-write": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"],
  },
  modelRegistry: {
    read: ["dynamodb:GetItem", "dynamodb:Query"],
    // activate: TransactWriteItems of a Put (pointer) and Updates (statuses).
    "read-write": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"],
  },
};
