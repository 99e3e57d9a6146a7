import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { DynamoPolicyRepository } from '../../shared/adapters/dynamodb/policy-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoWorkOrderRepository } from '../../shared/adapters/dynamodb/work-order-repository';
import { SnsAlertPublisher } from '../../shared/adapters/sns/sns-alert-publisher';
import { SqsWorkOrderQueue } from '../../shared/adapters/sqs/sqs-queues';
import { type SyncStatusOutcome, syncWorkOrderStatus } from '../../shared/application/sync-work-order-status';
import {
  AlertsTopicEnv,
  CmmsEnv,
  parseEnvironment,
  TableEnv,
  WorkOrderQueueEnv,
} from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { ConfigurationError } from '../../shared/errors';
import {
  createDynamoDbClient,
  createSecretsManagerClient,
  createSnsClient,
  createSqsClient,
} from '../../shared/runtime/aws-clients';
import { lazyCmmsConnector } from '../../shared/runtime/cmms-connector';

const env = parseEnvironment(
  TableEnv.extend(WorkOrderQueueEnv.shape)
    .extend(AlertsTopicEnv.shape)
    .extend({
      [ENV.cmmsWorkOrderTable]: z.enum(['change_request', 'wm_order', 'incident']).default('change_request'),
    }),
);
const cmmsEnv = parseEnvironment(CmmsEnv);
const dynamodb = createDynamoDbClient();
const sqs = createSqsClient();
const sns = createSnsClient();
const secrets = createSecretsManagerClient();
const table = new TableClient(dynamodb, env[ENV.tableName]);
const connector = lazyCmmsConnector(cmmsEnv, secrets, {
  workOrderTable: env[ENV.cmmsWorkOrderTable],
});
const deps = {
  workOrders: new DynamoWorkOrderRepository(table),
  findings: new DynamoFindingRepository(table),
  workOrderQueue: new SqsWorkOrderQueue(sqs, env[ENV.workOrderQueueUrl]),
  alerts: new SnsAlertPublisher(sns, env[ENV.alertsTopicArn], table),
  policy: new DynamoPolicyRepository(table),
};
const logger = new Logger({ serviceName: 'medpatch-status-sync' });

/** Scheduled status back-sync: reads the CMMS state of open work orders and acts on closures. */
export const handler = async (): Promise<SyncStatusOutcome> => {
  const cmms = await connector();
  if (typeof cmms.readWorkOrderStates !== 'function') {
    throw new ConfigurationError(
      `The ${cmms.kind} connector cannot read work-order states back; disable the status-sync schedule for it`,
    );
  }
  const source = { readWorkOrderStates: cmms.readWorkOrderStates.bind(cmms) };
  const outcome = await syncWorkOrderStatus({ ...deps, source }, new Date().toISOString(), {
    actor: 'status-sync',
    reason: 'CMMS status back-sync',
  });
  logger.info('status back-sync finished', { ...outcome });
  return outcome;
};
