import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { MatchMessage, PrioritizeMessage } from '../../application/messages';
import type { MatchQueue, PrioritizeQueue, WorkOrderQueue } from '../../application/ports';
import type { WorkOrder } from '../../domain/work-order';
import { TransientError } from '../../errors';

const SQS_BATCH_LIMIT = 10;

/**
 * Sends entries in batches of ten, up to `concurrency` batches at a time (1 keeps a FIFO queue's order); any entry
 * SQS refused fails the call so the caller's record is retried.
 */
async function sendAll(
  client: SQSClient,
  queueUrl: string,
  entries: SendMessageBatchRequestEntry[],
  concurrency = 1,
): Promise<void> {
  const batches: SendMessageBatchRequestEntry[][] = [];
  for (let i = 0; i < entries.length; i += SQS_BATCH_LIMIT)
    batches.push(entries.slice(i, i + SQS_BATCH_LIMIT));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++] as SendMessageBatchRequestEntry[];
      const res = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch }));
      if (res.Failed && res.Failed.length > 0) {
        const reasons = res.Failed.map((f) => `${f.Id}: ${f.Code} ${f.Message ?? ''}`).join('; ');
        throw new TransientError(`SQS refused ${res.Failed.length} message(s): ${reasons}`, {
          context: { queueUrl },
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
}

/** Batches in flight at once on the standard queues (order does not matter there). */
const STANDARD_QUEUE_CONCURRENCY = 4;

export class SqsMatchQueue implements MatchQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  send(messages: readonly MatchMessage[]): Promise<void> {
    return sendAll(
      this.client,
      this.queueUrl,
      messages.map((message, index) => ({ Id: String(index), MessageBody: JSON.stringify(message) })),
      STANDARD_QUEUE_CONCURRENCY,
    );
  }
}

export class SqsPrioritizeQueue implements PrioritizeQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  send(messages: readonly PrioritizeMessage[]): Promise<void> {
    return sendAll(
      this.client,
      this.queueUrl,
      messages.map((message, index) => ({ Id: String(index), MessageBody: JSON.stringify(message) })),
      STANDARD_QUEUE_CONCURRENCY,
    );
  }
}

/**
 * Work orders go through a FIFO queue: one message group per correlation id keeps the revisions of one work
 * order in order, and the deduplication id (correlation id + revision) drops replays within SQS's window.
 */
export class SqsWorkOrderQueue implements WorkOrderQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  send(workOrders: readonly WorkOrder[]): Promise<void> {
    return sendAll(
      this.client,
      this.queueUrl,
      workOrders.map((workOrder, index) => ({
        Id: String(index),
        MessageBody: JSON.stringify(workOrder),
        MessageGroupId: workOrder.correlationId,
        MessageDeduplicationId: `${workOrder.correlationId}-${workOrder.revision}`.slice(0, 128),
      })),
    );
  }
}
