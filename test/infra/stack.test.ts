import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeNagFindings, medPatchNagPacks } from '../../infra/nag';
import { DEV_SETTINGS } from '../../infra/settings';
import { MedPatchStack } from '../../infra/stack';
import {
  BUCKETS,
  type BucketKey,
  type EnvSource,
  FUNCTIONS,
  type FunctionDeclaration,
  type FunctionKey,
  QUEUES,
  type QueueKey,
  TABLES,
} from '../../shared/topology';

interface CfnResourceJson<P> {
  Type: string;
  Properties: P;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
interface QueueProperties {
  KmsMasterKeyId?: unknown;
  VisibilityTimeout?: number;
  FifoQueue?: boolean;
  RedrivePolicy?: { deadLetterTargetArn: unknown; maxReceiveCount: number };
}
interface FunctionProperties {
  Runtime: string;
  Architectures: string[];
  TracingConfig?: { Mode: string };
  Timeout: number;
  Role: unknown;
  LoggingConfig?: { LogGroup?: { Ref: string } };
  Environment?: { Variables: Record<string, unknown> };
  DeadLetterConfig?: { TargetArn: unknown };
}
interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
interface PolicyProperties {
  PolicyDocument: { Statement: PolicyStatementJson[] };
  Roles: { Ref: string }[];
}

const DATA_PLANE = /^(dynamodb|sqs|sns|secretsmanager|kms|s3):/;

let app: App;
let stack: MedPatchStack;
let template: Template;

function resourcesOf<P>(type: string): [string, CfnResourceJson<P>][] {
  return Object.entries(template.findResources(type) as Record<string, CfnResourceJson<P>>);
}

/** Order-insensitive comparison of resolved CloudFormation values. */
function sortedJson(values: unknown[]): string[] {
  return values.map((value) => JSON.stringify(value)).sort();
}

function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** Logical id behind a `{ Ref }` or `{ Fn::GetAtt: [id, …] }` value. */
function logicalIdOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if ('Ref' in value && typeof value.Ref === 'string') return value.Ref;
  if ('Fn::GetAtt' in value && Array.isArray(value['Fn::GetAtt'])) {
    const [id] = value['Fn::GetAtt'];
    return typeof id === 'string' ? id : undefined;
  }
  return undefined;
}

/** Inline (AWS::IAM::Policy) and customer-managed policies alike: a grant must not hide in either. */
function permissionPolicies(): [string, CfnResourceJson<PolicyProperties>][] {
  return [
    ...resourcesOf<PolicyProperties>('AWS::IAM::Policy'),
    ...resourcesOf<PolicyProperties>('AWS::IAM::ManagedPolicy'),
  ];
}

