import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpRoute,
  type HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Peer, Port, SecurityGroup, Vpc } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
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
import { Subscription, SubscriptionFilter, SubscriptionProtocol } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  BUCKETS,
  type BucketKey,
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
import {
  grantBucketRead,
  grantBucketWrite,
  grantFunctionInvoke,
  grantQueueSend,
  grantSecretRead,
  grantTableAccess,
  grantTopicPublish,
} from './access-grants';
import { MedPatchBackup } from './constructs/medpatch-backup';
import { MedPatchBucket } from './constructs/medpatch-bucket';
import { FUNCTION_LOG_RETENTION, MedPatchFunction } from './constructs/medpatch-function';
import { MedPatchQueue } from './constructs/medpatch-queue';
import { MedPatchRole } from './constructs/medpatch-role';
import { MedPatchTable } from './constructs/medpatch-table';
import { MedPatchTopic } from './constructs/medpatch-topic';
import { MedPatchMonitoring } from './monitoring';
import { type MedPatchSettings, parseSettings, readPolicy } from './settings';

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
  readonly buckets: Record<BucketKey, MedPatchBucket>;
  readonly functions: Record<FunctionKey, MedPatchFunction>;
  readonly cmmsSecret: ISecret;
  /** The key the CMMS secret is encrypted with, when it is a customer-managed one. */
  readonly cmmsSecretKey: IKey | undefined;
  readonly api: HttpApi | undefined;
  /** Routes without an API authorizer, whose functions verify an HMAC signature (`auth: 'hmac'`). */
  readonly hmacRoutes: HttpRoute[] = [];
  readonly apiStage: HttpStage | undefined;
  readonly logsKey: Key;
  readonly backup: MedPatchBackup;
  /** Encrypts the dead-letter queues of the scheduled (asynchronously invoked) functions. */
  readonly failedInvocationsKey: Key;
  readonly monitoring: MedPatchMonitoring;
  /** Functions that have a security group, when the hospital runs them in its VPC. */
  readonly functionsSecurityGroup: SecurityGroup | undefined;
  /** DLQ of the email / SMS subscriptions; only when the settings subscribe someone. */
  undeliveredNotifications: Queue | undefined;
  undeliveredNotificationsAlarm: Alarm | undefined;
  /** The settings this stack was built from, after validation. */
  readonly settings: MedPatchSettings;

  constructor(scope: Construct, id: string, props: MedPatchStackProps) {
    super(scope, id, {
      description: 'MedPatch: manufacturer-validated security patch management for medical devices',
      ...props,
    });
    const settings = parseSettings(props.settings, `${id} settings`);
    this.settings = settings;
    const projectRoot = props.projectRoot ?? REPO_ROOT;
    Tags.of(this).add('medpatch:hospital', settings.hospital);
    Tags.of(this).add('medpatch:stage', settings.stage);

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
    this.backup = new MedPatchBackup(this, 'Backup', {
      tables: Object.values(this.tables).map((table) => table.table),
      retentionDays: settings.backup.retentionDays,
    });

    this.topics = mapRecord(
      TOPICS,
      (declaration, key) =>
        new MedPatchTopic(this, declaration.id, {
          purpose: declaration.purpose,
          acceptsAlarms: key === 'opsAlerts',
        }),
    );
    this.buckets = mapRecord(
      BUCKETS,
      (declaration) =>
        new MedPatchBucket(this, declaration.id, {
          purpose: declaration.purpose,
          prefix: declaration.prefix,
          retentionDays: declaration.retentionDays,
        }),
    );
    const alarmAction = new SnsAction(this.topics.opsAlerts.topic);
    this.subscribeAudiences(settings, alarmAction);

    const timeouts = consumerTimeouts();
    this.queues = mapRecord(
      QUEUES,
      (declaration, key) =>
        new MedPatchQueue(this, declaration.id, {
          fifo: declaration.fifo,
          maxReceiveCount: declaration.maxReceiveCount,
          consumerTimeout: timeouts[key],
          purpose: declaration.purpose,
          alarmAction,
        }),
    );

    this.cmmsSecretKey = settings.cmmsSecretArn
      ? settings.cmmsSecretKmsKeyArn
        ? Key.fromKeyArn(this, 'CmmsCredentialsKey', settings.cmmsSecretKmsKeyArn)
        : undefined
      : new Key(this, 'CmmsCredentialsKey', {
          description: 'Encrypts the MedPatch CMMS credentials',
          enableKeyRotation: true,
          removalPolicy: RemovalPolicy.RETAIN,
        });
    this.cmmsSecret = settings.cmmsSecretArn
      ? Secret.fromSecretCompleteArn(this, 'CmmsCredentials', settings.cmmsSecretArn)
      : new Secret(this, 'CmmsCredentials', {
          ...(settings.cmmsSecretName ? { secretName: settings.cmmsSecretName } : {}),
          ...(this.cmmsSecretKey ? { encryptionKey: this.cmmsSecretKey } : {}),
          description:
            'MedPatch CMMS credentials (JSON: username, password); set the real values after deploy',
          generateSecretString: {
            secretStringTemplate: JSON.stringify({ username: 'medpatch' }),
            generateStringKey: 'password',
            excludePunctuation: true,
          },
          removalPolicy: RemovalPolicy.RETAIN,
        });

    // Read (and validated) whether or not a function declares it: a broken policy must fail the synth.
    const policy = settings.policyFile ? readPolicy(settings.policyFile) : undefined;
    /** A variable's value, or undefined for an optional setting the hospital did not give (left unset). */
    const resolveEnv = (source: EnvSource): string | undefined => {
      if ('table' in source) return this.tables[source.table].table.tableName;
      if ('queueUrl' in source) return this.queues[source.queueUrl].queue.queueUrl;
      if ('topicArn' in source) return this.topics[source.topicArn].topic.topicArn;
      if ('bucketName' in source) return this.buckets[source.bucketName].bucket.bucketName;
      if ('functionName' in source) throw new Error('function names are set once every function exists');
      if ('value' in source) return source.value;
      switch (source.setting) {
        case 'cmmsSecretArn':
          return this.cmmsSecret.secretArn;
        case 'cmmsFieldMap':
          return settings.cmmsFieldMap ? JSON.stringify(settings.cmmsFieldMap) : undefined;
        case 'policy':
          return policy;
        default:
          return settings[source.setting];
      }
    };

    // Async invocations (EventBridge Scheduler) that fail every retry land in a per-function DLQ under this key.
    const failedInvocationsKey = new Key(this, 'FailedInvocationsKey', {
      description: 'Encrypts the dead-letter queues of MedPatch scheduled functions',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.failedInvocationsKey = failedInvocationsKey;
    this.functionsSecurityGroup = undefined;
    let network: ConstructorParameters<typeof MedPatchFunction>[2]['network'];
    if (settings.vpc) {
      const vpc = Vpc.fromVpcAttributes(this, 'HospitalVpc', settings.vpc);
      const securityGroup = new SecurityGroup(this, 'FunctionsSecurityGroup', {
        vpc,
        description: 'MedPatch functions: no inbound; outbound HTTPS only (AWS APIs, the CMMS)',
        allowAllOutbound: false,
      });
      securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'HTTPS to AWS APIs and the CMMS');
      this.functionsSecurityGroup = securityGroup;
      network = { vpc, subnets: vpc.privateSubnets, securityGroup };
    }

    const httpRoutes: { fn: MedPatchFunction; trigger: Extract<FunctionTrigger, { kind: 'http' }> }[] = [];
    this.functions = mapRecord(FUNCTIONS, (declaration: FunctionDeclaration, key) => {
      const fn = new MedPatchFunction(this, declaration.id, {
        entry: join(projectRoot, declaration.entry),
        projectRoot,
        description: declaration.description,
        memoryMb: declaration.memoryMb,
        timeout: Duration.seconds(declaration.timeoutSeconds),
        serviceName: `medpatch-${basename(dirname(declaration.entry))}`,
        environment: Object.fromEntries(
          Object.entries(declaration.environment).flatMap(([name, source]) => {
            if ('functionName' in source) return [];
            const value = resolveEnv(source);
            return value === undefined ? [] : [[name, value]];
          }),
        ),
        logEncryptionKey: this.logsKey,
        ...(declaration.triggers.some((trigger) => trigger.kind === 'schedule')
          ? { failedInvocations: { encryptionKey: failedInvocationsKey, alarmAction } }
          : {}),
        ...(network ? { network } : {}),
        ...(declaration.bundledFiles ? { bundledFiles: declaration.bundledFiles } : {}),
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
              schedule: ScheduleExpression.expression(settings.schedules[key] ?? trigger.expression),
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

    // References between functions (another function's name, invoke grants) once every function exists.
    for (const [key, declaration] of Object.entries(FUNCTIONS) as [FunctionKey, FunctionDeclaration][]) {
      const fn = this.functions[key];
      for (const [name, source] of Object.entries(declaration.environment)) {
        if ('functionName' in source) {
          fn.function.addEnvironment(name, this.functions[source.functionName].function.functionName);
        }
      }
      for (const target of declaration.access.invoke ?? []) {
        grantFunctionInvoke(fn.function, this.functions[target].function);
      }
    }

    if (httpRoutes.length > 0) {
      const api = new HttpApi(this, 'Api', {
        apiName: this.stackName,
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
        const hmac = trigger.auth === 'hmac';
        const routes = api.addRoutes({
          path: trigger.path,
          methods: [HttpMethod[trigger.method]],
          integration: new HttpLambdaIntegration(`${fn.node.id}Integration`, fn.function),
          // ServiceNow cannot sign SigV4: the function verifies the request's HMAC-SHA256 signature itself.
          ...(hmac ? { authorizer: new HttpNoneAuthorizer() } : {}),
        });
        if (hmac) this.hmacRoutes.push(...routes);
      }
      this.api = api;
      new CfnOutput(this, 'ApiUrl', { value: this.apiStage.url, description: 'MedPatch HTTP API base URL' });
    }

    const staleAfterHours: Record<string, number> = {};
    for (const [key, declaration] of Object.entries(FUNCTIONS) as [FunctionKey, FunctionDeclaration][]) {
      const hours = settings.alarms.staleAfterHours[key] ?? declaration.staleAfterHours;
      if (hours !== undefined) staleAfterHours[key] = hours;
    }
    this.monitoring = new MedPatchMonitoring(this, 'Monitoring', {
      functions: this.functions,
      queues: this.queues,
      api: this.api,
      errorRatePercent: settings.alarms.errorRatePercent,
      staleAfterHours,
      alarmAction,
      otherAlarms: [
        ...Object.values(this.queues).map((queue) => queue.deadLetterAlarm),
        ...Object.values(this.functions).flatMap((fn) => (fn.deadLetterAlarm ? [fn.deadLetterAlarm] : [])),
        ...(this.undeliveredNotificationsAlarm ? [this.undeliveredNotificationsAlarm] : []),
      ],
    });

    // Every endpoint and queue an operator needs: to call the API, to inspect or redrive a DLQ, to subscribe.
    for (const [key, queue] of Object.entries(this.queues)) {
      const { id, purpose } = QUEUES[key as QueueKey];
      new CfnOutput(this, `${id}Url`, { value: queue.queue.queueUrl, description: purpose });
      new CfnOutput(this, `${id}DeadLetterUrl`, {
        value: queue.deadLetterQueue.queueUrl,
        description: `Dead letters of: ${purpose}`,
      });
    }
    for (const fn of Object.values(this.functions)) {
      if (!fn.deadLetterQueue) continue;
      new CfnOutput(this, `${fn.node.id}FailedInvocationsUrl`, {
        value: fn.deadLetterQueue.queueUrl,
        description: `Scheduled runs of ${fn.node.id} that failed every retry`,
      });
    }
    for (const [key, topic] of Object.entries(this.topics)) {
      const { id, purpose } = TOPICS[key as keyof typeof TOPICS];
      new CfnOutput(this, `${id}Arn`, { value: topic.topic.topicArn, description: purpose });
    }
    if (this.undeliveredNotifications) {
      new CfnOutput(this, 'UndeliveredNotificationsUrl', {
        value: this.undeliveredNotifications.queueUrl,
        description: 'Email / SMS notifications SNS could not deliver',
      });
    }
    new CfnOutput(this, 'CmmsSecretArn', { value: this.cmmsSecret.secretArn });
    new CfnOutput(this, 'TableName', { value: this.tables.main.table.tableName });
    for (const [key, bucket] of Object.entries(this.buckets)) {
      const { id, purpose } = BUCKETS[key as BucketKey];
      new CfnOutput(this, `${id}Name`, { value: bucket.bucket.bucketName, description: purpose });
    }
    new CfnOutput(this, 'BackupVaultName', { value: this.backup.vault.backupVaultName });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }

  /**
   * Email and SMS subscriptions for the stakeholder audiences (with their filter policies) and for on-call.
   * Notifications SNS cannot deliver after its retries go to one encrypted, alarmed DLQ instead of vanishing.
   */
  private subscribeAudiences(settings: MedPatchSettings, alarmAction: IAlarmAction): void {
    let undelivered: Queue | undefined;
    const undeliveredQueue = (): Queue => {
      if (undelivered) return undelivered;
      const key = new Key(this, 'UndeliveredNotificationsKey', {
        description: 'Encrypts MedPatch notifications SNS could not deliver',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      // SNS writes to the encrypted DLQ on the topics' behalf, only for this account's topics.
      key.addToResourcePolicy(
        new PolicyStatement({
          principals: [new ServicePrincipal('sns.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
      undelivered = new Queue(this, 'UndeliveredNotifications', {
        encryption: QueueEncryption.KMS,
        encryptionMasterKey: key,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const alarm = new Alarm(this, 'UndeliveredNotificationsAlarm', {
        alarmDescription: 'SNS could not deliver an email / SMS notification; see the message in the DLQ.',
        metric: undelivered.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: Stats.MAXIMUM,
        }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(alarmAction);
      this.undeliveredNotificationsAlarm = alarm;
      return undelivered;
    };

    const subscribe = (
      topic: MedPatchTopic,
      id: string,
      endpoints: { emails: readonly string[]; phones: readonly string[] },
      filter: Record<string, readonly string[]> | undefined,
      stakeholder: boolean,
    ) => {
      const targets = [
        ...endpoints.emails.map((endpoint) => ({ protocol: SubscriptionProtocol.EMAIL, endpoint })),
        ...endpoints.phones.map((endpoint) => ({ protocol: SubscriptionProtocol.SMS, endpoint })),
      ];
      targets.forEach(({ protocol, endpoint }, index) => {
        const filterPolicy = stakeholderFilterPolicy(filter, protocol, stakeholder);
        new Subscription(topic, `${id}${protocol === SubscriptionProtocol.EMAIL ? 'Email' : 'Sms'}${index}`, {
          topic: topic.topic,
          protocol,
          endpoint,
          deadLetterQueue: undeliveredQueue(),
          ...(filterPolicy ? { filterPolicy } : {}),
        });
      });
    };
    for (const audience of settings.alerts.stakeholders) {
      subscribe(this.topics.stakeholderAlerts, `Audience-${audience.role}-`, audience, audience.filter, true);
    }
    subscribe(this.topics.opsAlerts, 'OnCall', settings.alerts.ops, undefined, false);
    this.undeliveredNotifications = undelivered;
  }

  /** One role per scheduled function, so the scheduler can invoke that function and nothing else. */
  private schedulerRole(fn: MedPatchFunction): MedPatchRole {
    const existing = fn.node.tryFindChild('SchedulerRole');
    if (existing instanceof MedPatchRole) return existing;
    return new MedPatchRole(fn, 'SchedulerRole', {
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
    for (const bucket of access.bucketWrite ?? []) grantBucketWrite(fn.function, this.buckets[bucket]);
    for (const bucket of access.bucketRead ?? []) grantBucketRead(fn.function, this.buckets[bucket]);
    if (access.cmmsSecret) grantSecretRead(fn.function, this.cmmsSecret.secretArn, this.cmmsSecretKey);
  }
}

/**
 * Stakeholder alerts are published once per channel (an email text and an SMS text, attribute `channel`) and
 * digests carry `digestScope`; every stakeholder subscription filters on both, so an email address never gets
 * the SMS copy, SMS only carries IMMEDIATE / OUT_OF_CYCLE, and department audiences get departmental digests
 * (the same rules as shared/domain/alert-routing.ts filterPolicyFor).
 */
function stakeholderFilterPolicy(
  filter: Record<string, readonly string[]> | undefined,
  protocol: SubscriptionProtocol,
  stakeholder: boolean,
): Record<string, SubscriptionFilter> | undefined {
  const policy: Record<string, string[]> = Object.fromEntries(
    Object.entries(filter ?? {}).map(([name, values]) => [name, [...values]]),
  );
  if (stakeholder) {
    const sms = protocol === SubscriptionProtocol.SMS;
    policy.channel = [sms ? 'sms' : 'email'];
    if (sms) policy.decision ??= ['IMMEDIATE', 'OUT_OF_CYCLE'];
    else policy.digestScope = policy.department ? ['none', 'department'] : ['none', 'hospital'];
  }
  if (Object.keys(policy).length === 0) return undefined;
  return Object.fromEntries(
    Object.entries(policy).map(([name, values]) => [
      name,
      SubscriptionFilter.stringFilter({ allowlist: values }),
    ]),
  );
}
