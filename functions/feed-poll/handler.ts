import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { DynamoAdvisoryRepository } from '../../shared/adapters/dynamodb/advisory-repository';
import { DynamoEnrichmentRepository } from '../../shared/adapters/dynamodb/enrichment-repository';
import { DynamoFeedWatermarkRepository } from '../../shared/adapters/dynamodb/feed-watermark-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { FetchFeedFetcher } from '../../shared/adapters/http/feed-fetcher';
import { LambdaCsafValidator } from '../../shared/adapters/lambda/lambda-csaf-validator';
import { SqsMatchQueue, SqsPrioritizeQueue } from '../../shared/adapters/sqs/sqs-queues';
import { FeedConfig, type PollReport, pollFeeds } from '../../shared/application/poll-feeds';
import {
  CsafValidatorFunctionEnv,
  MatchQueueEnv,
  PrioritizeQueueEnv,
  parseEnvironment,
  TableEnv,
} from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { createDynamoDbClient, createLambdaClient, createSqsClient } from '../../shared/runtime/aws-clients';

/** MEDPATCH_FEED_CONFIG: JSON text, checked at cold start; unset or empty means no feed at all. */
const FeedConfigText = z
  .string()
  .optional()
  .transform((text, ctx): FeedConfig => {
    if (text === undefined || text.trim() === '') return { csafDirectories: [] };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `not JSON (${error instanceof Error ? error.message : String(error)})`,
      });
      return z.NEVER;
    }
    const parsed = FeedConfig.safeParse(json);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', message: `${issue.path.join('.') || '(root)'}: ${issue.message}` });
    return z.NEVER;
  });

const env = parseEnvironment(
  TableEnv.extend(MatchQueueEnv.shape)
    .extend(PrioritizeQueueEnv.shape)
    .extend(CsafValidatorFunctionEnv.shape)
    .extend({ [ENV.feedConfig]: FeedConfigText }),
);

const dynamodb = createDynamoDbClient();
const sqs = createSqsClient();
const table = new TableClient(dynamodb, env[ENV.tableName]);
const enrichment = new DynamoEnrichmentRepository(table);
const findings = new DynamoFindingRepository(table);
const prioritizeQueue = new SqsPrioritizeQueue(sqs, env[ENV.prioritizeQueueUrl]);
const deps = {
  fetcher: new FetchFeedFetcher(),
  watermarks: new DynamoFeedWatermarkRepository(table),
  ingest: {
    advisories: new DynamoAdvisoryRepository(table),
    matchQueue: new SqsMatchQueue(sqs, env[ENV.matchQueueUrl]),
    // Schema + mandatory tests run in the csaf-validator function; unreachable, the document stays due.
    csafValidator: new LambdaCsafValidator(createLambdaClient(), env[ENV.csafValidatorFunction]),
  },
  enrich: { enrichment, findings, prioritizeQueue },
};
const logger = new Logger({ serviceName: 'medpatch-feed-poll' });

/** Scheduled (rate 6 hours): polls the configured CSAF directories, then KEV / EPSS; an empty config does nothing. */
export const handler = async (): Promise<PollReport> => {
  const report = await pollFeeds(deps, env[ENV.feedConfig], {
    actor: 'feed-poll',
    reason: 'scheduled feed poll',
  });
  for (const directory of report.directories) {
    logger.info('CSAF directory polled', {
      directory: directory.directory,
      due: directory.due,
      accepted: directory.outcomes.filter((o) => o.status === 'accepted').length,
      rejected: directory.outcomes.filter((o) => o.status === 'rejected'),
      failures: directory.failures,
      rejectedLines: directory.rejectedLines,
      watermark: directory.watermark,
    });
  }
  if (report.enrichment) logger.info('enrichment refreshed', { ...report.enrichment });
  if (report.errors.length > 0) logger.error('feeds not polled', { errors: report.errors });
  return report;
};
