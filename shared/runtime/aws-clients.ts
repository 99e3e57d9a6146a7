import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
