import { basename, isAbsolute, join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ISecurityGroup, ISubnet, IVpc } from 'aws-cdk-lib/aws-ec2';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  type ICommandHooks,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { grantQueueSend } from '../access-grants';
import { MedPatchRole } from './medpatch-role';

/**
 * How long function logs are kept. One year: long enough to reconstruct an incident across a full patch cycle
 * and an annual HIPAA risk review, while the durable evidence (audit events, validation records) lives in
 * DynamoDB, not in logs.
 */
export const FUNCTION_LOG_RETENTION = RetentionDays.ONE_YEAR;

/**
 * ESM bundles keep `import.meta` and top-level await working in our `"type": "module"` sources; a few CJS
 * dependencies (pulled in by the AWS SDK and Powertools) still call `require` for Node built-ins, which an ESM
 * bundle only has if we create it.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __medpatchCreateRequire } from 'node:module'; const require = __medpatchCreateRequire(import.meta.url);";

export interface MedPatchFunctionProps {
  /** Absolute path of the handler module (it exports `handler`). */
  readonly entry: string;
  /** Directory holding `package-lock.json` and `tsconfig.json`; esbuild runs from here. */
  readonly projectRoot: string;
  readonly description: string;
  /** Memory is set on purpose per function; there is no default. */
  readonly memoryMb: number;
  /** Timeout is set on purpose per function; there is no default. */
  readonly timeout: Duration;
  /** Powertools service name, also used in metrics and traces. */
  readonly serviceName: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** Caps concurrency where it protects a downstream system from bursts. */
  readonly reservedConcurrency?: number;
  /** Customer-managed key for the log group; its key policy must allow the CloudWatch Logs service. */
  readonly logEncryptionKey?: IKey;
  /**
   * For functions invoked asynchronously (EventBridge Scheduler): Lambda retries a failed event twice and then
   * drops it, unless the function has a dead-letter queue. Given, the function gets one, encrypted with this
   * key, and an alarm on it.
   */
  readonly failedInvocations?: { readonly encryptionKey: IKey; readonly alarmAction?: IAlarmAction };
  /**
   * Files (paths relative to `projectRoot`) copied next to `index.mjs` in the function's asset instead of being
   * bundled, e.g. a browser library the function inlines into HTML; the handler reads them beside its module.
   */
  readonly bundledFiles?: readonly string[];
  /** Runs the function in these private subnets with this security group. */
  readonly network?: {
    readonly vpc: IVpc;
    readonly subnets: ISubnet[];
    readonly securityGroup: ISecurityGroup;
  };
}

/** Command hooks that copy files (relative to the project root) next to the bundle, keeping their names. */
function copyIntoAsset(files: readonly string[]): ICommandHooks {
  for (const file of files) {
    if (isAbsolute(file) || file.split(/[\\/]/).includes('..') || !/^[\w./@-]+$/.test(file)) {
      throw new Error(`bundledFiles: '${file}' must be a plain path inside the project`);
    }
  }
  return {
    beforeInstall: () => [],
    beforeBundling: () => [],
    afterBundling: (inputDir, outputDir) =>
      files.map((file) => `cp "${join(inputDir, file)}" "${join(outputDir, basename(file))}"`),
  };
}

/**
 * A Lambda function with MedPatch's safe defaults: Node.js 22 on arm64, active X-Ray tracing, an explicit,
 * retained log group with a fixed retention, a dedicated role that can only write to that log group, and a
 * minified ESM bundle with source maps built by the local esbuild (no Docker).
 *
 * The AWS SDK v3 is bundled rather than taken from the runtime: the runtime's copy changes without notice,
 * while the bundle pins the exact client versions the tests ran against (package-lock.json), and tree-shaking
 * keeps it small.
 *
 * @example
 * new MedPatchFunction(this, 'Matcher', {
 *   entry: '/repo/functions/matcher/handler.ts',
 *   projectRoot: '/repo',
 *   description: 'Matches devices and advisories',
 *   memoryMb: 1024,
 *   timeout: Duration.seconds(60),
 *   serviceName: 'matcher',
 * });
 */
export class MedPatchFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: MedPatchRole;
  /** Where Lambda puts asynchronous events that failed every retry (scheduled functions only). */
  readonly deadLetterQueue: Queue | undefined;
  readonly deadLetterAlarm: Alarm | undefined;

  constructor(scope: Construct, id: string, props: MedPatchFunctionProps) {
    super(scope, id);
    if (props.memoryMb < 128 || props.memoryMb > 10_240) {
      throw new Error(`${this.node.path}: memoryMb must be within 128–10240, got ${props.memoryMb}`);
    }

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: FUNCTION_LOG_RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(props.logEncryptionKey ? { encryptionKey: props.logEncryptionKey } : {}),
    });

    // Own role instead of AWSLambdaBasicExecutionRole: that managed policy lets a function write to every log
    // group in the account; this role may write only to its own.
    const role = new MedPatchRole(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.serviceName}`,
    });
    this.logGroup.grantWrite(role);
    this.role = role;

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      role,
      logGroup: this.logGroup,
      ...(props.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrency }),
      ...(props.network
        ? {
            vpc: props.network.vpc,
            vpcSubnets: { subnets: props.network.subnets },
            securityGroups: [props.network.securityGroup],
          }
        : {}),
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        // Keep non-ASCII text (zod's error-message locales, data tables) as UTF-8 instead of \uXXXX escapes:
        // about 70 kB less per bundle, the same code. Passed as a raw flag: aws-cdk-lib 2.276 accepts the
        // `charset` bundling prop but never hands it to esbuild.
        esbuildArgs: { '--charset': 'utf8' },
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        bundleAwsSDK: true,
        externalModules: [],
        tsconfig: `${props.projectRoot}/tsconfig.json`,
        forceDockerBundling: false,
        ...(props.bundledFiles?.length ? { commandHooks: copyIntoAsset(props.bundledFiles) } : {}),
      },
    });

    if (props.failedInvocations) {
      const { encryptionKey, alarmAction } = props.failedInvocations;
      this.deadLetterQueue = new Queue(this, 'FailedInvocations', {
        encryption: QueueEncryption.KMS,
        encryptionMasterKey: encryptionKey,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      // Set on the L1 resource: the L2 `deadLetterQueue` prop grants kms:GenerateDataKey* and kms:ReEncrypt*,
      // wildcards the least-privilege test forbids; grantQueueSend names each action.
      (this.function.node.defaultChild as CfnFunction).deadLetterConfig = {
        targetArn: this.deadLetterQueue.queueArn,
      };
      grantQueueSend(this.function, this.deadLetterQueue, encryptionKey);
      this.deadLetterAlarm = new Alarm(this, 'FailedInvocationsAlarm', {
        alarmDescription: `${props.serviceName}: a scheduled run failed every retry; its event is in the DLQ.`,
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: Stats.MAXIMUM,
        }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (alarmAction) this.deadLetterAlarm.addAlarmAction(alarmAction);
    } else {
      this.deadLetterQueue = undefined;
      this.deadLetterAlarm = undefined;
    }
  }
}
