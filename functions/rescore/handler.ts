import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { SqsPrioritizeQueue } from '../../shared/adapters/sqs/sqs-queues';
import { rescoreOpenFindings } from '../../shared/application/rescore-findings';
import { PrioritizeQueueEnv, parseEnvironment, TableEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { createDynamoDbClient, createSqsClient } from '../../shared/runtime/aws-clients';

const env = parseEnvironment(TableEnv.extend(PrioritizeQueueEnv.shape));
const dynamodb = createDynamoDbClient();
const sqs = createSqsClient();
const table = new TableClient(dynamodb, env[ENV.tableName]);
const deps = {
  findings: new DynamoFindingRepository(table),
  prioritizeQueue: new SqsPrioritizeQueue(sqs, env[ENV.prioritizeQueueUrl]),
};
const logger = new Logger({ serviceName: 'medpatch-rescore' });

/** Nightly re-scoring: every open finding goes back through the prioritizer (KEV / EPSS / validations changed). */
export const handler = async (): Promise<{ queued: number }> => {
  const outcome = await rescoreOpenFindings(deps);
  logger.info('re-scoring queued', outcome);
  return outcome;
};
