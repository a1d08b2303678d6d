import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import type { TableAccess } from "../../layers/adapters/aws/dynamodb/table-access-actions.ts";
import type {
  GlobalSecondaryIndexDefinition,
  KeyAttribute,
  TableDefinition,
  TableStreamView,
} from "../../layers/adapters/aws/dynamodb/table-definitions.ts";

/** What DynamoDB does with the caller's permissions on a customer-managed key when it writes. */
export const READ_WRITE_KEY_ACTIONS = [
  "kms:Decrypt",
  "kms:DescribeKey",
  "kms:Encrypt",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
] as const;

/** Something a table can be granted to that also takes environment variables: a Lambda function. */
export interface EnvironmentGrantee extends iam.IGrantable {
  addEnvironment(key: string, value: string): unknown;
}

export interface FlywheelTableProps {
  /** Keys, indexes, TTL, billing and stream, exactly as local provisioning reads them. */
  readonly definition: TableDefinition;
  /** The DynamoDB actions a reader and a writer of this table need (TABLE_ACCESS_ACTIONS). */
  readonly accessActions: Readonly<Record<TableAccess, readonly string[]>>;
  /**
   * A customer-managed key to encrypt the table with.
   * @default the AWS-managed key (aws/dynamodb)
   */
  readonly encryptionKey?: kms.IKey;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default true when the table is retained */
  readonly deletionProtection?: boolean;
}

/**
 * One Flywheel table, built from its declaration: a TableV2 with point-in-time recovery, encryption at rest
 * under the given key (or the AWS-managed one), the declared TTL attribute, GSIs and stream, on-demand
 * billing unless declared otherwise, and data retained unless the caller says otherwise. The physical name
 * is generated; code learns it from the environment variable the definition names, which `grantAccess`
 * sets together with the least-privilege grant.
 */
export class FlywheelTable extends Construct {
  public readonly table: dynamodb.TableV2;
  public readonly definition: TableDefinition;
  public readonly encryptionKey: kms.IKey | undefined;
  private readonly accessActions: Readonly<Record<TableAccess, readonly string[]>>;

  constructor(scope: Construct, id: string, props: FlywheelTableProps) {
    super(scope, id);
    const { definition } = props;
    this.definition = definition;
    this.encryptionKey = props.encryptionKey;
    this.accessActions = props.accessActions;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = new dynamodb.TableV2(this, "Table", {
      partitionKey: attributeOf(definition.partitionKey),
      ...(definition.sortKey === undefined ? {} : { sortKey: attributeOf(definition.sortKey) }),
      billing:
        definition.billingMode === "provisioned"
          ? dynamodb.Billing.provisioned({
              readCapacity: dynamodb.Capacity.fixed(definition.provisionedCapacity?.readUnits ?? 5),
              // TableV2 requires autoscaled write capacity: from the declared units up to ten times them.
              writeCapacity: dynamodb.Capacity.autoscaled({
                minCapacity: definition.provisionedCapacity?.writeUnits ?? 5,
                maxCapacity: 10 * (definition.provisionedCapacity?.writeUnits ?? 5),
              }),
            })
          : dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption:
        props.encryptionKey === undefined
          ? dynamodb.TableEncryptionV2.awsManagedKey()
          : dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey),
      ...(definition.timeToLiveAttribute === undefined
        ? {}
        : { timeToLiveAttribute: definition.timeToLiveAttribute }),
      ...(definition.stream === undefined ? {} : { dynamoStream: streamViewOf(definition.stream) }),
      globalSecondaryIndexes: definition.globalSecondaryIndexes.map(globalIndexOf),
      removalPolicy,
      deletionProtection: props.deletionProtection ?? removalPolicy === RemovalPolicy.RETAIN,
    });
  }

  /**
   * Grants exactly the DynamoDB actions the table's adapter calls for `access` (and the key use they need),
   * and tells the grantee the table's name through the definition's environment variable.
   */
  grantAccess(grantee: EnvironmentGrantee, access: TableAccess): iam.Grant {
    const grant = this.table.grant(grantee, ...this.accessActions[access]);
    if (this.encryptionKey !== undefined) {
      // DynamoDB decrypts with the caller's permissions on a customer-managed key; writes also encrypt.
      // The actions DynamoDB documents for a customer-managed key, each named: ReEncrypt* and
      // GenerateDataKey* would add only the asymmetric data-key pairs, which a symmetric key refuses anyway.
      if (access === "read") this.encryptionKey.grant(grantee, "kms:Decrypt", "kms:DescribeKey");
      else this.encryptionKey.grant(grantee, ...READ_WRITE_KEY_ACTIONS);
    }
    grantee.addEnvironment(this.definition.tableNameEnvironmentVariable, this.table.tableName);
    return grant;
  }
}

function attributeOf(key: KeyAttribute): dynamodb.Attribute {
  const types = {
    S: dynamodb.AttributeType.STRING,
    N: dynamodb.AttributeType.NUMBER,
    B: dynamodb.AttributeType.BINARY,
  } as const;
  return { name: key.name, type: types[key.type] };
}

function globalIndexOf(index: GlobalSecondaryIndexDefinition): dynamodb.GlobalSecondaryIndexPropsV2 {
  const projection = index.projection ?? "keys-only";
  return {
    indexName: index.indexName,
    partitionKey: attributeOf(index.partitionKey),
    ...(index.sortKey === undefined ? {} : { sortKey: attributeOf(index.sortKey) }),
    ...(projection === "keys-only"
      ? { projectionType: dynamodb.ProjectionType.KEYS_ONLY }
      : projection === "all"
        ? { projectionType: dynamodb.ProjectionType.ALL }
        : { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...projection.include] }),
  };
}

function streamViewOf(view: TableStreamView): dynamodb.StreamViewType {
  const types = {
    "keys-only": dynamodb.StreamViewType.KEYS_ONLY,
    "new-image": dynamodb.StreamViewType.NEW_IMAGE,
    "old-image": dynamodb.StreamViewType.OLD_IMAGE,
    "new-and-old-images": dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
  } as const;
  return types[view];
}