function statementsOfFunction(key: FunctionKey): PolicyStatementJson[] {
  const roleId = stack.getLogicalId(stack.functions[key].role.node.defaultChild as CfnRole);
  return permissionPolicies()
    .filter(([, policy]) => policy.Properties.Roles.some((role) => role.Ref === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}

/** Resolved resources of every Allow statement of a function's role that includes `action`. */
function resourcesGranted(key: FunctionKey, action: string): unknown[] {
  return statementsOfFunction(key)
    .filter((statement) => statement.Effect === 'Allow' && asArray(statement.Action).includes(action))
    .flatMap((statement) => asArray(statement.Resource));
}

const functionEntries = Object.entries(FUNCTIONS) as [FunctionKey, FunctionDeclaration][];
const bucketEntries = Object.entries(BUCKETS) as [BucketKey, (typeof BUCKETS)[BucketKey]][];

/** `arn:…:<bucket>/<declared prefix>*` of a topology bucket, as CloudFormation renders it. */
function prefixObjectsOf(key: BucketKey): unknown {
  return stack.resolve(stack.buckets[key].objectsArn());
}

function isBucketPrefixObjects(resource: unknown): boolean {
  const json = JSON.stringify(resource);
  return bucketEntries.some(([key]) => JSON.stringify(prefixObjectsOf(key)) === json);
}

beforeAll(() => {
  app = new App();
  stack = new MedPatchStack(app, 'MedPatchTest', { settings: DEV_SETTINGS });
  acknowledgeNagFindings(stack);
  template = Template.fromStack(stack);
});

describe('SQS consumers', () => {
  it('report partial batch failures on every SQS event source mapping', () => {
    const mappings = resourcesOf<{ FunctionResponseTypes?: string[] }>('AWS::Lambda::EventSourceMapping');

    expect(mappings.length).toBeGreaterThan(0);
    for (const [id, mapping] of mappings) {
      expect(mapping.Properties.FunctionResponseTypes, id).toEqual(['ReportBatchItemFailures']);
    }
  });

  it('wires each declared sqs trigger to its queue with the declared batch size', () => {
    const mappings = resourcesOf<{ EventSourceArn: unknown; FunctionName: unknown; BatchSize: number }>(
      'AWS::Lambda::EventSourceMapping',
    );

    for (const [key, declaration] of functionEntries) {
      for (const trigger of declaration.triggers) {
        if (trigger.kind !== 'sqs') continue;
        const expected = {
          EventSourceArn: stack.resolve(stack.queues[trigger.queue].queue.queueArn),
          FunctionName: stack.resolve(stack.functions[key].function.functionName),
          BatchSize: trigger.batchSize,
        };
        expect(
          mappings.some(([, m]) => expect.objectContaining(expected).asymmetricMatch(m.Properties)),
          `${key} ← ${trigger.queue}`,
        ).toBe(true);
      }
    }
  });

  it('hides a message for at least 6 × the timeout of the function consuming its queue', () => {
    const queues = Object.fromEntries(resourcesOf<QueueProperties>('AWS::SQS::Queue'));
    const functions = Object.fromEntries(resourcesOf<FunctionProperties>('AWS::Lambda::Function'));
    const mappings = resourcesOf<{ EventSourceArn: unknown; FunctionName: unknown }>(
      'AWS::Lambda::EventSourceMapping',
    );

    for (const [id, mapping] of mappings) {
      const queue = queues[logicalIdOf(mapping.Properties.EventSourceArn) ?? ''];
      const fn = functions[logicalIdOf(mapping.Properties.FunctionName) ?? ''];
      expect(queue, id).toBeDefined();
      expect(fn, id).toBeDefined();
      expect(queue?.Properties.VisibilityTimeout ?? 30, id).toBeGreaterThanOrEqual(
        6 * (fn?.Properties.Timeout ?? 0),
      );
    }
  });
});

describe('queues', () => {
  it('gives every queue that is not itself a DLQ a redrive policy with the declared maxReceiveCount', () => {
    const queues = resourcesOf<QueueProperties>('AWS::SQS::Queue');
    const functionDeadLetters = resourcesOf<FunctionProperties>('AWS::Lambda::Function').map(([, fn]) =>
      logicalIdOf(fn.Properties.DeadLetterConfig?.TargetArn),
    );
    const deadLetterIds = new Set(
      [
        ...queues.map(([, q]) => logicalIdOf(q.Properties.RedrivePolicy?.deadLetterTargetArn)),
        ...functionDeadLetters,
      ].filter(Boolean),
    );

    const mainQueues = queues.filter(([id]) => !deadLetterIds.has(id));
    expect(mainQueues.length).toBe(Object.keys(QUEUES).length);
    for (const [id, queue] of mainQueues) {
      expect(queue.Properties.RedrivePolicy?.maxReceiveCount, id).toBeGreaterThan(0);
    }
    for (const [key, declaration] of Object.entries(QUEUES) as [QueueKey, (typeof QUEUES)[QueueKey]][]) {
      const id = stack.getLogicalId(stack.queues[key].queue.node.defaultChild as CfnElement);
      const queue = queues.find(([queueId]) => queueId === id)?.[1];
      expect(queue?.Properties.RedrivePolicy?.maxReceiveCount, key).toBe(declaration.maxReceiveCount);
    }
  });

  it('makes the DLQ of a FIFO queue FIFO too, and keeps dead letters for 14 days', () => {
    for (const [key, declaration] of Object.entries(QUEUES) as [QueueKey, (typeof QUEUES)[QueueKey]][]) {
      const dlq = stack.resolve(stack.queues[key].deadLetterQueue.queueArn);
      const [, dlqJson] =
        resourcesOf<QueueProperties & { MessageRetentionPeriod?: number }>('AWS::SQS::Queue').find(
          ([id]) => id === logicalIdOf(dlq),
        ) ?? [];

      expect(dlqJson?.Properties.FifoQueue === true, key).toBe(declaration.fifo);
      expect(dlqJson?.Properties.MessageRetentionPeriod, key).toBe(14 * 24 * 3600);
    }
  });

  it('raises an alarm as soon as any dead-letter queue holds a message', () => {
    const queues = resourcesOf<QueueProperties>('AWS::SQS::Queue');
    const deadLetterIds = queues
      .map(([, q]) => logicalIdOf(q.Properties.RedrivePolicy?.deadLetterTargetArn))
      .filter((id): id is string => id !== undefined);
    const alarms = resourcesOf<{
      MetricName: string;
      Namespace: string;
      Threshold: number;
      ComparisonOperator: string;
      Dimensions: { Name: string; Value: unknown }[];
    }>('AWS::CloudWatch::Alarm');

    expect(deadLetterIds.length).toBe(Object.keys(QUEUES).length);
    for (const dlqId of deadLetterIds) {
      const alarm = alarms.find(([, a]) =>
        a.Properties.Dimensions.some((d) => d.Name === 'QueueName' && logicalIdOf(d.Value) === dlqId),
      );
      expect(alarm, dlqId).toBeDefined();
      expect(alarm?.[1].Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });
});

describe('encryption at rest and in transit', () => {
  const isCustomerKey = (value: unknown): boolean => {
    const id = logicalIdOf(value);
    return id !== undefined && template.toJSON().Resources[id]?.Type === 'AWS::KMS::Key';
  };

  it('encrypts every queue, including DLQs, with a customer-managed KMS key', () => {
    for (const [id, queue] of resourcesOf<QueueProperties>('AWS::SQS::Queue')) {
      expect(isCustomerKey(queue.Properties.KmsMasterKeyId), id).toBe(true);
    }
  });

  it('encrypts every table and topic with a customer-managed KMS key', () => {
    const tables = resourcesOf<{ SSESpecification?: { SSEEnabled: boolean; KMSMasterKeyId?: unknown } }>(
      'AWS::DynamoDB::Table',
    );
    const topics = resourcesOf<{ KmsMasterKeyId?: unknown }>('AWS::SNS::Topic');

    expect(tables.length).toBe(Object.keys(TABLES).length);
    for (const [id, table] of tables) {
      expect(table.Properties.SSESpecification?.SSEEnabled, id).toBe(true);
      expect(isCustomerKey(table.Properties.SSESpecification?.KMSMasterKeyId), id).toBe(true);
    }
    expect(topics.length).toBeGreaterThan(0);
    for (const [id, topic] of topics) expect(isCustomerKey(topic.Properties.KmsMasterKeyId), id).toBe(true);
  });

  it('rotates every KMS key', () => {
    for (const [id, key] of resourcesOf<{ EnableKeyRotation?: boolean }>('AWS::KMS::Key')) {
      expect(key.Properties.EnableKeyRotation, id).toBe(true);
    }
  });

  it('denies non-TLS access to every queue and topic', () => {
    const denyInsecure = {
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
    const queuePolicies = resourcesOf<{ Queues: unknown[]; PolicyDocument: { Statement: unknown[] } }>(
      'AWS::SQS::QueuePolicy',
    );
    const topicPolicies = resourcesOf<{ Topics: unknown[]; PolicyDocument: { Statement: unknown[] } }>(
      'AWS::SNS::TopicPolicy',
    );

    for (const [id] of resourcesOf('AWS::SQS::Queue')) {
      const policy = queuePolicies.find(([, p]) => p.Properties.Queues.some((q) => logicalIdOf(q) === id));
      expect(policy?.[1].Properties.PolicyDocument.Statement, id).toContainEqual(
        expect.objectContaining(denyInsecure),
      );
    }
    for (const [id] of resourcesOf('AWS::SNS::Topic')) {
      const policy = topicPolicies.find(([, p]) => p.Properties.Topics.some((t) => logicalIdOf(t) === id));
      expect(policy?.[1].Properties.PolicyDocument.Statement, id).toContainEqual(
        expect.objectContaining(denyInsecure),
      );
    }
  });
});

describe('the reports bucket', () => {
  interface BucketProperties {
    BucketEncryption?: {
      ServerSideEncryptionConfiguration: {
        ServerSideEncryptionByDefault: { SSEAlgorithm: string; KMSMasterKeyID?: unknown };
        BucketKeyEnabled?: boolean;
      }[];
    };
    PublicAccessBlockConfiguration?: Record<string, boolean>;
    VersioningConfiguration?: { Status: string };
    LoggingConfiguration?: { DestinationBucketName?: unknown };
    LifecycleConfiguration?: {
      Rules: { Status: string; Prefix?: string; ExpirationInDays?: number }[];
    };
  }
  const bucketJson = (key: BucketKey) => {
    const id = stack.getLogicalId(stack.buckets[key].bucket.node.defaultChild as CfnElement);
    return { id, resource: template.toJSON().Resources[id] as CfnResourceJson<BucketProperties> };
  };

  it('encrypts reports with its own rotating customer-managed KMS key (SSE-KMS, bucket keys on)', () => {
    for (const [key] of bucketEntries) {
      const { id, resource } = bucketJson(key);
      const [rule] = resource.Properties.BucketEncryption?.ServerSideEncryptionConfiguration ?? [];
      expect(rule?.ServerSideEncryptionByDefault.SSEAlgorithm, id).toBe('aws:kms');
      expect(rule?.ServerSideEncryptionByDefault.KMSMasterKeyID, id).toEqual(
        stack.resolve(stack.buckets[key].key.keyArn),
      );
      expect(rule?.BucketKeyEnabled, id).toBe(true);
    }
  });

  it('blocks every kind of public access, denies requests without TLS and uploads under another key', () => {
    const policies = resourcesOf<{ Bucket: unknown; PolicyDocument: { Statement: unknown[] } }>(
      'AWS::S3::BucketPolicy',
    );
    for (const [key] of bucketEntries) {
      const { id, resource } = bucketJson(key);
      expect(resource.Properties.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const policy = policies.find(([, p]) => logicalIdOf(p.Properties.Bucket) === id);
      expect(policy?.[1].Properties.PolicyDocument.Statement, id).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      // Uploads that ask for another key, for aws/s3 (aws:kms without a key id) or for SSE-S3 are refused.
      const keyArn = stack.resolve(stack.buckets[key].key.keyArn);
      const sse = 's3:x-amz-server-side-encryption';
      const denies = policy?.[1].Properties.PolicyDocument.Statement.filter(
        (statement) => (statement as { Effect: string; Action: unknown }).Effect === 'Deny',
      );
      expect(denies, id).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Action: 's3:PutObject',
            Condition: { StringNotEqualsIfExists: { [sse]: 'aws:kms' } },
          }),
          expect.objectContaining({
            Action: 's3:PutObject',
            Condition: { StringNotEqualsIfExists: { [`${sse}-aws-kms-key-id`]: keyArn } },
          }),
          expect.objectContaining({
            Action: 's3:PutObject',
            Condition: { StringEquals: { [sse]: 'aws:kms' }, Null: { [`${sse}-aws-kms-key-id`]: 'true' } },
          }),
        ]),
      );
    }
  });

  it('is versioned, logs access, expires reports after the declared retention and survives stack deletion', () => {
    for (const [key, declaration] of bucketEntries) {
      const { id, resource } = bucketJson(key);
      expect(resource.Properties.VersioningConfiguration?.Status, id).toBe('Enabled');
      expect(logicalIdOf(resource.Properties.LoggingConfiguration?.DestinationBucketName), id).toBe(
        stack.getLogicalId(stack.buckets[key].accessLogs.node.defaultChild as CfnElement),
      );
      expect(resource.Properties.LifecycleConfiguration?.Rules, id).toContainEqual(
        expect.objectContaining({
          Status: 'Enabled',
          Prefix: declaration.prefix,
          ExpirationInDays: declaration.retentionDays,
        }),
      );
      expect(resource.DeletionPolicy, id).toBe('Retain');
    }
  });

  it('lets only the functions that declare it write (PutObject) or read (GetObject, prefix-listing) reports', () => {
    for (const [key, declaration] of functionEntries) {
      const s3Statements = statementsOfFunction(key).filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('s3:')),
      );
      const writes = declaration.access.bucketWrite ?? [];
      const reads = declaration.access.bucketRead ?? [];
      const s3Actions = s3Statements.flatMap((statement) => asArray(statement.Action)).sort();
      expect(s3Actions, key).toEqual(
        [
          ...(writes.length > 0 ? ['s3:PutObject'] : []),
          ...(reads.length > 0 ? ['s3:GetObject', 's3:ListBucket'] : []),
        ].sort(),
      );
      expect(sortedJson(resourcesGranted(key, 's3:PutObject')), key).toEqual(
        sortedJson(writes.map(prefixObjectsOf)),
      );
      expect(sortedJson(resourcesGranted(key, 's3:GetObject')), key).toEqual(
        sortedJson(reads.map(prefixObjectsOf)),
      );
      for (const statement of s3Statements.filter((s) => asArray(s.Action).includes('s3:ListBucket'))) {
        expect(statement.Condition, key).toEqual({
          StringLike: { 's3:prefix': reads.map((b) => `${BUCKETS[b].prefix}*`) },
        });
      }
    }
    expect(FUNCTIONS.postureReport.access.bucketWrite).toEqual(['reports']);
  });
});

