import { Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { MedPatchBucket } from './constructs/medpatch-bucket';
import type { MedPatchTable } from './constructs/medpatch-table';

/*
 * Explicit statements instead of `table.grantReadData`, `queue.grantSendMessages` and `topic.grantPublish`:
 * those grant `…/index/*`, `kms:GenerateDataKey*` and `kms:ReEncrypt*`, i.e. wildcards on data-plane access.
 * Here every action is named, every resource is a single ARN, and the KMS permissions only work when the call
 * comes through the service that owns the data (kms:ViaService).
 */

const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
// TransactWriteItems is authorized through the per-item actions below, so it needs no action of its own.
const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];

function grantKeyViaService(grantee: IGrantable, key: IKey, service: string, actions: string[]): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions,
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `${service}.${Stack.of(key).region}.amazonaws.com` } },
    }),
  );
}

/** Read (or write) items of the table and its declared indexes, and use its key through DynamoDB only. */
export function grantTableAccess(grantee: IGrantable, table: MedPatchTable, mode: 'read' | 'write'): void {
  const actions = mode === 'read' ? TABLE_READ_ACTIONS : TABLE_WRITE_ACTIONS;
  // Writes go to the base table only; indexes are maintained by DynamoDB.
  const resources = mode === 'read' ? table.resourceArns : [table.table.tableArn];
  grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions, resources }));
  grantKeyViaService(
    grantee,
    table.key,
    'dynamodb',
    mode === 'read'
      ? ['kms:Decrypt', 'kms:DescribeKey']
      : ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
  );
}

/** Send (single and batch) to one queue; SSE-KMS needs GenerateDataKey and Decrypt from the producer. */
export function grantQueueSend(grantee: IGrantable, queue: IQueue, key: IKey): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
  );
  grantKeyViaService(grantee, key, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']);
}

/** Publish to one topic; an encrypted topic needs GenerateDataKey and Decrypt from the publisher. */
export function grantTopicPublish(grantee: IGrantable, topic: ITopic, key: IKey): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }),
  );
  grantKeyViaService(grantee, key, 'sns', ['kms:GenerateDataKey', 'kms:Decrypt']);
}

/**
 * Read one secret (the CMMS credentials). `secret.grantRead` would also do, but names the key only for secrets
 * created in this stack; here a hospital's own customer-managed key is covered too, through Secrets Manager only.
 */
export function grantSecretRead(grantee: IGrantable, secretArn: string, key: IKey | undefined): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: [secretArn],
    }),
  );
  if (key) grantKeyViaService(grantee, key, 'secretsmanager', ['kms:Decrypt']);
}

/**
 * Write objects under the bucket's prefix (PutObject only: no delete, no ACL, no overwrite of other prefixes);
 * SSE-KMS needs GenerateDataKey from the writer, through S3 only.
 */
export function grantBucketWrite(grantee: IGrantable, bucket: MedPatchBucket): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.objectsArn()] }),
  );
  grantKeyViaService(grantee, bucket.key, 's3', ['kms:GenerateDataKey']);
}

/**
 * Read objects under the bucket's prefix (GetObject, which also authorizes HeadObject and presigned GETs signed
 * by this principal) and list keys under that prefix only (so a missing report is a clean "not found", not a
 * 403). Decrypt through S3 only.
 */
export function grantBucketRead(grantee: IGrantable, bucket: MedPatchBucket): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.objectsArn()] }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${bucket.prefix}*`] } },
    }),
  );
  grantKeyViaService(grantee, bucket.key, 's3', ['kms:Decrypt']);
}

/**
 * Invoke exactly one function (its unqualified ARN, i.e. $LATEST). `fn.grantInvoke` would also grant
 * `<arn>:*` (every version and alias), a wildcard the least-privilege test forbids.
 */
export function grantFunctionInvoke(grantee: IGrantable, target: IFunction): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [target.functionArn] }),
  );
}
