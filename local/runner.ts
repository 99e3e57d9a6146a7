import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { FUNCTIONS, type FunctionKey, type FunctionTrigger, QUEUES, type QueueKey } from '../shared/topology';
import { type LambdaInvokeServer, startLambdaInvokeServer } from './lambda-invoke-server';
import { LOCAL_REGION, type LocalStack, localFunctionName, localSqsClient } from './stack';

type AnyHandler = (event: never, context: Context) => Promise<unknown>;

/**
 * Invokes the real Lambda handlers in-process with real event shapes: SQS batch events built from messages
 * received from fauxqs (deleting only what the handler did not report as failed), API Gateway v2 events, and
 * scheduler payloads. Which handler consumes which queue comes from shared/topology.ts. Functions that invoke other
 * functions (advisory-ingest → csaf-validator) reach them through the Lambda Invoke API the runner serves on a
 * loopback port (AWS_ENDPOINT_URL_LAMBDA), with the same SDK call as in AWS.
 */
export class LocalRunner {
  private readonly sqs: SQSClient;
  /** Per-consumer counters, for progress lines and benchmarks. */
  readonly stats: Partial<
    Record<FunctionKey, { batches: number; records: number; failed: number; busyMs: number }>
  > = {};
  /** Lambda Invoke calls served per function (function-to-function calls such as csaf-validator). */
  readonly invocations: Partial<Record<FunctionKey, number>>;

  private constructor(
    private readonly stack: LocalStack,
    private readonly handlers: Record<FunctionKey, AnyHandler>,
    private readonly invokeServer: LambdaInvokeServer,
    invocations: Partial<Record<FunctionKey, number>>,
  ) {
    this.sqs = localSqsClient(stack);
    this.invocations = invocations;
  }

  /**
   * Loads every handler module after pointing the process environment at the local stack, exactly as Lambda
   * would run their cold start. One local stack per process: handler modules are cached after their first load.
   */
  static async create(stack: LocalStack): Promise<LocalRunner> {
    Object.assign(process.env, stack.env);
    const handlers = {} as Record<FunctionKey, AnyHandler>;
    const keys = Object.keys(FUNCTIONS) as FunctionKey[];
    const invocations: Partial<Record<FunctionKey, number>> = {};
    // Started before the handlers load, so their clients see the endpoint at their cold start.
    const invokeServer = await startLambdaInvokeServer((name) => {
      const key = keys.find((k) => localFunctionName(k) === name);
      const handler = key ? handlers[key] : undefined;
      if (!key || !handler) return undefined;
      return (payload) => {
        invocations[key] = (invocations[key] ?? 0) + 1;
        return handler(payload as never, lambdaContext(key));
      };
    });
    process.env.AWS_ENDPOINT_URL_LAMBDA = invokeServer.endpoint;
    try {
      for (const key of keys) {
        const module = (await import(
          /* @vite-ignore */ `../${FUNCTIONS[key].entry.replace(/\.ts$/, '')}`
        )) as {
          handler: AnyHandler;
        };
        handlers[key] = module.handler;
      }
    } catch (error) {
      invokeServer.close();
      throw error;
    }
    return new LocalRunner(stack, handlers, invokeServer, invocations);
  }

  /** Where the runner serves the Lambda Invoke API (AWS_ENDPOINT_URL_LAMBDA of the functions it runs). */
  get lambdaEndpoint(): string {
    return this.invokeServer.endpoint;
  }

  async invokeSchedule<T>(key: FunctionKey, payload: unknown): Promise<T> {
    return (await this.handlers[key](payload as never, lambdaContext(key))) as T;
  }