describe('the evidence table', () => {
  it('has point-in-time recovery and deletion protection and is retained on stack deletion', () => {
    for (const [id, table] of resourcesOf<{
      PointInTimeRecoverySpecification?: { PointInTimeRecoveryEnabled: boolean };
      DeletionProtectionEnabled?: boolean;
      BillingMode?: string;
    }>('AWS::DynamoDB::Table')) {
      expect(table.Properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled, id).toBe(true);
      expect(table.Properties.DeletionProtectionEnabled, id).toBe(true);
      expect(table.Properties.BillingMode, id).toBe('PAY_PER_REQUEST');
      expect(table.DeletionPolicy, id).toBe('Retain');
      expect(table.UpdateReplacePolicy, id).toBe('Retain');
    }
  });

  it('has the TTL attribute and global indexes the topology declares', () => {
    const declaration = TABLES.main;

    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: declaration.ttlAttribute, Enabled: true },
      GlobalSecondaryIndexes: declaration.globalIndexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    });
  });
});

describe('functions', () => {
  it('runs every Lambda on nodejs22.x, arm64, with active tracing and a log group that expires', () => {
    const logGroups = Object.fromEntries(resourcesOf<{ RetentionInDays?: number }>('AWS::Logs::LogGroup'));
    const functions = resourcesOf<FunctionProperties>('AWS::Lambda::Function');

    expect(functions.length).toBe(functionEntries.length);
    for (const [id, fn] of functions) {
      expect(fn.Properties.Runtime, id).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig?.Mode, id).toBe('Active');
      const logGroup = logGroups[fn.Properties.LoggingConfig?.LogGroup?.Ref ?? ''];
      expect(logGroup?.Properties.RetentionInDays, id).toBeGreaterThan(0);
      expect(logGroup?.DeletionPolicy, id).toBe('Retain');
    }
  });

  it('sets memory, timeout and reserved concurrency exactly as declared', () => {
    for (const [key, declaration] of functionEntries) {
      const id = stack.getLogicalId(stack.functions[key].function.node.defaultChild as CfnElement);
      const fn = template.toJSON().Resources[id];

      expect(fn?.Properties.MemorySize, key).toBe(declaration.memoryMb);
      expect(fn?.Properties.Timeout, key).toBe(declaration.timeoutSeconds);
      expect(fn?.Properties.ReservedConcurrentExecutions, key).toBe(declaration.reservedConcurrency);
    }
  });

  it('resolves every declared environment variable from its source', () => {
    const expectedValue = (source: EnvSource): unknown => {
      if ('table' in source) return stack.resolve(stack.tables[source.table].table.tableName);
      if ('queueUrl' in source) return stack.resolve(stack.queues[source.queueUrl].queue.queueUrl);
      if ('topicArn' in source) return stack.resolve(stack.topics[source.topicArn].topic.topicArn);
      if ('bucketName' in source) return stack.resolve(stack.buckets[source.bucketName].bucket.bucketName);
      if ('functionName' in source)
        return stack.resolve(stack.functions[source.functionName].function.functionName);
      if ('value' in source) return source.value;
      if (source.setting === 'cmmsSecretArn') return stack.resolve(stack.cmmsSecret.secretArn);
      // Optional settings DEV_SETTINGS leaves out are not set at all.
      if (source.setting === 'cmmsFieldMap' || source.setting === 'policy') return undefined;
      return DEV_SETTINGS[source.setting];
    };

    for (const [key, declaration] of functionEntries) {
      const id = stack.getLogicalId(stack.functions[key].function.node.defaultChild as CfnElement);
      const variables = template.toJSON().Resources[id]?.Properties.Environment.Variables;

      for (const [name, source] of Object.entries(declaration.environment)) {
        expect(variables?.[name], `${key}.${name}`).toEqual(expectedValue(source));
      }
      expect(variables?.POWERTOOLS_SERVICE_NAME, key).toEqual(expect.any(String));
      expect(variables?.NODE_OPTIONS, key).toBe('--enable-source-maps');
    }
  });
});

