import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoAlertDigestStore } from '../../shared/adapters/sns/alert-digest-store';
import { SnsAlertPublisher } from '../../shared/adapters/sns/sns-alert-publisher';
import { sendDailyDigest } from '../../shared/application/alerts-digest';
import { AlertsTopicEnv, parseEnvironment, TableEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { createDynamoDbClient, createSnsClient } from '../../shared/runtime/aws-clients';

const env = parseEnvironment(TableEnv.extend(AlertsTopicEnv.shape));
const dynamodb = createDynamoDbClient();
const sns = createSnsClient();
const table = new TableClient(dynamodb, env[ENV.tableName]);
const deps = {
  digest: new DynamoAlertDigestStore(table),
  alerts: new SnsAlertPublisher(sns, env[ENV.alertsTopicArn], table),
};
const logger = new Logger({ serviceName: 'medpatch-alert-digest' });

/** The scheduled-event payload (its `time`), or `{ day: "YYYY-MM-DD" }` to (re)send one day by hand. */
const Payload = z
  .object({
    day: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
    time: z.string().optional(),
  })
  .passthrough();

/** Daily: one digest email per scope for the previous day's SCHEDULED / DEFER alert events. */
export const handler = async (
  event: unknown,
): Promise<{ day: string; entries: number; published: number }> => {
  const payload = Payload.safeParse(event ?? {});
  const given = payload.success ? payload.data : {};
  const at = given.time && !Number.isNaN(Date.parse(given.time)) ? new Date(given.time) : new Date();
  const day = given.day ?? new Date(at.getTime() - 86_400_000).toISOString().slice(0, 10);
  const outcome = await sendDailyDigest(deps, day);
  logger.info('daily digest sent', { day, ...outcome });
  return { day, ...outcome };
};
