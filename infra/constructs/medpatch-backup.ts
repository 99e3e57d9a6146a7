import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface MedPatchBackupProps {
  /** Tables to back up. */
  readonly tables: readonly ITable[];
  /** How long each daily recovery point is kept. */
  readonly retentionDays: number;
}

/**
 * AWS Backup for MedPatch's evidence: a daily recovery point at 03:00 UTC, kept `retentionDays`, in a vault
 * encrypted with its own customer-managed key and retained on stack deletion. Point-in-time recovery (35 days,
 * on the table) covers "undo the last hour"; the plan covers retention beyond 35 days, and a recovery point
 * survives the table's deletion.
 *
 * @example
 * new MedPatchBackup(this, 'Backup', { tables: [table.table], retentionDays: 35 });
 */
export class MedPatchBackup extends Construct {
  readonly vault: BackupVault;
  readonly plan: BackupPlan;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: MedPatchBackupProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the MedPatch backup vault',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vault = new BackupVault(this, 'Vault', {
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.plan = new BackupPlan(this, 'Plan', {
      backupVault: this.vault,
      backupPlanRules: [
        new BackupPlanRule({
          ruleName: 'Daily',
          scheduleExpression: Schedule.cron({ hour: '3', minute: '0' }),
          startWindow: Duration.hours(1),
          completionWindow: Duration.hours(4),
          deleteAfter: Duration.days(props.retentionDays),
        }),
      ],
    });
    this.plan.addSelection('Tables', {
      resources: props.tables.map((table) => BackupResource.fromDynamoDbTable(table)),
    });
  }
}