describe('triggers', () => {
  it('invokes each scheduled function from an EventBridge Scheduler schedule with the declared expression', () => {
    const schedules = resourcesOf<{ ScheduleExpression: string; Target: { Arn: unknown } }>(
      'AWS::Scheduler::Schedule',
    );

    for (const [key, declaration] of functionEntries) {
      for (const trigger of declaration.triggers) {
        if (trigger.kind !== 'schedule') continue;
        const functionArn = stack.resolve(stack.functions[key].function.functionArn);
        expect(
          schedules.some(
            ([, s]) =>
              s.Properties.ScheduleExpression === trigger.expression &&
              JSON.stringify(s.Properties.Target.Arn) === JSON.stringify(functionArn),
          ),
          key,
        ).toBe(true);
      }
    }
  });

  it('exposes each http trigger as a route authorized as declared (IAM by default) on a throttled, access-logged stage', () => {
    const routes = resourcesOf<{ RouteKey: string; AuthorizationType: string }>('AWS::ApiGatewayV2::Route');
    const declared = functionEntries.flatMap(([key, declaration]) =>
      declaration.triggers.flatMap((trigger) =>
        trigger.kind === 'http'
          ? [{ key, routeKey: `${trigger.method} ${trigger.path}`, auth: trigger.auth ?? 'iam' }]
          : [],
      ),
    );

    expect(routes.length).toBe(declared.length);
    for (const { key, routeKey, auth } of declared) {
      const route = routes.find(([, r]) => r.Properties.RouteKey === routeKey);
      // An HMAC route has no API authorizer: its function verifies the signature before anything else.
      expect(route?.[1].Properties.AuthorizationType, `${key} ${routeKey}`).toBe(
        auth === 'hmac' ? 'NONE' : 'AWS_IAM',
      );
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('identity.caller'),
      },
    });
  });
});

