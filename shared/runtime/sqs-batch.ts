import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from 'zod';
import { isRetryable, RateLimitedError, ValidationError } from '../errors';

/** SQS's ceiling for a message's visibility timeout (12 hours). */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Wraps a use-case as an SQS consumer with partial batch responses. The body is parsed with the message schema;
 * retryable failures are reported as batch item failures (SQS redelivers, then the DLQ keeps them); permanent
 * failures are logged with their reason and the message is not retried, because it can never succeed.
 * On a FIFO queue records are processed in order, and a failure fails the rest of its message group only.
 */
export function sqsConsumer<S extends z.ZodType>(
  schema: S,
  logger: Logger,
  handleMessage: (message: z.infer<S>, record: SQSRecord) => Promise<void>,
  options: {
    fifo?: boolean;
    /**
     * When given, a record that fails with RateLimitedError is held for the server's Retry-After
     * (ChangeMessageVisibility) before it is reported as failed, so SQS redelivers it when the CMMS accepts
     * requests again instead of after the queue's visibility timeout, burning receives toward the DLQ.
     */
    holdRateLimited?: SQSClient;
  } = {},
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const queueUrls = new Map<string, Promise<string>>();
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    try {
      await handleMessage(parseBody(schema, record), record);
    } catch (error) {
      if (error instanceof RateLimitedError && options.holdRateLimited) {
        await holdRecord(options.holdRateLimited, queueUrls, record, error.retryAfterMs, logger);
      }
      if (isRetryable(error)) throw error;
      logger.error('Permanent failure: message dropped without retry', {
        messageId: record.messageId,
        reason: error instanceof Error ? error.message : String(error),
        errorName: error instanceof Error ? error.name : 'unknown',
      });
    }
  };
  // A processor keeps the batch it works on in its own fields, so each invocation gets a fresh one: the local
  // runner (and any caller) may run several batches of one handler at once in a single process.
  return (event, context) =>
    options.fifo
      ? processPartialResponse(event, recordHandler, new SqsFifoPartialProcessorAsync(), {
          context,
          skipGroupOnError: true,
        })
      : processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), { context });
}

function parseBody<S extends z.ZodType>(schema: S, record: SQSRecord): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    throw new ValidationError(`Message ${record.messageId} is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new ValidationError(
      `Message ${record.messageId} is malformed: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return parsed.data;
}

/** Seconds to keep a rate-limited message invisible: the Retry-After rounded up, within SQS's 0…43,200 s. */
export function holdSeconds(retryAfterMs: number): number {
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(retryAfterMs / 1000)));
}

/**
 * The record's queue URL comes from its eventSourceARN (arn:aws:sqs:region:account:name) through GetQueueUrl,
 * which answers the exact URL in AWS and on the local stack alike; an event-source-mapped function already holds
 * sqs:GetQueueUrl and sqs:ChangeMessageVisibility on its queue (CDK's SqsEventSource grants consumeMessages).
 * A failure to hold is logged, never thrown: the record still fails and comes back after the visibility timeout.
 */
async function holdRecord(
  sqs: SQSClient,
  queueUrls: Map<string, Promise<string>>,
  record: SQSRecord,
  retryAfterMs: number,
  logger: Logger,
): Promise<void> {
  const seconds = holdSeconds(retryAfterMs);
  try {
    const arn = record.eventSourceARN;
    let url = queueUrls.get(arn);
    if (!url) {
      const [, , service, , account, name] = arn.split(':');
      if (service !== 'sqs' || !account || !name) throw new Error(`not an SQS queue ARN: ${arn}`);
      url = sqs
        .send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))
        .then((res) => {
          if (!res.QueueUrl) throw new Error(`no URL for queue ${name}`);
          return res.QueueUrl;
        });
      url.catch(() => queueUrls.delete(arn));
      queueUrls.set(arn, url);
    }
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: await url,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
    logger.warn('Rate limited: message held until the Retry-After', {
      messageId: record.messageId,
      holdSeconds: seconds,
    });
  } catch (holdError) {
    logger.warn('Rate limited: could not hold the message; it returns after the visibility timeout', {
      messageId: record.messageId,
      holdSeconds: seconds,
      reason: holdError instanceof Error ? holdError.message : String(holdError),
    });
  }
}
