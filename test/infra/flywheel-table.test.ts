import { App, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, it } from "vitest";
import { FlywheelTable } from "../../infra/constructs/flywheel-table.ts";
import type { TableDefinition } from "../../layers/adapters/aws/dynamodb/table-definitions.ts";

// The table construct on its own: its defaults (AWS-managed key, retained, protected) and its translation
// of the parts of a definition the data stack's tables do not use yet (indexes, streams, provisioned billing).

const ENV = { account: "123456789012", region: "eu-west-1" };
const ACTIONS = { read: ["dynamodb:GetItem"], "read-write": ["dynamodb:GetItem", "dynamodb:PutItem"] };

const simple: TableDefinition = {
  logicalName: "Simple",
  purpose: "a plain table",
  partitionKey: { name: "id", type: "S" },
  globalSecondaryIndexes: [],
  billingMode: "on-demand",
  tableNameEnvironmentVariable: "FLYWHEEL_SIMPLE_TABLE",
};

function templateOf(build: (stack: Stack) => void): Template {
  const stack = new Stack(new App(), "Tables", { env: ENV });
  build(stack);
  return Template.fromStack(stack);
}

describe("FlywheelTable", () => {
  it("defaults to the AWS-managed key, point-in-time recovery, retention and deletion protection", () => {
    const template = templateOf(
      (stack) => new FlywheelTable(stack, "Simple", { definition: simple, accessActions: ACTIONS }),
    );
    template.hasResource("AWS::DynamoDB::GlobalTable", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      SSESpecification: { SSEEnabled: true, SSEType: "KMS" },
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
          SSESpecification: Match.absent(),
        }),
      ],
    });
    template.resourceCountIs("AWS::KMS::Key", 0);
  });

  it("takes its removal policy from props, and then leaves deletion protection off", () => {
    const template = templateOf(
      (stack) =>
        new FlywheelTable(stack, "Simple", {
          definition: simple,
          accessActions: ACTIONS,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
    );
    template.hasResource("AWS::DynamoDB::GlobalTable", { DeletionPolicy: "Delete" });
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
    });
  });

  it("translates indexes, a stream and provisioned billing from the definition", () => {
    const indexed: TableDefinition = {
      ...simple,
      logicalName: "Indexed",
      sortKey: { name: "at", type: "N" },
      globalSecondaryIndexes: [
        {
          indexName: "byOwner",
          partitionKey: { name: "owner", type: "S" },
          sortKey: { name: "at", type: "N" },
          projection: { include: ["title"] },
        },
      ],
      timeToLiveAttribute: "expiresAtSeconds",
      billingMode: "provisioned",
      provisionedCapacity: { readUnits: 2, writeUnits: 3 },
      stream: "new-and-old-images",
    };
    const template = templateOf(
      (stack) => new FlywheelTable(stack, "Indexed", { definition: indexed, accessActions: ACTIONS }),
    );
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [
        { AttributeName: "id", KeyType: "HASH" },
        { AttributeName: "at", KeyType: "RANGE" },
      ],
      BillingMode: "PROVISIONED",
      StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" },
      TimeToLiveSpecification: { AttributeName: "expiresAtSeconds", Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: "byOwner",
          KeySchema: [
            { AttributeName: "owner", KeyType: "HASH" },
            { AttributeName: "at", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["title"] },
        }),
      ],
      Replicas: [Match.objectLike({ ReadProvisionedThroughputSettings: { ReadCapacityUnits: 2 } })],
    });
  });
});