describe('least privilege', () => {
  it('names every action and every resource in statements that grant data-plane access', () => {
    // X-Ray (xray:PutTraceSegments, xray:PutTelemetryRecords) has no resource-level permissions and needs
    // Resource "*"; it is not data-plane access to MedPatch data and is therefore outside this check.
    const offending = permissionPolicies().flatMap(([id, policy]) =>
      policy.Properties.PolicyDocument.Statement.filter((statement) => {
        const actions = asArray(statement.Action);
        if (!actions.some((action) => DATA_PLANE.test(action))) return false;
        // S3 objects are named by key: the one allowed "*" ends a declared bucket prefix (`<bucket>/reports/*`).
        const resources = asArray(statement.Resource).filter((resource) => !isBucketPrefixObjects(resource));
        return actions.some((action) => action.includes('*')) || JSON.stringify(resources).includes('*');
      }).map((statement) => ({ id, statement })),
    );

    expect(offending).toEqual([]);
  });

  it('uses Resource "*" only for X-Ray, which supports no resource-level permissions', () => {
    const wildcardActions = permissionPolicies().flatMap(([, policy]) =>
      policy.Properties.PolicyDocument.Statement.filter((statement) =>
        asArray(statement.Resource).includes('*'),
      ).flatMap((statement) => asArray(statement.Action)),
    );

    expect(wildcardActions.filter((action) => !action.startsWith('xray:'))).toEqual([]);
  });

  it('grants each function exactly the queues, topics, table writes and secret its topology access names', () => {
    for (const [key, declaration] of functionEntries) {
      const { access } = declaration;
      // A scheduled function also sends its own failed asynchronous invocations to its DLQ.
      const ownDeadLetters = stack.functions[key].deadLetterQueue;
      const sendTo = [
        ...(access.queueSend ?? []).map((q) => stack.resolve(stack.queues[q].queue.queueArn)),
        ...(ownDeadLetters ? [stack.resolve(ownDeadLetters.queueArn)] : []),
      ];
      const publishTo = (access.topicPublish ?? []).map((t) => stack.resolve(stack.topics[t].topic.topicArn));
      const writeTo = (access.tableWrite ?? []).map((t) => stack.resolve(stack.tables[t].table.tableArn));
      const readFrom = (access.tableRead ?? []).flatMap((t) =>
        stack.tables[t].resourceArns.map((arn) => stack.resolve(arn)),
      );
      const dataKeys = [
        ...(access.queueSend ?? []).map((q) => stack.resolve(stack.queues[q].key.keyArn)),
        ...(access.topicPublish ?? []).map((t) => stack.resolve(stack.topics[t].key.keyArn)),
        ...(access.tableWrite ?? []).map((t) => stack.resolve(stack.tables[t].key.keyArn)),
        ...(access.bucketWrite ?? []).map((b) => stack.resolve(stack.buckets[b].key.keyArn)),
        ...(ownDeadLetters ? [stack.resolve(stack.failedInvocationsKey.keyArn)] : []),
      ];

      expect(sortedJson(resourcesGranted(key, 'sqs:SendMessage')), `${key} sqs:SendMessage`).toEqual(
        sortedJson(sendTo),
      );
      expect(sortedJson(resourcesGranted(key, 'sns:Publish')), `${key} sns:Publish`).toEqual(
        sortedJson(publishTo),
      );
      expect(sortedJson(resourcesGranted(key, 'dynamodb:PutItem')), `${key} dynamodb:PutItem`).toEqual(
        sortedJson(writeTo),
      );
      expect(sortedJson(resourcesGranted(key, 'dynamodb:Query')), `${key} dynamodb:Query`).toEqual(
        sortedJson(readFrom),
      );
      expect(sortedJson(resourcesGranted(key, 'kms:GenerateDataKey')), `${key} kms:GenerateDataKey`).toEqual(
        sortedJson(dataKeys),
      );
      expect(resourcesGranted(key, 'secretsmanager:GetSecretValue').length, `${key} secret`).toBe(
        access.cmmsSecret ? 1 : 0,
      );
      const invoke = (access.invoke ?? []).map((f) => stack.resolve(stack.functions[f].function.functionArn));
      expect(
        sortedJson(resourcesGranted(key, 'lambda:InvokeFunction')),
        `${key} lambda:InvokeFunction`,
      ).toEqual(sortedJson(invoke));
    }
  });

  it('lets only advisory-ingest and feed-poll invoke csaf-validator, which itself reaches no data and no trigger', () => {
    const validatorArn = stack.resolve(stack.functions.csafValidator.function.functionArn);
    const invokers = functionEntries
      .filter(([key]) => resourcesGranted(key, 'lambda:InvokeFunction').length > 0)
      .map(([key]) => key);
    expect(invokers.sort()).toEqual(['advisoryIngest', 'feedPoll']);
    for (const key of invokers)
      expect(resourcesGranted(key, 'lambda:InvokeFunction')).toEqual([validatorArn]);

    const validatorActions = statementsOfFunction('csafValidator').flatMap((st) => asArray(st.Action));
    expect(
      validatorActions.filter((action) => /^(dynamodb|sqs|sns|secretsmanager|kms|s3|lambda):/.test(action)),
    ).toEqual([]);
    // Function-to-function grants name one function, never `<arn>:*`.
    const invokeGrants = functionEntries.flatMap(([key]) => resourcesGranted(key, 'lambda:InvokeFunction'));
    expect(JSON.stringify(invokeGrants)).not.toContain('*');
    const validatorId = stack.getLogicalId(
      stack.functions.csafValidator.function.node.defaultChild as CfnElement,
    );
    const mappings = resourcesOf<{ FunctionName: unknown }>('AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => JSON.stringify(m.Properties.FunctionName).includes(validatorId),
    );
    expect(mappings).toEqual([]);
    expect(stack.functions.csafValidator.deadLetterQueue).toBeUndefined();
    expect(JSON.stringify(template.findResources('AWS::Scheduler::Schedule'))).not.toContain(validatorId);
    expect(JSON.stringify(template.findResources('AWS::ApiGatewayV2::Integration'))).not.toContain(
      validatorId,
    );
  });

  it('does not let the matcher send to the work-order queue or publish alerts', () => {
    const workOrderQueue = stack.resolve(stack.queues.workOrders.queue.queueArn);

    expect(resourcesGranted('matcher', 'sqs:SendMessage')).not.toContainEqual(workOrderQueue);
    expect(resourcesGranted('matcher', 'sns:Publish')).toEqual([]);
  });

  it('keeps CMMS credentials away from functions that do not call the CMMS', () => {
    expect(resourcesGranted('matcher', 'secretsmanager:GetSecretValue')).toEqual([]);
    expect(resourcesGranted('prioritizer', 'secretsmanager:GetSecretValue')).toEqual([]);
    expect(resourcesGranted('dispatcher', 'secretsmanager:GetSecretValue')).toEqual([
      stack.resolve(stack.cmmsSecret.secretArn),
    ]);
  });
});

describe('cdk-nag', () => {
  it('leaves no unacknowledged AwsSolutions, HIPAA Security, Serverless or MedPatch error or warning', () => {
    // cdk-nag 3 reports through CDK's policy-validation plugins, not annotations, so the findings are read from
    // the plugin report (the same packs and acknowledgements the app uses).
    const errors = medPatchNagPacks(app)
      .flatMap((pack) => pack.validateScope(app).violations)
      .filter((violation) => violation.severity === 'error' || violation.severity === 'warning')
      .flatMap((violation) =>
        violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
      );

    expect(errors).toEqual([]);
  });
});
