import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from 'zod';
import { isRetryable, ValidationError } from '../errors';

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
  options: { fifo?: boolean } = {},
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    try {
      await handleMessage(parseBody(schema, record), record);
    } catch (error) {
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
