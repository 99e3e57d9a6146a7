import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { DynamoAdvisoryRepository } from '../../shared/adapters/dynamodb/advisory-repository';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoEnrichmentRepository } from '../../shared/adapters/dynamodb/enrichment-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { DynamoMds2ProfileRepository } from '../../shared/adapters/dynamodb/mds2-repository';
import { DynamoPolicyRepository } from '../../shared/adapters/dynamodb/policy-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoValidationRepository } from '../../shared/adapters/dynamodb/validation-repository';
import { DynamoWorkOrderRepository } from '../../shared/adapters/dynamodb/work-order-repository';
import { DynamoAlertDigestStore } from '../../shared/adapters/sns/alert-digest-store';
import { SnsAlertPublisher } from '../../shared/adapters/sns/sns-alert-publisher';
import { SqsWorkOrderQueue } from '../../shared/adapters/sqs/sqs-queues';
import { assessFinding } from '../../shared/application/assess-finding';
import { PrioritizeMessage } from '../../shared/application/messages';
import { AlertsTopicEnv, parseEnvironment, TableEnv, WorkOrderQueueEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { cmmsRecordLink } from '../../shared/domain/alerts';
import { createDynamoDbClient, createSnsClient, createSqsClient } from '../../shared/runtime/aws-clients';
import { sqsConsumer } from '../../shared/runtime/sqs-batch';

const env = parseEnvironment(TableEnv.extend(WorkOrderQueueEnv.shape).extend(AlertsTopicEnv.shape));
/** Only to link alert emails to the CMMS record (optional: no link without it). */
const linkEnv = parseEnvironment(
  z.object({
    [ENV.cmmsKind]: z.string().default(''),
    [ENV.cmmsBaseUrl]: z.string().default(''),
    [ENV.cmmsWorkOrderTable]: z.string().optional(),
  }),
);
const dynamodb = createDynamoDbClient();
const sqs = createSqsClient();
const sns = createSnsClient();
const table = new TableClient(dynamodb, env[ENV.tableName]);
const deps = {
  devices: new DynamoDeviceRepository(table),
  advisories: new DynamoAdvisoryRepository(table),
  findings: new DynamoFindingRepository(table),
  validations: new DynamoValidationRepository(table),
  enrichment: new DynamoEnrichmentRepository(table),
  workOrders: new DynamoWorkOrderRepository(table),
  workOrderQueue: new SqsWorkOrderQueue(sqs, env[ENV.workOrderQueueUrl]),
  alerts: new SnsAlertPublisher(sns, env[ENV.alertsTopicArn], table),
  // Read per finding, cached briefly: a policy change applies to assessments within seconds.
  policy: new DynamoPolicyRepository(table, { cacheMs: 10_000 }),
  profiles: new DynamoMds2ProfileRepository(table),
  digest: new DynamoAlertDigestStore(table),
  cmmsLink: (correlationId: string) =>
    cmmsRecordLink(
      {
        kind: linkEnv[ENV.cmmsKind],
        baseUrl: linkEnv[ENV.cmmsBaseUrl],
        workOrderTable: linkEnv[ENV.cmmsWorkOrderTable],
      },
      correlationId,
    ),
};
const logger = new Logger({ serviceName: 'medpatch-prioritizer' });

export const handler = sqsConsumer(PrioritizeMessage, logger, async (message) => {
  const outcome = await assessFinding(deps, message, new Date().toISOString(), {
    actor: 'medpatch-prioritizer',
    reason: 'finding changed',
  });
  logger.debug('assessed', { message, action: outcome.finding?.action, queued: outcome.workOrderQueued });
});
