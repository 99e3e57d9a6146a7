import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, type HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  type EnvSource,
  FUNCTIONS,
  type FunctionDeclaration,
  type FunctionKey,
  type FunctionTrigger,
  QUEUES,
  type QueueKey,
  TABLES,
  TOPICS,
} from '../shared/topology';
import { grantQueueSend, grantTableAccess, grantTopicPublish } from './access-grants';
import { FUNCTION_LOG_RETENTION, MedPatchFunction } from './constructs/medpatch-function';
import { MedPatchQueue } from './constructs/medpatch-queue';
import { MedPatchTable } from './constructs/medpatch-table';
import { MedPatchTopic } from './constructs/medpatch-topic';
import { type MedPatchSettings, parseSettings } from './settings';

/** The repository root: handler entries in the topology are relative to it. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Per-stage limits for the HTTP API; generous for operators and CMMS callbacks, tight for a runaway client. */
const API_THROTTLE = { rateLimit: 20, burstLimit: 40 };

export interface MedPatchStackProps extends StackProps {
  /** The hospital's deployment settings; validated again here so no caller can skip validation. */
  readonly settings: MedPatchSettings;
  /** Where `functions/` and `package-lock.json` live; defaults to this repository. */
  readonly projectRoot?: string;
}

function mapRecord<K extends string, V, R>(record: Record<K, V>, map: (value: V, key: K) => R): Record<K, R> {
  const entries = Object.entries(record) as [K, V][];
  return Object.fromEntries(entries.map(([key, value]) => [key, map(value, key)])) as Record<K, R>;
}

function sqsTriggers(declaration: FunctionDeclaration): Extract<FunctionTrigger, { kind: 'sqs' }>[] {
  return declaration.triggers.filter((trigger) => trigger.kind === 'sqs');
}

/** The longest timeout among the functions that consume each queue; a queue nobody consumes is a topology error. */
function consumerTimeouts(): Record<QueueKey, Duration> {
  const functions: readonly FunctionDeclaration[] = Object.values(FUNCTIONS);
  return mapRecord(QUEUES, (declaration, key) => {
    const timeouts = functions
      .filter((fn) => sqsTriggers(fn).some((trigger) => trigger.queue === key))
      .map((fn) => fn.timeoutSeconds);
    if (timeouts.length === 0) {
      throw new Error(`topology: queue '${key}' (${declaration.id}) has no consuming function`);
    }
    return Duration.seconds(Math.max(...timeouts));
  });
}

/**
 * MedPatch in one stack, generated from `shared/topology.ts`: the table, queues, topic and functions declared
 * there, each function's environment, triggers (SQS with partial batch responses, EventBridge Scheduler, an
 * IAM-authorized HTTP API) and least-privilege access exactly as declared. Nothing here lists a function or a
 * queue by name.
 */
export class MedPatchStack extends Stack {
  readonly tables: Record<keyof typeof TABLES, MedPatchTable>;
  readonly queues: Record<QueueKey, MedPatchQueue>;
  readonly topics: Record<keyof typeof TOPICS, MedPatchTopic>;
  readonly functions: Record<FunctionKey, MedPatchFunction>;
  readonly cmmsSecret: ISecret;
  readonly api: HttpApi | undefined;
  readonly apiStage: HttpStage | undefined;
  readonly logsKey: Key;

