import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ReportObject, ReportStore } from '../../report/publish-report';

/**
 * Posture reports in a private S3 bucket: SSE-KMS with the bucket's own key (its default encryption), never
 * cached by browsers or proxies, shared only through presigned GET links.
 *
 * A presigned URL carries the signer's credentials. Signed by a Lambda role, those are temporary session
 * credentials, and the URL stops working when they expire even if its own expiry is later; links are therefore
 * kept short and a fresh one is always available from `GET /v1/reports/latest`.
 */
export class S3ReportStore implements ReportStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(object: ReportObject): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: object.key,
        Body: object.body,
        ContentType: object.contentType,
        CacheControl: 'no-store',
        // No SSE headers: the bucket's default encryption applies its own KMS key. `aws:kms` without a key id
        // would select the account's aws/s3 key instead, which the bucket policy refuses.
        ...(object.metadata ? { Metadata: { ...object.metadata } } : {}),
      }),
    );
  }

  /** Looked up by listing the exact key (the role may list only the reports prefix): absent is null, not 403. */
  async find(key: string): Promise<{ key: string; lastModified: string } | null> {
    const listed = await this.s3.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }),
    );
    const match = (listed.Contents ?? []).find((object) => object.Key === key);
    if (!match) return null;
    return { key, lastModified: (match.LastModified ?? new Date(0)).toISOString() };
  }

  presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }
}
