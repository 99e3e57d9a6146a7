import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface MedPatchBucketProps {
  /** What the bucket holds; goes into the key's description. */
  readonly purpose: string;
  /** Every object lives under this prefix; the lifecycle rule and the grants are scoped to it. */
  readonly prefix: string;
  /** Objects expire after this many days; superseded versions after `noncurrentDays`. */
  readonly retentionDays: number;
  /** Days a superseded (overwritten) version is kept. Default 30. */
  readonly noncurrentDays?: number;
}

/**
 * A private S3 bucket for MedPatch output (the posture reports): a customer-managed KMS key with rotation as the
 * default encryption (S3 Bucket Keys on, so a daily report costs one KMS call, not one per object), all public
 * access blocked, TLS required by bucket policy, versioning (an overwritten `latest/` report is recoverable), a
 * lifecycle rule expiring reports after the retention, server access logs, and RETAIN on stack deletion.
 *
 * Server access logs go to a second bucket owned by this construct. S3 log delivery cannot write to an SSE-KMS
 * bucket, so that one uses SSE-S3; it is otherwise just as locked down and keeps its logs for the same period.
 *
 * @example
 * new MedPatchBucket(this, 'Reports', { purpose: 'posture reports', prefix: 'reports/', retentionDays: 400 });
 */
export class MedPatchBucket extends Construct {
  readonly bucket: Bucket;
  readonly key: Key;
  readonly accessLogs: Bucket;
  readonly prefix: string;

  constructor(scope: Construct, id: string, props: MedPatchBucketProps) {
    super(scope, id);
    if (!/^[a-z0-9-]+\/$/.test(props.prefix)) {
      throw new Error(
        `${this.node.path}: prefix must be one kebab-case folder ending in '/', got '${props.prefix}'`,
      );
    }
    this.prefix = props.prefix;
    // Log delivery by bucket policy (the logging service principal, this bucket as source) instead of the
    // LogDeliveryWrite ACL, so both buckets keep ACLs disabled. Scoped to this construct's children.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    this.key = new Key(this, 'Key', {
      description: `Encrypts the MedPatch ${props.purpose}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: `${id.toLowerCase()}/`,
      lifecycleRules: [
        {
          id: 'expire-reports',
          prefix: props.prefix,
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(props.noncurrentDays ?? 30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Every object is encrypted with this bucket's key: an upload asking for another key, for aws/s3 (aws:kms
    // without a key id) or for SSE-S3 is refused. Uploads without SSE headers get the default (this key).
    const keyId = 's3:x-amz-server-side-encryption-aws-kms-key-id';
    const sse = 's3:x-amz-server-side-encryption';
    const denyUpload = (sid: string, conditions: Record<string, Record<string, unknown>>) =>
      this.bucket.addToResourcePolicy(
        new PolicyStatement({
          sid,
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: ['s3:PutObject'],
          resources: [this.bucket.arnForObjects('*')],
          conditions,
        }),
      );
    denyUpload('DenyOtherEncryption', { StringNotEqualsIfExists: { [sse]: 'aws:kms' } });
    denyUpload('DenyOtherKmsKey', { StringNotEqualsIfExists: { [keyId]: this.key.keyArn } });
    denyUpload('DenyAwsManagedKey', { StringEquals: { [sse]: 'aws:kms' }, Null: { [keyId]: 'true' } });
  }

  /** The ARN pattern of the objects under the bucket's prefix (for grants). */
  objectsArn(): string {
    return this.bucket.arnForObjects(`${this.prefix}*`);
  }
}
