/**
 * The one declaration of MedPatch's resources and wiring. Both the CDK stack (infra/) and the embedded local
 * stack (local/) are generated from it, so which function consumes which queue, schedule or route cannot drift
 * between AWS and a laptop. Pure data: no CDK or SDK imports.
 */
import { ENV } from './config/env-names';

export type TableKey = keyof typeof TABLES;
export type QueueKey = keyof typeof QUEUES;
export type TopicKey = keyof typeof TOPICS;
export type FunctionKey = keyof typeof FUNCTIONS;
export type BucketKey = keyof typeof BUCKETS;

export interface TableDeclaration {
  /** Logical id in CDK and base of the local table name. */
  id: string;
  partitionKey: string;
  sortKey: string;
  globalIndexes: readonly { name: string; partitionKey: string; sortKey: string }[];
  ttlAttribute: string;
}

export interface QueueDeclaration {
  id: string;
  fifo: boolean;
  /** Receives before a message moves to the DLQ. */
  maxReceiveCount: number;
  /** Set on the CDK queue as ≥ 6 × the consumer's timeout; locally it bounds how long a failed message hides. */
  purpose: string;
}

export interface TopicDeclaration {
  id: string;
  purpose: string;
}

export interface BucketDeclaration {
  id: string;
  purpose: string;
  /** Every object lives under this prefix; grants are scoped to it. */
  prefix: string;
  /** Objects (and their noncurrent versions) expire after this many days. */
  retentionDays: number;
}

/**
 * Functions that other functions invoke directly (Lambda Invoke). Spelled out because FunctionKey is derived from
 * FUNCTIONS, which cannot refer to its own keys; the stack and the local runner index their functions with these,
 * so a name that is not a function fails to compile.
 */
export type InvokedFunctionKey = 'csafValidator';

/** Where a function gets an environment variable's value from. */
export type EnvSource =
  | { table: TableKey }
  | { queueUrl: QueueKey }
  | { topicArn: TopicKey }
  | { bucketName: BucketKey }
  /** Another function's name (CDK: its physical name; locally the name the local runner serves it under). */
  | { functionName: InvokedFunctionKey }
  | { value: string }
  /** Per-deployment settings (CMMS URL, secret name, …): CDK takes them from the hospital's parameters. */
  | {
      setting:
        | 'cmmsKind'
        | 'cmmsBaseUrl'
        | 'cmmsSecretArn'
        | 'cmmsWorkOrderTable'
        /** Optional settings: the variable is left unset when the hospital does not give one. */
        | 'cmmsDeviceTable'
        | 'cmmsFieldMap'
        | 'policy'
        /** The hospital's id (kebab-case), as in the stack name. */
        | 'hospital';
    };

export type FunctionTrigger =
  | { kind: 'sqs'; queue: QueueKey; batchSize: number }
  | { kind: 'schedule'; expression: string; description: string }
  | {
      kind: 'http';
      method: 'POST' | 'GET' | 'PUT';
      path: string;
      /**
       * How callers authenticate: `iam` (default, SigV4 through the API's IAM authorizer) or `hmac` (no API
       * authorizer; the function verifies an HMAC-SHA256 signature itself — for callers such as ServiceNow).
       */
      auth?: 'iam' | 'hmac';
    };

export interface FunctionDeclaration {
  id: string;
  /** Path of the handler module from the repo root; it exports `handler`. */
  entry: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Caps concurrency where it protects a downstream system (the CMMS) from bursts. */
  reservedConcurrency?: number;
  /**
   * Marks a feed (devices from the CMMS, advisories): the ops alarm fires when the function has not completed
   * one successful invocation for this many hours (at most 168, CloudWatch's evaluation limit).
   */
  staleAfterHours?: number;
  triggers: readonly FunctionTrigger[];
  environment: Readonly<Record<string, EnvSource>>;
  /**
   * Files (paths from the repo root) shipped next to the handler's `index.mjs` in its asset instead of being
   * bundled into it, e.g. a browser library the function inlines into the HTML it writes.
   */
  bundledFiles?: readonly string[];
  /** Least-privilege grants; the CDK stack turns each into a narrowly scoped policy. */
  access: {
    tableRead?: readonly TableKey[];
    tableWrite?: readonly TableKey[];
    queueSend?: readonly QueueKey[];
    topicPublish?: readonly TopicKey[];
    /** PutObject under the bucket's prefix. */
    bucketWrite?: readonly BucketKey[];
    /** GetObject (and a prefix-limited ListBucket, so a missing object is a 404) under the bucket's prefix. */
    bucketRead?: readonly BucketKey[];
    cmmsSecret?: boolean;
    /** lambda:InvokeFunction on exactly these functions. */
    invoke?: readonly InvokedFunctionKey[];
  };
}