  constructor(scope: Construct, id: string, props: MedPatchStackProps) {
    super(scope, id, {
      description: 'MedPatch: manufacturer-validated security patch management for medical devices',
      ...props,
    });
    const settings = parseSettings(props.settings, `${id} settings`);
    const projectRoot = props.projectRoot ?? REPO_ROOT;

    this.logsKey = new Key(this, 'LogsKey', {
      description: 'Encrypts MedPatch function and API access logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts on the log groups' behalf (AWS's documented key policy), and only for log groups
    // of this account and region.
    this.logsKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*`,
          },
        },
      }),
    );

    this.tables = mapRecord(TABLES, (declaration) => new MedPatchTable(this, declaration.id, declaration));

    const timeouts = consumerTimeouts();
    this.queues = mapRecord(
      QUEUES,
      (declaration, key) =>
        new MedPatchQueue(this, declaration.id, {
          fifo: declaration.fifo,
          maxReceiveCount: declaration.maxReceiveCount,
          consumerTimeout: timeouts[key],
          purpose: declaration.purpose,
        }),
    );

    this.topics = mapRecord(
      TOPICS,
      (declaration) => new MedPatchTopic(this, declaration.id, { purpose: declaration.purpose }),
    );

    this.cmmsSecret = settings.cmmsSecretArn
      ? Secret.fromSecretCompleteArn(this, 'CmmsCredentials', settings.cmmsSecretArn)
      : new Secret(this, 'CmmsCredentials', {
          description:
            'MedPatch CMMS credentials (JSON: username, password); set the real values after deploy',
          generateSecretString: {
            secretStringTemplate: JSON.stringify({ username: 'medpatch' }),
            generateStringKey: 'password',
            excludePunctuation: true,
          },
          removalPolicy: RemovalPolicy.RETAIN,
        });

    const resolveEnv = (source: EnvSource): string => {
      if ('table' in source) return this.tables[source.table].table.tableName;
      if ('queueUrl' in source) return this.queues[source.queueUrl].queue.queueUrl;
      if ('topicArn' in source) return this.topics[source.topicArn].topic.topicArn;
      if ('value' in source) return source.value;
      if (source.setting === 'cmmsSecretArn') return this.cmmsSecret.secretArn;
      return settings[source.setting];
    };

    const httpRoutes: { fn: MedPatchFunction; trigger: Extract<FunctionTrigger, { kind: 'http' }> }[] = [];
    this.functions = mapRecord(FUNCTIONS, (declaration: FunctionDeclaration) => {
      const fn = new MedPatchFunction(this, declaration.id, {
        entry: join(projectRoot, declaration.entry),
        projectRoot,
        description: declaration.description,
        memoryMb: declaration.memoryMb,
        timeout: Duration.seconds(declaration.timeoutSeconds),
        serviceName: `medpatch-${basename(dirname(declaration.entry))}`,
        environment: Object.fromEntries(
          Object.entries(declaration.environment).map(([name, source]) => [name, resolveEnv(source)]),
        ),
        logEncryptionKey: this.logsKey,
        ...(declaration.reservedConcurrency === undefined
          ? {}
          : { reservedConcurrency: declaration.reservedConcurrency }),
      });
      this.grantDeclaredAccess(fn, declaration);

      declaration.triggers.forEach((trigger, index) => {
        switch (trigger.kind) {
          case 'sqs':
            fn.function.addEventSource(
              new SqsEventSource(this.queues[trigger.queue].queue, {
                batchSize: trigger.batchSize,
                reportBatchItemFailures: true,
              }),
            );
            break;
          case 'schedule':
            new Schedule(this, `${declaration.id}Schedule${index}`, {
              schedule: ScheduleExpression.expression(trigger.expression),
              description: `MedPatch: ${trigger.description}`,
              // Scheduler invokes asynchronously; a run older than an hour is superseded by the next one.
              target: new LambdaInvoke(fn.function, {
                // The shape of an EventBridge scheduled event, which handlers and the local runner already
                // accept, plus the Scheduler's own context for tracing a run back to its schedule.
                input: ScheduleTargetInput.fromObject({
                  'detail-type': 'Scheduled Event',
                  source: 'aws.scheduler',
                  time: ContextAttribute.scheduledTime,
                  resources: [ContextAttribute.scheduleArn],
                  detail: { description: trigger.description, executionId: ContextAttribute.executionId },
                }),
                role: this.schedulerRole(fn),
                retryAttempts: 2,
                maxEventAge: Duration.hours(1),
              }),
            });
            break;
          case 'http':
            httpRoutes.push({ fn, trigger });
            break;
        }
      });
      return fn;
    });

    if (httpRoutes.length > 0) {
      const api = new HttpApi(this, 'Api', {
        description: 'MedPatch API (IAM-authorized: callers sign requests with SigV4)',
        createDefaultStage: false,
        defaultAuthorizer: new HttpIamAuthorizer(),
      });
      const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
        retention: FUNCTION_LOG_RETENTION,
        encryptionKey: this.logsKey,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.apiStage = api.addStage('DefaultStage', {
        stageName: '$default',
        autoDeploy: true,
        throttle: API_THROTTLE,
        accessLogSettings: {
          destination: new LogGroupLogDestination(accessLogs),
          format: AccessLogFormat.jsonWithStandardFields(),
        },
      });
      for (const { fn, trigger } of httpRoutes) {
        api.addRoutes({
          path: trigger.path,
          methods: [HttpMethod[trigger.method]],
          integration: new HttpLambdaIntegration(`${fn.node.id}Integration`, fn.function),
        });
      }
      this.api = api;
      new CfnOutput(this, 'ApiUrl', { value: this.apiStage.url, description: 'MedPatch HTTP API base URL' });
    }

    for (const [key, queue] of Object.entries(this.queues)) {
      new CfnOutput(this, `${QUEUES[key as QueueKey].id}Url`, { value: queue.queue.queueUrl });
      new CfnOutput(this, `${QUEUES[key as QueueKey].id}DeadLetterUrl`, {
        value: queue.deadLetterQueue.queueUrl,
      });
    }
    for (const [key, topic] of Object.entries(this.topics)) {
      new CfnOutput(this, `${TOPICS[key as keyof typeof TOPICS].id}Arn`, { value: topic.topic.topicArn });
    }
    new CfnOutput(this, 'CmmsSecretArn', { value: this.cmmsSecret.secretArn });
  }

  /** One role per scheduled function, so the scheduler can invoke that function and nothing else. */
  private schedulerRole(fn: MedPatchFunction): Role {
    const existing = fn.node.tryFindChild('SchedulerRole');
    if (existing instanceof Role) return existing;
    return new Role(fn, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: 'Lets EventBridge Scheduler invoke one MedPatch function',
    });
  }

  /** Turns a declaration's `access` into narrowly scoped statements on the function's role. */
  private grantDeclaredAccess(fn: MedPatchFunction, declaration: FunctionDeclaration): void {
    const { access } = declaration;
    for (const table of access.tableRead ?? []) grantTableAccess(fn.function, this.tables[table], 'read');
    for (const table of access.tableWrite ?? []) grantTableAccess(fn.function, this.tables[table], 'write');
    for (const queue of access.queueSend ?? []) {
      grantQueueSend(fn.function, this.queues[queue].queue, this.queues[queue].key);
    }
    for (const topic of access.topicPublish ?? []) {
      grantTopicPublish(fn.function, this.topics[topic].topic, this.topics[topic].key);
    }
    if (access.cmmsSecret) this.cmmsSecret.grantRead(fn.function);
  }
}
