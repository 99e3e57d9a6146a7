import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { SnsOpsNotifier } from '../../shared/adapters/sns/sns-ops-notifier';
import { SqsMatchQueue } from '../../shared/adapters/sqs/sqs-queues';
import { describeSyncAttention } from '../../shared/application/sync-attention';
import { syncDevices } from '../../shared/application/sync-devices';
import { CmmsEnv, MatchQueueEnv, OpsTopicEnv, parseEnvironment, TableEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { ValidationError } from '../../shared/errors';
import {
  createDynamoDbClient,
  createSecretsManagerClient,
  createSnsClient,
  createSqsClient,
} from '../../shared/runtime/aws-clients';
import { lazyCmmsConnector } from '../../shared/runtime/cmms-connector';

const env = parseEnvironment(TableEnv.extend(MatchQueueEnv.shape).extend(OpsTopicEnv.shape));
const cmmsEnv = parseEnvironment(CmmsEnv);
const mappingEnv = parseEnvironment(
  z.object({
    [ENV.cmmsDeviceTable]: z.string().optional().default(''),
    [ENV.cmmsFieldMap]: z
      .string()
      .optional()
      .default('')
      .transform((raw, ctx) => {
        if (raw === '') return {};
        try {
          return z.record(z.string(), z.string()).parse(JSON.parse(raw));
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object of MedPatch field → CMMS field' });
          return z.NEVER;
        }
      }),
  }),
);
const dynamodb = createDynamoDbClient();
const sqs = createSqsClient();
const secrets = createSecretsManagerClient();
const table = new TableClient(dynamodb, env[ENV.tableName]);
const devices = new DynamoDeviceRepository(table);
const matchQueue = new SqsMatchQueue(sqs, env[ENV.matchQueueUrl]);
const ops = new SnsOpsNotifier(createSnsClient(), env[ENV.opsTopicArn]);
const connector = lazyCmmsConnector(cmmsEnv, secrets, connectorExtras());
const logger = new Logger({ serviceName: 'medpatch-cmms-sync' });

/** Deploy settings cmmsDeviceTable / cmmsFieldMap, in the shape of the configured connector's settings. */
function connectorExtras(): Record<string, unknown> {
  const table = mappingEnv[ENV.cmmsDeviceTable];
  const fields = mappingEnv[ENV.cmmsFieldMap];
  const hasFields = Object.keys(fields).length > 0;
  switch (cmmsEnv[ENV.cmmsKind]) {
    case 'servicenow':
      return {
        ...(table ? { deviceTable: table } : {}),
        ...(hasFields ? { fieldMapping: { version: 1, fields } } : {}),
      };
    case 'maximo':
      return { ...(table ? { assetObject: table } : {}), ...(hasFields ? { fields } : {}) };
    default:
      return {};
  }
}

/** Hour (UTC) whose scheduled run is a full reconciliation (missing devices marked, new ones reported). */
export const FULL_RECONCILIATION_HOUR_UTC = 2;

/** A scheduler event (incremental by default) or an on-demand invocation `{ "mode": "full" }`. */
const SyncEvent = z.union([
  z.object({ mode: z.enum(['full', 'incremental']) }),
  z
    .object({ 'detail-type': z.literal('Scheduled Event'), time: z.string().optional() })
    .transform(({ time }) => ({
      // The hourly schedule's run in the 02:00 UTC hour is the daily full reconciliation.
      mode:
        time !== undefined && new Date(time).getUTCHours() === FULL_RECONCILIATION_HOUR_UTC
          ? ('full' as const)
          : ('incremental' as const),
    })),
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
    mode: parsed.data.mode,
    read: report.read,
    written: report.written,
    unchanged: report.unchanged,
    created: report.created,
    rejected: report.rejected.length,
    resent: report.resent,
    missing: report.reconciliation?.missing.length ?? 0,
    newDevices: report.reconciliation?.newCount ?? 0,
  });
  for (const rejected of report.rejected) logger.warn('device record rejected', rejected);
  for (const warning of report.reconciliation?.warnings ?? []) logger.warn('reconciliation', { warning });
  const attention = describeSyncAttention(report, { source: cmmsEnv[ENV.cmmsKind], mode: parsed.data.mode });
  if (attention) {
    // The sync itself succeeded (and is not retried for this); a lost notice still leaves the warnings above.
    await ops.notify(attention).catch((error: unknown) => logger.error('ops notice not sent', { error }));
  }
  return report;
};