export const TABLES = {
  main: {
    id: 'MedPatchTable',
    partitionKey: 'pk',
    sortKey: 'sk',
    globalIndexes: [
      { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
      { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    ],
    ttlAttribute: 'expiresAt',
  },
} as const satisfies Record<string, TableDeclaration>;

export const QUEUES = {
  match: {
    id: 'MatchQueue',
    fifo: false,
    maxReceiveCount: 5,
    purpose: 'device-changed and advisory-changed events for the matcher',
  },
  prioritize: {
    id: 'PrioritizeQueue',
    fifo: false,
    maxReceiveCount: 5,
    purpose: 'finding-changed events for the prioritizer',
  },
  workOrders: {
    id: 'WorkOrderQueue',
    fifo: true,
    maxReceiveCount: 5,
    purpose: 'planned work orders for the CMMS dispatcher, ordered per correlation id',
  },
} as const satisfies Record<string, QueueDeclaration>;

export const TOPICS = {
  stakeholderAlerts: { id: 'StakeholderAlertsTopic', purpose: 'email / SMS alerts to clinical stakeholders' },
  opsAlerts: {
    id: 'OpsAlertsTopic',
    purpose:
      'operational alarms (dead letters, error rates, stale feeds) and syncs needing a person, for on-call',
  },
} as const satisfies Record<string, TopicDeclaration>;

export const BUCKETS = {
  reports: {
    id: 'ReportsBucket',
    purpose: 'posture reports (report.html, summary.json) per hospital and day, shared by presigned links',
    prefix: 'reports/',
    retentionDays: 400,
  },
} as const satisfies Record<string, BucketDeclaration>;

const cmmsEnvironment = {
  [ENV.cmmsKind]: { setting: 'cmmsKind' },
  [ENV.cmmsBaseUrl]: { setting: 'cmmsBaseUrl' },
  [ENV.cmmsSecretArn]: { setting: 'cmmsSecretArn' },
  [ENV.cmmsDeviceTable]: { setting: 'cmmsDeviceTable' },
  [ENV.cmmsFieldMap]: { setting: 'cmmsFieldMap' },
} as const satisfies Record<string, EnvSource>;

export const FUNCTIONS = {
  cmmsSync: {
    id: 'CmmsSyncFunction',
    entry: 'functions/cmms-sync/handler.ts',
    description: 'Mirrors CMMS device records into DynamoDB and queues changed devices for matching',
    memoryMb: 512,
    // The nightly full reconciliation pages the whole inventory: 100k devices at a few hundred records a second
    // take several minutes, so the function gets Lambda's maximum (an hourly incremental run takes seconds).
    timeoutSeconds: 900,
    reservedConcurrency: 1,
    staleAfterHours: 3,
    triggers: [{ kind: 'schedule', expression: 'rate(1 hour)', description: 'incremental device sync' }],
    environment: {
      [ENV.tableName]: { table: 'main' },
      [ENV.matchQueueUrl]: { queueUrl: 'match' },
      // A sync that succeeds but rejects records or marks devices missing tells on-call (not only the logs).
      [ENV.opsTopicArn]: { topicArn: 'opsAlerts' },
      ...cmmsEnvironment,
    },
    access: {
      tableRead: ['main'],
      tableWrite: ['main'],
      queueSend: ['match'],
      topicPublish: ['opsAlerts'],
      cmmsSecret: true,
    },
  },
  advisoryIngest: {
    id: 'AdvisoryIngestFunction',
    entry: 'functions/advisory-ingest/handler.ts',
    description: 'Accepts CSAF advisories, stores new versions and queues them for matching',
    memoryMb: 1024,
    timeoutSeconds: 60,
    staleAfterHours: 48,
    triggers: [
      { kind: 'http', method: 'POST', path: '/v1/advisories' },
      // Manual advisories (ECRI alert, H-ISAC notice, manufacturer's letter) in the same product/version model.
      { kind: 'http', method: 'POST', path: '/v1/advisories/manual' },
    ],
    environment: {
      [ENV.tableName]: { table: 'main' },
      [ENV.matchQueueUrl]: { queueUrl: 'match' },
      [ENV.csafValidatorFunction]: { functionName: 'csafValidator' },
    },
    access: { tableRead: ['main'], tableWrite: ['main'], queueSend: ['match'], invoke: ['csafValidator'] },
  },
  csafValidator: {
    id: 'CsafValidatorFunction',
    entry: 'functions/csaf-validator/handler.ts',
    description:
      'Runs the CSAF schema and mandatory tests on one document for advisory-ingest and feed-poll (invoked only)',
    memoryMb: 1024,
    timeoutSeconds: 30,
    // Invoked synchronously by the two readers of CSAF documents; no trigger, no data access, no AWS client.
    triggers: [],
    environment: {},
    access: {},
  },
  validationApi: {
    id: 'ValidationApiFunction',
    entry: 'functions/validation-api/handler.ts',
    description: 'Records and lists manufacturer validation records; re-assesses the findings they affect',
    memoryMb: 512,
    timeoutSeconds: 30,
    triggers: [
      { kind: 'http', method: 'POST', path: '/v1/validations' },
      { kind: 'http', method: 'GET', path: '/v1/validations' },
    ],
    environment: {
      [ENV.tableName]: { table: 'main' },
      [ENV.prioritizeQueueUrl]: { queueUrl: 'prioritize' },
    },
    access: { tableRead: ['main'], tableWrite: ['main'], queueSend: ['prioritize'] },
  },
  matcher: {
    id: 'MatcherFunction',
    entry: 'functions/matcher/handler.ts',
    description: 'Matches changed devices and advisories through the manufacturer index and records findings',
    memoryMb: 1024,
    timeoutSeconds: 60,
    triggers: [{ kind: 'sqs', queue: 'match', batchSize: 10 }],
    environment: {
      [ENV.tableName]: { table: 'main' },
      [ENV.prioritizeQueueUrl]: { queueUrl: 'prioritize' },
    },
    access: { tableRead: ['main'], tableWrite: ['main'], queueSend: ['prioritize'] },
  },
  prioritizer: {
    id: 'PrioritizerFunction',
    entry: 'functions/prioritizer/handler.ts',
    description: 'Scores findings (SSVC), applies the validation gate and plans work orders and alerts',
    memoryMb: 512,
    timeoutSeconds: 60,
    triggers: [{ kind: 'sqs', queue: 'prioritize', batchSize: 10 }],
    environment: {
      [ENV.tableName]: { table: 'main' },
      [ENV.workOrderQueueUrl]: { queueUrl: 'workOrders' },
      [ENV.alertsTopicArn]: { topicArn: 'stakeholderAlerts' },
      // Only to link alert emails to the CMMS record; the prioritizer never calls the CMMS.
      [ENV.cmmsKind]: { setting: 'cmmsKind' },
      [ENV.cmmsBaseUrl]: { setting: 'cmmsBaseUrl' },
      [ENV.cmmsWorkOrderTable]: { setting: 'cmmsWorkOrderTable' },
    },
    access: {
      tableRead: ['main'],
      tableWrite: ['main'],
      queueSend: ['workOrders'],
      topicPublish: ['stakeholderAlerts'],
    },
  },
  rescore: {
    id: 'RescoreFunction',
    entry: 'functions/rescore/handler.ts',
    description: 'Nightly: queues every open finding for re-scoring (KEV, EPSS and validation changes)',
    memoryMb: 512,
    timeoutSeconds: 300,
    reservedConcurrency: 1,
    triggers: [{ kind: 'schedule', expression: 'cron(0 2 * * ? *)', description: 'nightly re-scoring' }],
    environment: {
      [ENV.tableName]: { table: 'main' },
      [ENV.prioritizeQueueUrl]: { queueUrl: 'prioritize' },
    },
    access: { tableRead: ['main'], queueSend: ['prioritize'] },
  },
  alertDigest: {
    id: 'AlertDigestFunction',
    entry: 'functions/alert-digest/handler.ts',
    description: "Daily: one digest email per scope for the previous day's SCHEDULED / DEFER alert events",
    memoryMb: 512,
    timeoutSeconds: 120,
    reservedConcurrency: 1,
    triggers: [{ kind: 'schedule', expression: 'cron(0 6 * * ? *)', description: 'daily alert digest' }],
    environment: {
      [ENV.tableName]: { table: 'main' },
      [ENV.alertsTopicArn]: { topicArn: 'stakeholderAlerts' },
    },
    // tableWrite for the publisher's ALERT# ledger items.
    access: { tableRead: ['main'], tableWrite: ['main'], topicPublish: ['stakeholderAlerts'] },
  },
  slaEscalation: {
    id: 'SlaEscalationFunction',
    entry: 'functions/sla-escalation/handler.ts',
    description: 'Daily: alerts stakeholders about open work orders past their due date',
    memoryMb: 512,
    timeoutSeconds: 300,
    reservedConcurrency: 1,
    triggers: [{ kind: 'schedule', expression: 'cron(0 7 * * ? *)', description: 'daily SLA escalation' }],
    environment: {
      [ENV.tableName]: { table: 'main' },
      [ENV.alertsTopicArn]: { topicArn: 'stakeholderAlerts' },
    },
    access: { tableRead: ['main'], tableWrite: ['main'], topicPublish: ['stakeholderAlerts'] },
  },
  statusSync: {
    id: 'StatusSyncFunction',
    entry: 'functions/status-sync/handler.ts',
    description:
      'Hourly: reads the CMMS state of open work orders back (closed → PATCHED/MITIGATED, failed patch → ROLLBACK, cancelled → re-opened)',
    memoryMb: 512,
    timeoutSeconds: 300,
    reservedConcurrency: 1,
    triggers: [
      { kind: 'schedule', expression: 'cron(15 * * * ? *)', description: 'hourly CMMS status back-sync' },
    ],
    environment: {
      [ENV.tableName]: { table: 'main' },
      [ENV.workOrderQueueUrl]: { queueUrl: 'workOrders' },
      [ENV.alertsTopicArn]: { topicArn: 'stakeholderAlerts' },
      ...cmmsEnvironment,
      [ENV.cmmsWorkOrderTable]: { setting: 'cmmsWorkOrderTable' },
    },
    access: {
      tableRead: ['main'],
      tableWrite: ['main'],
      queueSend: ['workOrders'],
      topicPublish: ['stakeholderAlerts'],
      cmmsSecret: true,
    },
  },
  dispatcher: {
    id: 'DispatcherFunction',
    entry: 'functions/dispatcher/handler.ts',
    description: 'Upserts work orders into the CMMS by correlation id',
    memoryMb: 512,
    timeoutSeconds: 60,
    reservedConcurrency: 2,
    triggers: [{ kind: 'sqs', queue: 'workOrders', batchSize: 10 }],
    environment: {
      [ENV.tableName]: { table: 'main' },
      ...cmmsEnvironment,
      [ENV.cmmsWorkOrderTable]: { setting: 'cmmsWorkOrderTable' },
      // Waits longer than this are held on SQS (ChangeMessageVisibility) instead of inside the 60 s function.
      [ENV.cmmsMaxRetryAfterSeconds]: { value: '20' },
    },
    access: { tableRead: ['main'], tableWrite: ['main'], cmmsSecret: true },
  },
  changeEnrichment: {
    id: 'ChangeEnrichmentFunction',
    entry: 'functions/change-enrichment/handler.ts',
    description:
      'Answers ServiceNow change requests with the manufacturer-validation verdict and writes it as a work note',
    memoryMb: 512,
    timeoutSeconds: 20,
    triggers: [{ kind: 'http', method: 'POST', path: '/v1/change-requests/enrich', auth: 'hmac' }],
    environment: {
      [ENV.tableName]: { table: 'main' },
      ...cmmsEnvironment,
    },
    // tableWrite only for the replay guard's NONCE# items; the HMAC keys live in the CMMS secret.
    access: { tableRead: ['main'], tableWrite: ['main'], cmmsSecret: true },
  },
  feedPoll: {
    id: 'FeedPollFunction',
    entry: 'functions/feed-poll/handler.ts',
    description:
      'Every 6 hours: new documents of the CSAF provider directories (changes.csv), then KEV / EPSS enrichment',
    memoryMb: 1024,
    timeoutSeconds: 900,
    reservedConcurrency: 1,
    staleAfterHours: 24,
    triggers: [
      { kind: 'schedule', expression: 'rate(6 hours)', description: 'advisory and enrichment feed polling' },
    ],
    environment: {
      [ENV.tableName]: { table: 'main' },
      [ENV.matchQueueUrl]: { queueUrl: 'match' },
      [ENV.prioritizeQueueUrl]: { queueUrl: 'prioritize' },
      // No feed by default (nothing is fetched); a hospital lists its feed URLs here (a deploy setting later).
      [ENV.feedConfig]: { value: '{"csafDirectories":[]}' },
      [ENV.csafValidatorFunction]: { functionName: 'csafValidator' },
    },
    access: {
      tableRead: ['main'],
      tableWrite: ['main'],
      queueSend: ['match', 'prioritize'],
      invoke: ['csafValidator'],
    },
  },
  postureReport: {
    id: 'PostureReportFunction',
    entry: 'functions/posture-report/handler.ts',
    description:
      'Daily: writes the posture report to the private reports bucket and sends one short-lived link; ' +
      'GET /v1/reports/latest returns a fresh link',
    memoryMb: 1024,
    timeoutSeconds: 300,
    // One daily run plus an on-demand link request at the same moment; overlapping runs write the same keys.
    reservedConcurrency: 2,
    triggers: [
      // Before the 06:00 digest, so the day's mail starts with the overall picture.
      { kind: 'schedule', expression: 'cron(30 5 * * ? *)', description: 'daily posture report' },
      { kind: 'http', method: 'GET', path: '/v1/reports/latest' },
    ],
    environment: {
      [ENV.tableName]: { table: 'main' },
      [ENV.alertsTopicArn]: { topicArn: 'stakeholderAlerts' },
      [ENV.hospital]: { setting: 'hospital' },
      [ENV.reportsBucket]: { bucketName: 'reports' },
      [ENV.reportLinkSeconds]: { value: '3600' },
      [ENV.reportRequestLinkSeconds]: { value: '900' },
      // Only to link report rows to the CMMS records; the function never calls the CMMS.
      [ENV.cmmsKind]: { setting: 'cmmsKind' },
      [ENV.cmmsBaseUrl]: { setting: 'cmmsBaseUrl' },
      [ENV.cmmsDeviceTable]: { setting: 'cmmsDeviceTable' },
    },
    // The charting library is inlined into every report; shipped beside the bundle instead of inside it.
    bundledFiles: ['node_modules/echarts/dist/echarts.common.min.js'],
    // tableWrite only for the publisher's ALERT# ledger (one message per hospital and day).
    access: {
      tableRead: ['main'],
      tableWrite: ['main'],
      topicPublish: ['stakeholderAlerts'],
      bucketWrite: ['reports'],
      bucketRead: ['reports'],
    },
  },
} as const satisfies Record<string, FunctionDeclaration>;

/** Local-only capture of SNS deliveries (stands in for email / SMS endpoints). */
export const LOCAL_ALERT_CAPTURE_QUEUE = 'alerts-capture';
