import { Logger } from '@aws-lambda-powertools/logger';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoWorkOrderRepository } from '../../shared/adapters/dynamodb/work-order-repository';
import { SnsAlertPublisher } from '../../shared/adapters/sns/sns-alert-publisher';
import { escalateOverdueWorkOrders } from '../../shared/application/escalate-overdue';
import { AlertsTopicEnv, parseEnvironment, TableEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { createDynamoDbClient, createSnsClient } from '../../shared/runtime/aws-clients';

const env = parseEnvironment(TableEnv.extend(AlertsTopicEnv.shape));
const dynamodb = createDynamoDbClient();
const sns = createSnsClient();
const table = new TableClient(dynamodb, env[ENV.tableName]);
const deps = {
  workOrders: new DynamoWorkOrderRepository(table),
  alerts: new SnsAlertPublisher(sns, env[ENV.alertsTopicArn], table),
};
const logger = new Logger({ serviceName: 'medpatch-sla-escalation' });

/** Daily SLA check: overdue open work orders alert their stakeholders once per due date. */
export const handler = async (): Promise<{ overdue: number; alerted: number }> => {
  const outcome = await escalateOverdueWorkOrders(deps, new Date().toISOString());
  logger.info('SLA escalation finished', outcome);
  return outcome;
};
