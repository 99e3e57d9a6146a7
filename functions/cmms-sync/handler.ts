import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { SqsMatchQueue } from '../../shared/adapters/sqs/sqs-queues';
import { syncDevices } from '../../shared/application/sync-devices';
import { CmmsEnv, MatchQueueEnv, parseEnvironment, TableEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { ValidationError } from '../../shared/errors';
import { createAwsClients } from '../../shared/runtime/aws-clients';
import { lazyCmmsConnector } from '../../shared/runtime/cmms-connector';

const env = parseEnvironment(TableEnv.extend(MatchQueueEnv.shape));
const cmmsEnv = parseEnvironment(CmmsEnv);
const clients = createAwsClients();
const table = new TableClient(clients.dynamodb, env[ENV.tableName]);
const devices = new DynamoDeviceRepository(table);
const matchQueue = new SqsMatchQueue(clients.sqs, env[ENV.matchQueueUrl]);
const connector = lazyCmmsConnector(cmmsEnv, clients.secrets);
const logger = new Logger({ serviceName: 'medpatch-cmms-sync' });

/** A scheduler event (incremental by default) or an on-demand invocation `{ "mode": "full" }`. */
const SyncEvent = z.union([
  z.object({ mode: z.enum(['full', 'incremental']) }),
  z
    .object({ 'detail-type': z.literal('Scheduled Event') })
    .transform(() => ({ mode: 'incremental' as const })),
  z
    .object({})
    .strict()
    .transform(() => ({ mode: 'incremental' as const })),
]);

export const handler = async (event: unknown) => {
  const parsed = SyncEvent.safeParse(event);
  if (!parsed.success) {
    throw new ValidationError('cmms-sync expects {"mode":"full"|"incremental"} or a scheduler event');
  }
  const report = await syncDevices(
    { source: await connector(), devices, matchQueue },
    { mode: parsed.data.mode, actor: { actor: 'medpatch-cmms-sync', reason: `${parsed.data.mode} sync` } },
  );
  logger.info('sync finished', {
    read: report.read,
    written: report.written,
    unchanged: report.unchanged,
    rejected: report.rejected.length,
  });
  for (const rejected of report.rejected) logger.warn('device record rejected', rejected);
  return {
    read: report.read,
    written: report.written,
    unchanged: report.unchanged,
    rejected: report.rejected,
  };
};
