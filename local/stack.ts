import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { ENV } from '../shared/config/env-names';
import { type AlertSubscription, DEMO_ALERT_ROUTING, filterPolicyFor } from '../shared/domain/alert-routing';
import {
  BUCKETS,
  type BucketKey,
  type EnvSource,
  FUNCTIONS,
  type FunctionKey,
  LOCAL_ALERT_CAPTURE_QUEUE,
  QUEUES,
  type QueueKey,
  TABLES,
  type TableKey,
  TOPICS,
  type TopicKey,
} from '../shared/topology';
import { startDynamoDbLocal } from './dynamodb-local';
import {
  type ServiceNowSimulator,
  type SimulatorOptions,
  startServiceNowSimulator,
} from './servicenow-sim/index';

export const LOCAL_REGION = 'us-east-1';

/** A function's name on the local stack: what `functionName` env sources resolve to and the local runner serves. */
export function localFunctionName(key: FunctionKey): string {
  return `medpatch-${key}`;
}
/** Failed messages reappear quickly on a laptop; in AWS the visibility timeout is 6 × the consumer's timeout. */
const LOCAL_VISIBILITY_TIMEOUT_SECONDS = 2;

export interface LocalStackOptions {
  /** Start the ServiceNow simulator (default) with these options, or `false` to run without it. */
  servicenow?: SimulatorOptions | false;
  /** Settings normally given to CDK per hospital; defaults point at the embedded simulator. */
  cmms?: { kind: string; baseUrl: string; username: string; password: string; workOrderTable?: string };
  /**
   * Alert recipients (shared/domain/alert-routing.ts): one capture queue per subscription, subscribed to the
   * stakeholder topic with the same filter policy CDK gives the email/SMS subscription. Default: the demo routing.
   */
  alertSubscriptions?: readonly AlertSubscription[];
  /** HMAC key the change-enrichment function accepts (default LOCAL_ENRICHMENT_HMAC_KEY). */
  enrichmentHmacKey?: string;
}

/** The local stack's change-enrichment HMAC key (the ServiceNow side signs with it in tests and demos). */
export const LOCAL_ENRICHMENT_HMAC_KEY = 'medpatch-local-change-enrichment-hmac-key-0123456789';

/** The local stand-in for one email or SMS subscription: a queue receiving what that recipient would. */
export interface LocalAlertSubscription {
  id: string;
  role: AlertSubscription['role'];
  channel: AlertSubscription['channel'];
  endpoint: string;
  queueUrl: string;
}

