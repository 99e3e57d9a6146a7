import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { LocalRunner } from '../../local/runner';
import { LOCAL_REGION, type LocalStack, startLocalStack } from '../../local/stack';
import { keys } from '../../shared/adapters/dynamodb/keys';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoWorkOrderRepository } from '../../shared/adapters/dynamodb/work-order-repository';
import { WorkOrder } from '../../shared/domain/work-order';
import { QUEUES } from '../../shared/topology';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

function record(body: string, groupId?: string): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      ...(groupId ? { MessageGroupId: groupId, MessageDeduplicationId: randomUUID() } : {}),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${LOCAL_REGION}:000000000000:test`,
    awsRegion: LOCAL_REGION,
  };
}

const context = { functionName: 'test', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

function workOrder(correlationId: string, revision: string): WorkOrder {
  return WorkOrder.parse({
    correlationId,
    kind: 'APPLY_MITIGATION',
    assetTags: [`TAG-${correlationId}`],
    deviceIds: [`csv:TAG-${correlationId}`],
    advisoryIds: ['ICSMA-20-049-01'],
    cves: ['CVE-2020-6961'],
    decision: 'SCHEDULED',
    priority: 3,
    dueDate: '2025-07-01',
    validationStatus: 'UNKNOWN',
    shortDescription: `Mitigate ${correlationId}`,
    description: 'Isolate the device on its VLAN',
    mitigation: 'VLAN',
    revision,
  });
}

/**
 * The in-process runner and the partial-batch SQS consumer, driven through the REAL prioritizer and dispatcher
 * handlers with crafted messages: no-ops, malformed bodies, a poison item in the store and a failing CMMS.
 */
describe('local runner and partial-batch SQS consumer', () => {
  let stack: LocalStack;
  let runner: LocalRunner;
  let dynamodb: DynamoDBClient;
  let sqs: SQSClient;
  let table: TableClient;
  let prioritizer: SqsHandler;
  let dispatcher: SqsHandler;
  let output: string[];
  let spies: MockInstance[];

  beforeAll(async () => {
    stack = await startLocalStack();
    runner = await LocalRunner.create(stack);
    // Same module instances as the runner's (one module cache per process).
    prioritizer = (await import('../../functions/prioritizer/handler')).handler as SqsHandler;
    dispatcher = (await import('../../functions/dispatcher/handler')).handler as SqsHandler;
    dynamodb = new DynamoDBClient({
      region: LOCAL_REGION,
      credentials,
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
    });
    table = new TableClient(dynamodb, stack.tableNames.main);
    sqs = new SQSClient({
      region: LOCAL_REGION,
      credentials,
      endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
      useQueueUrlAsEndpoint: false,
    });
    output = [];
    const capture = (chunk: unknown) => {
      output.push(String(chunk));
      return true;
    };
    spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation(capture),
      vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
  });

  afterEach(() => {
    stack.servicenow?.setFaults({});
  });

  afterAll(async () => {
    for (const spy of spies ?? []) spy.mockRestore();
    runner?.close();
    sqs?.destroy();
    dynamodb?.destroy();
    await stack?.stop();
  });

  /** Log lines the handlers wrote that mention this message id. */
  const logsAbout = (messageId: string) =>
    output
      .filter((line) => line.includes(messageId))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  async function drainQueue(queueUrl: string): Promise<string[]> {
    const bodies: string[] = [];
    for (;;) {
      const res = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      const messages = res.Messages ?? [];
      if (messages.length === 0) return bodies;
      bodies.push(...messages.map((m) => m.Body ?? ''));
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
  }

  /** A finding item the prioritizer cannot read (a poison item): reading it throws, which is retryable. */
  async function poisonFinding(deviceId: string, advisoryId: string): Promise<void> {
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...keys.finding(deviceId, advisoryId), type: 'FINDING', finding: { corrupted: true } },
      }),
    );
  }

  it('reports only the retryable failure as a batch item failure; no-ops and malformed bodies are not retried', async () => {
    await poisonFinding('csv:POISON-1', 'ICSMA-20-049-01');
    const noop = record(
      JSON.stringify({ type: 'finding-changed', deviceId: 'csv:NONE', advisoryId: 'ICSMA-X' }),
    );
    const notJson = record('{not json');
    const wrongShape = record(JSON.stringify({ type: 'finding-changed', deviceId: '' }));
    const poison = record(
      JSON.stringify({ type: 'finding-changed', deviceId: 'csv:POISON-1', advisoryId: 'ICSMA-20-049-01' }),
    );

    const response = await prioritizer({ Records: [noop, notJson, poison, wrongShape] }, context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: poison.messageId }]);
    const notJsonLogs = logsAbout(notJson.messageId);
    expect(notJsonLogs).toHaveLength(1);
    expect(notJsonLogs[0]).toMatchObject({
      level: 'ERROR',
      message: 'Permanent failure: message dropped without retry',
      errorName: 'ValidationError',
    });
    expect(String(notJsonLogs[0]?.reason)).toMatch(/not JSON/);
    const shapeLogs = logsAbout(wrongShape.messageId);
    expect(shapeLogs).toHaveLength(1);
    expect(String(shapeLogs[0]?.reason)).toMatch(/malformed: .*deviceId/);
    expect(String(shapeLogs[0]?.reason)).toMatch(/advisoryId/);
    expect(logsAbout(noop.messageId)).toEqual([]);
  });

  it('keeps concurrent invocations of one handler apart (the runner delivers several batches at once)', async () => {
    await poisonFinding('csv:POISON-3', 'ICSMA-20-049-01');
    const poisonBody = JSON.stringify({
      type: 'finding-changed',
      deviceId: 'csv:POISON-3',
      advisoryId: 'ICSMA-20-049-01',
    });
    const noopBody = (i: number) =>
      JSON.stringify({ type: 'finding-changed', deviceId: `csv:NONE-C${i}`, advisoryId: 'ICSMA-X' });
    // Even batches hold one poison message; odd batches only no-ops.
    const batches = Array.from({ length: 6 }, (_, i) =>
      i % 2 === 0
        ? [record(noopBody(i)), record(poisonBody), record(noopBody(i + 10))]
        : [record(noopBody(i))],
    );

    const responses = await Promise.all(batches.map((records) => prioritizer({ Records: records }, context)));

    for (const [i, response] of responses.entries()) {
      const expected = i % 2 === 0 ? [{ itemIdentifier: batches[i]?.[1]?.messageId }] : [];
      expect(response.batchItemFailures, `batch ${i}`).toEqual(expected);
    }
  });

  it('deletes the handled messages and moves a message that keeps failing to the DLQ after maxReceiveCount', async () => {
    await poisonFinding('csv:POISON-2', 'ICSMA-20-049-01');
    const poisonBody = JSON.stringify({
      type: 'finding-changed',
      deviceId: 'csv:POISON-2',
      advisoryId: 'ICSMA-20-049-01',
    });
    const bodies = [
      JSON.stringify({ type: 'finding-changed', deviceId: 'csv:NONE-2', advisoryId: 'ICSMA-X' }),
      'plain text, not JSON',
      poisonBody,
    ];
    for (const body of bodies)
      await sqs.send(new SendMessageCommand({ QueueUrl: stack.queueUrls.prioritize, MessageBody: body }));
    const before = { ...(runner.stats.prioritizer ?? { records: 0, failed: 0 }) };

    await runner.drain({ timeoutMs: 25_000 });

    const stats = runner.stats.prioritizer;
    // The poison message was delivered (and failed) exactly maxReceiveCount times, the others once each.
    expect((stats?.failed ?? 0) - before.failed).toBe(QUEUES.prioritize.maxReceiveCount);
    expect((stats?.records ?? 0) - before.records).toBe(QUEUES.prioritize.maxReceiveCount + 2);
    expect(await drainQueue(stack.dlqUrls.prioritize)).toEqual([poisonBody]);
    const main = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.queueUrls.prioritize,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(main.Attributes?.ApproximateNumberOfMessages).toBe('0');
    expect(main.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('stops a FIFO message group at its first failure and goes on with the other groups', async () => {
    const workOrders = new DynamoWorkOrderRepository(table);
    const failing = workOrder('wo-group-b', 'r2');
    const other = workOrder('wo-group-c', 'r1');
    await workOrders.savePlanned(failing, { actor: 'test', reason: 'runner test' });
    await workOrders.savePlanned(other, { actor: 'test', reason: 'runner test' });
    // Every ServiceNow request fails with a 5xx: dispatching group B's work order is a retryable failure.
    stack.servicenow?.setFaults({ errorRate: 1 });

    const pointer = (w: WorkOrder, revision = w.revision) =>
      JSON.stringify({ correlationId: w.correlationId, revision });
    const b1 = record(pointer(failing), failing.correlationId);
    const c1 = record(pointer(other, 'r0'), other.correlationId); // superseded revision: a no-op
    const b2 = record(pointer(failing, 'r1'), failing.correlationId); // would be a no-op on its own
    const d1 = record(
      JSON.stringify({ correlationId: 'wo-never-planned', revision: 'r1' }),
      'wo-never-planned',
    );

    const response = await dispatcher({ Records: [b1, c1, b2, d1] }, context);

    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [b1.messageId, b2.messageId].sort(),
    );
    // Group D (an unknown work order) was still processed after group B failed: a permanent, logged drop.
    expect(String(logsAbout(d1.messageId)[0]?.reason)).toMatch(/No planned work order wo-never-planned/);
    expect(stack.servicenow?.list('change_request') ?? []).toEqual([]);

    // Once the CMMS answers again, the redelivered group goes through and lands once.
    stack.servicenow?.setFaults({});
    const again = await dispatcher({ Records: [b1, b2] }, context);
    expect(again.batchItemFailures).toEqual([]);
    const rows = (stack.servicenow?.list('change_request') ?? []).filter(
      (row) => row.correlation_id === failing.correlationId,
    );
    expect(rows).toHaveLength(1);
    expect(await workOrders.dispatchedRevision(failing.correlationId)).toBe('r2');
  });
});
