import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListSubscriptionsByTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertJavaAvailable, JavaMissingError } from '../../local/java';
import { LOCAL_REGION, type LocalStack, startLocalStack } from '../../local/stack';
import {
  type EnvSource,
  FUNCTIONS,
  type FunctionKey,
  QUEUES,
  type QueueKey,
  TABLES,
  type TableKey,
  TOPICS,
  type TopicKey,
} from '../../shared/topology';
import { dynamoDbLocalDescendants, listeningServerCount, processExists } from './support/processes';

const ROOT = resolve(import.meta.dirname, '../..');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('the embedded local stack', () => {
  let stack: LocalStack;
  let dynamodb: DynamoDBClient;
  let sqs: SQSClient;
  let sns: SNSClient;
  let serversBefore: number;

  beforeAll(async () => {
    serversBefore = listeningServerCount();
    stack = await startLocalStack();
    const region = LOCAL_REGION;
    dynamodb = new DynamoDBClient({ region, credentials, endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB });
    sqs = new SQSClient({
      region,
      credentials,
      endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
      useQueueUrlAsEndpoint: false,
    });
    sns = new SNSClient({ region, credentials, endpoint: stack.env.AWS_ENDPOINT_URL_SNS });
  });

  afterAll(async () => {
    dynamodb?.destroy();
    sqs?.destroy();
    sns?.destroy();
    await stack?.stop();
  });

  it('creates every table of the topology with its keys, indexes and TTL attribute', async () => {
    for (const [key, table] of Object.entries(TABLES) as [TableKey, (typeof TABLES)[TableKey]][]) {
      const name = stack.tableNames[key];
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema).toEqual([
        { AttributeName: table.partitionKey, KeyType: 'HASH' },
        { AttributeName: table.sortKey, KeyType: 'RANGE' },
      ]);
      const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((index) => ({
        name: index.IndexName,
        partitionKey: index.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName,
        sortKey: index.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName,
        projection: index.Projection?.ProjectionType,
      }));
      expect(indexes.sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual(
        table.globalIndexes.map((index) => ({ ...index, projection: 'ALL' })),
      );
      const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name }));
      expect(ttl.TimeToLiveDescription?.AttributeName).toBe(table.ttlAttribute);
    }
  });

  it('creates every queue with a DLQ and the redrive policy of the topology', async () => {
    for (const [key, queue] of Object.entries(QUEUES) as [QueueKey, (typeof QUEUES)[QueueKey]][]) {
      const main = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: stack.queueUrls[key], AttributeNames: ['All'] }),
      );
      const dlq = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: stack.dlqUrls[key], AttributeNames: ['All'] }),
      );
      const redrive = JSON.parse(main.Attributes?.RedrivePolicy ?? '{}') as Record<string, unknown>;
      expect(Number(redrive.maxReceiveCount), key).toBe(queue.maxReceiveCount);
      expect(redrive.deadLetterTargetArn, key).toBe(dlq.Attributes?.QueueArn);
      expect(main.Attributes?.FifoQueue === 'true', key).toBe(queue.fifo);
      expect(dlq.Attributes?.FifoQueue === 'true', key).toBe(queue.fifo);
      expect(stack.queueUrls[key].endsWith('.fifo'), key).toBe(queue.fifo);
      expect(dlq.Attributes?.RedrivePolicy, `${key} DLQ has no DLQ of its own`).toBeUndefined();
    }
  });

  it('creates every topic and subscribes the alert-capture queue to the stakeholder alerts', async () => {
    const { Topics } = await sns.send(new ListTopicsCommand({}));
    const arns = new Set((Topics ?? []).map((topic) => topic.TopicArn));
    for (const key of Object.keys(TOPICS) as TopicKey[])
      expect(arns.has(stack.topicArns[key]), key).toBe(true);

    const { Subscriptions } = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: stack.topicArns.stakeholderAlerts }),
    );
    const queueArn = async (queueUrl: string) =>
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
        .Attributes?.QueueArn;
    // The unfiltered capture queue, plus one filtered queue per alert recipient.
    const expected = [
      await queueArn(stack.alertCaptureQueueUrl),
      ...(await Promise.all(stack.alertSubscriptions.map((sub) => queueArn(sub.queueUrl)))),
    ];
    expect(Subscriptions?.every((s) => s.Protocol === 'sqs')).toBe(true);
    expect(Subscriptions?.map((s) => s.Endpoint).sort()).toEqual(expected.sort());
    expect(expected).toHaveLength(new Set(expected).size);
  });

  it('gives every function the environment its topology declaration names, resolved to these resources', () => {
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      const env = stack.functionEnvironment(key);
      const declared = FUNCTIONS[key].environment as Record<string, EnvSource>;
      for (const [name, source] of Object.entries(declared)) {
        if ('table' in source) expect(env[name], `${key}.${name}`).toBe(stack.tableNames[source.table]);
        if ('queueUrl' in source) expect(env[name], `${key}.${name}`).toBe(stack.queueUrls[source.queueUrl]);
        if ('topicArn' in source) expect(env[name], `${key}.${name}`).toBe(stack.topicArns[source.topicArn]);
      }
      expect(env.AWS_ENDPOINT_URL_DYNAMODB).toBe(stack.env.AWS_ENDPOINT_URL_DYNAMODB);
    }
  });

  it('runs DynamoDB Local as a child of this process, fauxqs and the simulator in it', () => {
    expect(processExists(stack.dynamoDbPid)).toBe(true);
    expect(listeningServerCount()).toBe(serversBefore + 2);
    expect(dynamoDbLocalDescendants()).toContain(stack.dynamoDbPid);
  });

  // Runs last: it stops the shared stack.
  it('stop() ends the DynamoDB Local java process and is safe to call twice', async () => {
    const pid = stack.dynamoDbPid;
    await stack.stop();
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    await expect(stack.stop()).resolves.toBeUndefined();
    expect(dynamoDbLocalDescendants()).toEqual([]);
    // fauxqs and the ServiceNow simulator (in-process servers) are closed too.
    expect(listeningServerCount()).toBe(serversBefore);
  });
});

