import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * SDK clients with default configuration: region and credentials from the Lambda environment, and — on the local
 * stack — endpoints from the standard AWS_ENDPOINT_URL_DYNAMODB / _SQS / _SNS / _LAMBDA variables. The same code runs in
 * both places; nothing here knows whether it is local.
 */
export interface AwsClients {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  sns: SNSClient;
  secrets: SecretsManagerClient;
}

/*
 * One factory per client: a handler's composition root creates only the clients it uses, so its bundle carries
 * only those (the client packages are side-effect free, and esbuild drops the factories nobody calls).
 */
export function createDynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient({});
}

/** Queue URLs name their own host; the resolved endpoint is authoritative in AWS and on the local stack alike. */
export function createSqsClient(): SQSClient {
  return new SQSClient({ useQueueUrlAsEndpoint: false });
}

export function createSnsClient(): SNSClient {
  return new SNSClient({});
}

export function createSecretsManagerClient(): SecretsManagerClient {
  return new SecretsManagerClient({});
}

/**
 * Lambda (invoking the csaf-validator function). Locally AWS_ENDPOINT_URL_LAMBDA points at the local runner,
 * which serves the Invoke API with the in-process handlers.
 */
export function createLambdaClient(): LambdaClient {
  return new LambdaClient({});
}

/** All four data-plane clients at once; a handler should create only the ones it uses (see the factories). */
export function createAwsClients(): AwsClients {
  return {
    dynamodb: createDynamoDbClient(),
    sqs: createSqsClient(),
    sns: createSnsClient(),
    secrets: createSecretsManagerClient(),
  };
}

/**
 * S3 (the posture reports), created only by the functions that use it so the others do not bundle the S3
 * client. Locally AWS_ENDPOINT_URL_S3 points at fauxqs; an IP endpoint makes the SDK address buckets path-style.
 */
export function createS3Client(): S3Client {
  return new S3Client({});
}