  async invokeHttp(
    key: FunctionKey,
    request: { method: string; path: string; body: string; actor?: string },
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const now = new Date();
    const event: APIGatewayProxyEventV2WithIAMAuthorizer = {
      version: '2.0',
      routeKey: `${request.method} ${request.path}`,
      rawPath: request.path,
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      body: request.body,
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: 'localhost',
        domainPrefix: 'localhost',
        requestId: randomUUID(),
        routeKey: `${request.method} ${request.path}`,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
        http: {
          method: request.method,
          path: request.path,
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'medpatch-local',
        },
        authorizer: {
          iam: {
            accessKey: 'local',
            accountId: '000000000000',
            callerId: 'local',
            cognitoIdentity: null,
            principalOrgId: '',
            userArn: request.actor ?? 'arn:aws:iam::000000000000:user/local-operator',
            userId: 'local',
          },
        },
      },
    };
    return (await this.handlers[key](
      event as never,
      lambdaContext(key),
    )) as APIGatewayProxyStructuredResultV2;
  }

  /**
   * Delivers queued messages to their consumers until every queue is empty (failed messages are redelivered after
   * the visibility timeout and end in the DLQ after maxReceiveCount, as in AWS). Returns how many batches ran.
   */
  async drain(options: { timeoutMs?: number; concurrency?: number } = {}): Promise<{ batches: number }> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    const consumers = sqsConsumers();
    let batches = 0;
    for (;;) {
      // Consumers run side by side, as separate Lambda functions would.
      const ran = await Promise.all(consumers.map((c) => this.deliverFrom(c, options.concurrency ?? 6)));
      const delivered = ran.reduce((sum, n) => sum + n, 0);
      batches += delivered;
      if (delivered > 0) continue;
      if (await this.allQueuesEmpty()) return { batches };
      if (Date.now() > deadline) throw new Error('Local runner: queues did not drain before the deadline');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private async deliverFrom(
    consumer: { key: FunctionKey; trigger: SqsTrigger },
    concurrency: number,
  ): Promise<number> {
    const queueUrl = this.stack.queueUrls[consumer.trigger.queue];
    const batches = await Promise.all(
      Array.from({ length: concurrency }, () =>
        this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, consumer.trigger.batchSize),
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        ),
      ),
    );
    const nonEmpty = batches.map((b) => b.Messages ?? []).filter((messages) => messages.length > 0);
    await Promise.all(nonEmpty.map((messages) => this.invokeSqs(consumer, queueUrl, messages)));
    return nonEmpty.length;
  }

  private async invokeSqs(
    consumer: { key: FunctionKey; trigger: SqsTrigger },
    queueUrl: string,
    messages: Message[],
  ) {
    const queueArn = `arn:aws:sqs:${LOCAL_REGION}:000000000000:${queueUrl.split('/').at(-1)}`;
    const event: SQSEvent = {
      Records: messages.map((message) => ({
        messageId: message.MessageId ?? randomUUID(),
        receiptHandle: message.ReceiptHandle ?? '',
        body: message.Body ?? '',
        attributes: {
          ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
          SenderId: message.Attributes?.SenderId ?? 'local',
          ApproximateFirstReceiveTimestamp:
            message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
          ...(message.Attributes?.MessageGroupId
            ? { MessageGroupId: message.Attributes.MessageGroupId }
            : {}),
          ...(message.Attributes?.MessageDeduplicationId
            ? { MessageDeduplicationId: message.Attributes.MessageDeduplicationId }
            : {}),
          ...(message.Attributes?.SequenceNumber
            ? { SequenceNumber: message.Attributes.SequenceNumber }
            : {}),
        },
        messageAttributes: {},
        md5OfBody: message.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: LOCAL_REGION,
      })),
    };
    let failedIds = new Set<string>();
    const started = Date.now();
    try {
      const response = (await this.handlers[consumer.key](event as never, lambdaContext(consumer.key))) as
        | SQSBatchResponse
        | undefined;
      failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch {
      // A handler that throws fails the whole batch, as in Lambda: every message is redelivered.
      failedIds = new Set(event.Records.map((r) => r.messageId));
    }
    const stats = this.stats[consumer.key] ?? { batches: 0, records: 0, failed: 0, busyMs: 0 };
    this.stats[consumer.key] = stats;
    stats.batches += 1;
    stats.records += event.Records.length;
    stats.failed += failedIds.size;
    stats.busyMs += Date.now() - started;
    const done = event.Records.filter((record) => !failedIds.has(record.messageId));
    if (done.length > 0) {
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
    }
  }

  private async allQueuesEmpty(): Promise<boolean> {
    for (const key of Object.keys(QUEUES) as QueueKey[]) {
      const res = await this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.stack.queueUrls[key],
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const visible = Number(res.Attributes?.ApproximateNumberOfMessages ?? 0);
      const inFlight = Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      if (visible + inFlight > 0) return false;
    }
    return true;
  }

  close(): void {
    this.sqs.destroy();
    this.invokeServer.close();
  }
}

type SqsTrigger = Extract<FunctionTrigger, { kind: 'sqs' }>;

function sqsConsumers(): { key: FunctionKey; trigger: SqsTrigger }[] {
  return (Object.entries(FUNCTIONS) as [FunctionKey, (typeof FUNCTIONS)[FunctionKey]][]).flatMap(
    ([key, fn]) =>
      (fn.triggers as readonly FunctionTrigger[])
        .filter((t): t is SqsTrigger => t.kind === 'sqs')
        .map((trigger) => ({ key, trigger })),
  );
}

function lambdaContext(key: FunctionKey): Context {
  const fn = FUNCTIONS[key];
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: localFunctionName(key),
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${localFunctionName(key)}`,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${localFunctionName(key)}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => fn.timeoutSeconds * 1000 - (Date.now() - started),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