describe('a failing start', () => {
  let blocker: Server | undefined;

  afterAll(async () => {
    await new Promise<void>((done) => (blocker ? blocker.close(() => done()) : done()));
  });

  it('stops DynamoDB Local and fauxqs again when a later part (the ServiceNow simulator) cannot start', async () => {
    // A port that is already taken makes the simulator fail after DynamoDB Local and fauxqs are up.
    const server = createServer();
    blocker = server;
    const port = await new Promise<number>((ready) =>
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        ready(typeof address === 'object' && address ? address.port : 0);
      }),
    );
    const javaBefore = dynamoDbLocalDescendants();
    const serversBefore = listeningServerCount();

    await expect(startLocalStack({ servicenow: { port } })).rejects.toThrow(/EADDRINUSE/);

    expect(dynamoDbLocalDescendants()).toEqual(javaBefore);
    expect(listeningServerCount()).toBe(serversBefore);
  });
});

describe('without Java', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'medpatch-nojava-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('assertJavaAvailable fails with what DynamoDB Local needs and how to install it', () => {
    const attempt = () => assertJavaAvailable(join(dir, 'no-such-java'));
    expect(attempt).toThrow(JavaMissingError);
    expect(attempt).toThrow(/DynamoDB Local needs Java 11\+/);
    expect(attempt).toThrow(/apt-get install -y openjdk-17-jre-headless/);
  });

  it('assertJavaAvailable refuses a Java older than 11, naming the version found', () => {
    const oldJava = join(dir, 'java8');
    writeFileSync(oldJava, '#!/bin/sh\necho \'openjdk version "1.8.0_402"\' >&2\n');
    chmodSync(oldJava, 0o755);
    expect(() => assertJavaAvailable(oldJava)).toThrow(/needs Java 11\+, found Java 8/);
  });

  it('startLocalStack rejects at once, before starting anything, when java is not on PATH', () => {
    // A child process whose PATH holds no java (node itself is started by absolute path).
    const script = [
      "import { startLocalStack } from './local/stack';",
      'try {',
      '  await startLocalStack();',
      "  console.log('STARTED');",
      '} catch (error) {',
      "  const servers = process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;",
      '  console.log(JSON.stringify({ name: error.name, message: error.message, servers }));',
      '}',
    ].join('\n');
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: {
        PATH: dir,
        HOME: process.env.HOME ?? dir,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout.trim()) as { name: string; message: string; servers: number };
    expect(outcome.name).toBe('JavaMissingError');
    expect(outcome.message).toMatch(/DynamoDB Local needs Java 11\+/);
    expect(outcome.message).toMatch(/openjdk-17-jre-headless/);
    expect(outcome.servers).toBe(0);
  });
});