export interface LocalStack {
  /** Environment for handlers and SDK clients: region, dummy credentials, endpoints, resource names. */
  readonly env: Readonly<Record<string, string>>;
  readonly tableNames: Readonly<Record<TableKey, string>>;
  readonly queueUrls: Readonly<Record<QueueKey, string>>;
  readonly dlqUrls: Readonly<Record<QueueKey, string>>;
  readonly topicArns: Readonly<Record<TopicKey, string>>;
  /** S3 buckets (fauxqs) by topology key. */
  readonly bucketNames: Readonly<Record<BucketKey, string>>;
  readonly alertCaptureQueueUrl: string;
  /** One capture queue per alert subscription, filtered like the real subscription. */
  readonly alertSubscriptions: readonly LocalAlertSubscription[];
  readonly servicenow: ServiceNowSimulator | null;
  readonly fauxqs: FauxqsServer;
  /** Process id of the DynamoDB Local java process (read-only; tests check that stop() ends it). */
  readonly dynamoDbPid: number;
  functionEnvironment(key: FunctionKey): Record<string, string>;
  /** Drops and recreates the tables: a fresh store, as a new deployment would have (tests use it). */
  resetStore(): Promise<void>;
  /** Stops every server and child process; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local, fauxqs (SQS + SNS) and the ServiceNow simulator on free loopback ports and creates the
 * resources declared in shared/topology.ts — the same declarations the CDK stack is generated from.
 * Anything started before a failure is stopped again before the error propagates.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    const pending = stoppers.splice(0).reverse();
    for (const stop of pending) {
      try {
        await stop();
      } catch {
        // keep stopping the rest
      }
    }
  };
  try {
    const dynamo = await startDynamoDbLocal();
    stoppers.push(dynamo.stop);
    const fauxqs = await startFauxqs({ port: 0, logger: false });
    stoppers.push(() => fauxqs.stop());
    const servicenow =
      options.servicenow === false ? null : await startServiceNowSimulator(options.servicenow ?? {});
    if (servicenow) stoppers.push(() => servicenow.stop());

    const tableNames = await createTables(dynamo.endpoint);
    const bucketNames = {} as Record<BucketKey, string>;
    for (const [key, bucket] of Object.entries(BUCKETS) as [BucketKey, (typeof BUCKETS)[BucketKey]][]) {
      bucketNames[key] = fauxqs.createBucket(`medpatch-${kebab(bucket.id)}`).bucketName;
    }
    const resetStore = async () => {
      await deleteTables(dynamo.endpoint, tableNames);
      await createTables(dynamo.endpoint);
      for (const name of Object.values(bucketNames)) fauxqs.emptyBucket(name);
    };
    const { queueUrls, dlqUrls } = createQueues(fauxqs);
    const topicArns = {} as Record<TopicKey, string>;
    for (const [key, topic] of Object.entries(TOPICS) as [TopicKey, (typeof TOPICS)[TopicKey]][]) {
      topicArns[key] = fauxqs.createTopic(`medpatch-${kebab(topic.id)}`).topicArn;
    }
    // Email and SMS endpoints are stood in for by one queue that records every delivery with its attributes.
    const capture = fauxqs.createQueue(LOCAL_ALERT_CAPTURE_QUEUE);
    fauxqs.subscribe({
      topic: `medpatch-${kebab(TOPICS.stakeholderAlerts.id)}`,
      queue: LOCAL_ALERT_CAPTURE_QUEUE,
    });
    const alertSubscriptions: LocalAlertSubscription[] = [];
    for (const sub of options.alertSubscriptions ?? DEMO_ALERT_ROUTING.subscriptions) {
      const queue = fauxqs.createQueue(`${LOCAL_ALERT_CAPTURE_QUEUE}-${sub.id}`);
      fauxqs.subscribe({
        topic: `medpatch-${kebab(TOPICS.stakeholderAlerts.id)}`,
        queue: `${LOCAL_ALERT_CAPTURE_QUEUE}-${sub.id}`,
        attributes: { FilterPolicy: JSON.stringify(filterPolicyFor(sub)) },
      });
      const { id, role, channel, endpoint } = sub;
      alertSubscriptions.push({ id, role, channel, endpoint, queueUrl: queue.queueUrl });
    }

    const cmms = options.cmms ?? {
      kind: 'servicenow',
      baseUrl: servicenow?.url ?? 'http://127.0.0.1:9',
      username: 'admin',
      password: 'admin',
    };
    const settings: Record<string, string> = {
      cmmsKind: cmms.kind,
      cmmsBaseUrl: cmms.baseUrl,
      cmmsSecretArn: '',
      cmmsWorkOrderTable: cmms.workOrderTable ?? 'change_request',
      hospital: 'demo',
    };
    const baseEnv: Record<string, string> = {
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: fauxqs.address,
      AWS_ENDPOINT_URL_SNS: fauxqs.address,
      // An IP endpoint makes the S3 client address buckets path-style (no *.localhost DNS needed).
      AWS_ENDPOINT_URL_S3: fauxqs.address,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9',
      // Lambda Invoke is served by the local runner, which replaces this with its own port; until then a closed
      // port, so a call never leaves the machine.
      AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9',
      [ENV.cmmsUsername]: cmms.username,
      [ENV.cmmsPassword]: cmms.password,
      [ENV.enrichmentHmacKey]: options.enrichmentHmacKey ?? LOCAL_ENRICHMENT_HMAC_KEY,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    };
    const resolve = (source: EnvSource): string => {
      if ('table' in source) return tableNames[source.table];
      if ('queueUrl' in source) return queueUrls[source.queueUrl];
      if ('topicArn' in source) return topicArns[source.topicArn];
      if ('bucketName' in source) return bucketNames[source.bucketName];
      if ('functionName' in source) return localFunctionName(source.functionName);
      if ('value' in source) return source.value;
      return settings[source.setting] ?? '';
    };
    const functionEnvironment = (key: FunctionKey): Record<string, string> => {
      const declared = FUNCTIONS[key].environment as Record<string, EnvSource>;
      return {
        ...baseEnv,
        ...Object.fromEntries(Object.entries(declared).map(([name, source]) => [name, resolve(source)])),
      };
    };
    // All functions run in one process locally, so their (non-conflicting) variables are merged.
    const env = Object.assign({}, ...(Object.keys(FUNCTIONS) as FunctionKey[]).map(functionEnvironment));

    let stopped: Promise<void> | null = null;
    return {
      env,
      tableNames,
      queueUrls,
      dlqUrls,
      topicArns,
      bucketNames,
      alertCaptureQueueUrl: capture.queueUrl,
      alertSubscriptions,
      servicenow,
      fauxqs,
      dynamoDbPid: dynamo.pid,
      functionEnvironment,
      resetStore,
      stop: () => {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/** A DynamoDB client on the local stack, for the CLI, benchmarks and tests that read the store directly. */
export function localDynamoDbClient(stack: Pick<LocalStack, 'env'>): DynamoDBClient {
  return localDynamoClient(stack.env.AWS_ENDPOINT_URL_DYNAMODB ?? '');
}

/** An SQS client on the local stack (the resolved endpoint is authoritative, as in the functions). */
export function localSqsClient(stack: Pick<LocalStack, 'env'>): SQSClient {
  return new SQSClient({
    endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    useQueueUrlAsEndpoint: false,
  });
}

async function deleteTables(endpoint: string, names: Record<TableKey, string>): Promise<void> {
  const client = localDynamoClient(endpoint);
  try {
    for (const name of Object.values(names)) await client.send(new DeleteTableCommand({ TableName: name }));
  } finally {
    client.destroy();
  }
}

async function createTables(endpoint: string): Promise<Record<TableKey, string>> {
  const client = localDynamoClient(endpoint);
  const names = {} as Record<TableKey, string>;
  try {
    for (const [key, table] of Object.entries(TABLES) as [TableKey, (typeof TABLES)[TableKey]][]) {
      const name = `medpatch-${kebab(table.id)}`;
      const attributes = new Set<string>([table.partitionKey, table.sortKey]);
      for (const index of table.globalIndexes) {
        attributes.add(index.partitionKey);
        attributes.add(index.sortKey);
      }
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [...attributes].map((AttributeName) => ({
            AttributeName,
            AttributeType: 'S',
          })),
          KeySchema: [
            { AttributeName: table.partitionKey, KeyType: 'HASH' },
            { AttributeName: table.sortKey, KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: table.globalIndexes.map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          })),
        }),
      );
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
        }),
      );
      names[key] = name;
    }
  } finally {
    client.destroy();
  }
  return names;
}

function createQueues(fauxqs: FauxqsServer) {
  const queueUrls = {} as Record<QueueKey, string>;
  const dlqUrls = {} as Record<QueueKey, string>;
  for (const [key, queue] of Object.entries(QUEUES) as [QueueKey, (typeof QUEUES)[QueueKey]][]) {
    const suffix = queue.fifo ? '.fifo' : '';
    const fifoAttributes: Record<string, string> = queue.fifo ? { FifoQueue: 'true' } : {};
    const base = `medpatch-${kebab(queue.id)}`;
    const dlq = fauxqs.createQueue(`${base}-dlq${suffix}`, { attributes: fifoAttributes });
    const main = fauxqs.createQueue(`${base}${suffix}`, {
      attributes: {
        ...fifoAttributes,
        VisibilityTimeout: String(LOCAL_VISIBILITY_TIMEOUT_SECONDS),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlq.queueArn,
          maxReceiveCount: String(queue.maxReceiveCount),
        }),
      },
    });
    queueUrls[key] = main.queueUrl;
    dlqUrls[key] = dlq.queueUrl;
  }
  return { queueUrls, dlqUrls };
}

function kebab(id: string): string {
  return id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
