import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoWorkOrderRepository } from '../../shared/adapters/dynamodb/work-order-repository';
import { dispatchWorkOrder } from '../../shared/application/dispatch-work-order';
import { CmmsEnv, parseEnvironment, TableEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import {
  createDynamoDbClient,
  createSecretsManagerClient,
  createSqsClient,
} from '../../shared/runtime/aws-clients';
import { lazyCmmsConnector } from '../../shared/runtime/cmms-connector';
import { sqsConsumer } from '../../shared/runtime/sqs-batch';

const env = parseEnvironment(
  TableEnv.extend({
    [ENV.cmmsWorkOrderTable]: z.enum(['change_request', 'wm_order', 'incident']).default('change_request'),
    [ENV.cmmsMaxRetryAfterSeconds]: z.coerce.number().int().positive().optional(),
  }),
);
const cmmsEnv = parseEnvironment(CmmsEnv);
const dynamodb = createDynamoDbClient();
const sqs = createSqsClient();
const secrets = createSecretsManagerClient();
const table = new TableClient(dynamodb, env[ENV.tableName]);
const workOrders = new DynamoWorkOrderRepository(table);
const connector = lazyCmmsConnector(cmmsEnv, secrets, {
  workOrderTable: env[ENV.cmmsWorkOrderTable],
  ...(env[ENV.cmmsMaxRetryAfterSeconds] ? { maxRetryAfterSeconds: env[ENV.cmmsMaxRetryAfterSeconds] } : {}),
});
const logger = new Logger({ serviceName: 'medpatch-dispatcher' });

/** The queue carries the work order; only its identity and revision are trusted (see dispatchWorkOrder). */
const WorkOrderPointer = z.object({ correlationId: z.string().min(1), revision: z.string().min(1) });

export const handler = sqsConsumer(
  WorkOrderPointer,
  logger,
  async (message) => {
    const outcome = await dispatchWorkOrder({ sink: await connector(), workOrders }, message);
    logger.info('dispatched', { correlationId: message.correlationId, ...outcome });
  },
  // A Retry-After beyond the connector's cap holds the message until then instead of burning its receives.
  { fifo: true, holdRateLimited: sqs },
);
