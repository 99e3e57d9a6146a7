import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoAdvisoryRepository } from '../../shared/adapters/dynamodb/advisory-repository';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { SqsPrioritizeQueue } from '../../shared/adapters/sqs/sqs-queues';
import { matchChange } from '../../shared/application/match-changes';
import { MatchMessage } from '../../shared/application/messages';
import { PrioritizeQueueEnv, parseEnvironment, TableEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { createDynamoDbClient, createSqsClient } from '../../shared/runtime/aws-clients';
import { sqsConsumer } from '../../shared/runtime/sqs-batch';

// Composition root: parsed and built once per container.
const env = parseEnvironment(TableEnv.extend(PrioritizeQueueEnv.shape));
const dynamodb = createDynamoDbClient();
const sqs = createSqsClient();
const table = new TableClient(dynamodb, env[ENV.tableName]);
const deps = {
  devices: new DynamoDeviceRepository(table),
  advisories: new DynamoAdvisoryRepository(table),
  findings: new DynamoFindingRepository(table),
  prioritizeQueue: new SqsPrioritizeQueue(sqs, env[ENV.prioritizeQueueUrl]),
};
const logger = new Logger({ serviceName: 'medpatch-matcher' });

export const handler = sqsConsumer(MatchMessage, logger, async (message) => {
  const outcome = await matchChange(deps, message, new Date().toISOString(), {
    actor: 'medpatch-matcher',
    reason: message.type,
  });
  logger.debug('matched', { message, ...outcome });
});
