import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface MedPatchTableProps {
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Global secondary indexes; all project every attribute (single-table design reads whole items). */
  readonly globalIndexes: readonly { name: string; partitionKey: string; sortKey: string }[];
  /** Epoch-seconds attribute after which DynamoDB may delete the item. */
  readonly ttlAttribute: string;
}

/**
 * The DynamoDB table that holds MedPatch's evidence (findings, validation records, audit events), so every
 * safeguard against losing it is on: on-demand capacity, point-in-time recovery, a customer-managed KMS key
 * with rotation, deletion protection, and RETAIN on stack deletion. All key attributes are strings.
 *
 * @example
 * new MedPatchTable(this, 'Table', {
 *   partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt',
 *   globalIndexes: [{ name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
 * });
 */
export class MedPatchTable extends Construct {
  readonly table: Table;
  readonly key: Key;
  readonly indexNames: readonly string[];

  constructor(scope: Construct, id: string, props: MedPatchTableProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the MedPatch table (devices, advisories, findings, audit trail)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.table = new Table(this, 'Table', {
      partitionKey: { name: props.partitionKey, type: AttributeType.STRING },
      sortKey: { name: props.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: props.ttlAttribute,
    });

    for (const index of props.globalIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
      });
    }
    this.indexNames = props.globalIndexes.map((index) => index.name);
  }

  /** ARNs of the table and each declared index, for statements that must not use `index/*`. */
  get resourceArns(): string[] {
    return [this.table.tableArn, ...this.indexNames.map((name) => `${this.table.tableArn}/index/${name}`)];
  }
}
