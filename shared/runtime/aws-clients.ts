import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * SDK clients with default configuration: region and credentials from the Lambda environment, and — on the local
 * stack — endpoints from the standard AWS_ENDPOINT_URL_DYNAMODB / _SQS / _SNS variables. The same code runs in
 * both places; nothing here knows whether it is local.
 */
export interface AwsClients {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  sns: SNSClient;
  secrets: SecretsManagerClient;
}

export function createAwsClients(): AwsClients {
  return {
    dynamodb: new DynamoDBClient({}),
    // Queue URLs name their own host; the resolved endpoint is authoritative in AWS and on the local stack alike.
    sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
    sns: new SNSClient({}),
    secrets: new SecretsManagerClient({}),
  };
}

/**
 * S3 (the posture reports), created only by the functions that use it so the others do not bundle the S3
 * client. Locally AWS_ENDPOINT_URL_S3 points at fauxqs; an IP endpoint makes the SDK address buckets path-style.
 */
export function createS3Client(): S3Client {
  return new S3Client({});
}
