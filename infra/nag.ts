import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { type CfnFunction, EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NagMessageLevel,
  NagPack,
  type NagPackProps,
  rules,
  ServerlessChecks,
} from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { BUCKETS, FUNCTIONS, type FunctionDeclaration, type FunctionKey } from '../shared/topology';
import type { MedPatchStack } from './stack';

/**
 * MedPatch's own rules: cdk-nag rules that belong to no published pack but guard our conventions.
 * `LambdaEventSourceSQSVisibilityTimeout`: a queue hides a message for at least 6 × its consumer's timeout,
 * so a slow batch is not delivered twice while it is still being processed.
 */
export class MedPatchChecks extends NagPack {
  readonly name = 'MedPatch';

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'MedPatch';
  }

  protected override checkResource(node: CfnResource): void {
    this.applyRule({
      info: "The SQS queue's visibility timeout is shorter than 6 × the consuming function's timeout.",
      explanation: 'A message can become visible again and be processed twice while a slow batch still runs.',
      level: NagMessageLevel.ERROR,
      rule: rules.lambda.LambdaEventSourceSQSVisibilityTimeout,
      node,
    });
  }
}

/** The cdk-nag packs MedPatch must pass; shared by the app and the infra tests so they cannot diverge. */
export function medPatchNagPacks(scope: IConstruct): NagPack[] {
  return [
    new AwsSolutionsChecks(scope),
    new HIPAASecurityChecks(scope),
    new ServerlessChecks(scope),
    new MedPatchChecks(scope),
  ];
}

const NODE22_REASON =
  'Node.js 22 (LTS, supported into 2027) is the project-wide runtime the issue and the tests pin: esbuild ' +
  'targets node22 and the local runner runs the same handlers on Node 20/22. Moving to Node 24 is a ' +
  'deliberate, tested project change, not a side effect of a lint rule.';

/**
 * Acknowledges the cdk-nag findings MedPatch accepts, one finding on one resource at a time, each with its
 * reason. Everything else is fixed, not acknowledged: customer-managed policies instead of inline ones, DLQs for
 * asynchronously invoked functions, alarm actions, AWS Backup, KMS on the secret.
 */
export function acknowledgeNagFindings(stack: MedPatchStack): void {
  for (const [key, fn] of Object.entries(stack.functions)) {
    const declaration: FunctionDeclaration = FUNCTIONS[key as FunctionKey];
    const triggerKinds = new Set(declaration.triggers.map((trigger) => trigger.kind));

    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only xray:PutTraceSegments and xray:PutTelemetryRecords (added by Tracing.ACTIVE) use Resource "*": ' +
        'X-Ray supports no resource-level permissions. Data-plane statements name single ARNs (see test/infra).',
    });
    Validations.of(fn.function).acknowledge({ id: 'AwsSolutions-L1', reason: NODE22_REASON });
    Validations.of(fn.function).acknowledge({ id: 'Serverless-LambdaLatestVersion', reason: NODE22_REASON });

    if (declaration.reservedConcurrency === undefined) {
      const reason = declaration.access.cmmsSecret
        ? `${key} calls the CMMS only to answer a request the CMMS itself sent (one call per request, behind ` +
          'the throttled API stage), so the CMMS paces it. Reserving concurrency would carve it out of the ' +
          'account pool the hospital shares with other workloads (AWS refuses reservations leaving < 100 ' +
          'unreserved). Functions that call the CMMS on their own schedule or queue are reserved.'
        : `${key} calls only AWS services (DynamoDB on demand, SQS, SNS), never the CMMS, so a burst harms ` +
          'nothing downstream. Reserving concurrency would carve it out of the account pool the hospital ' +
          'shares with other workloads (AWS refuses reservations leaving < 100 unreserved). Functions that call ' +
          'the CMMS on their own schedule or queue are reserved; the HTTP API stage is throttled.';
      Validations.of(fn.function).acknowledge({ id: 'HIPAA.Security-LambdaConcurrency', reason });
    }

    if (!triggerKinds.has('schedule')) {
      const how = [...triggerKinds]
        .map((kind) => (kind === 'sqs' ? 'an SQS event source mapping' : 'API Gateway (HTTP API)'))
        .join(' and ');
      const reason =
        `${key} is invoked synchronously, by ${how}; a function DLQ only receives failed asynchronous ` +
        'invocations, so it would stay empty. Failed SQS records go to the source queue’s redrive DLQ (alarmed); ' +
        'HTTP callers get the error response.';
      Validations.of(fn.function).acknowledge({ id: 'HIPAA.Security-LambdaDLQ', reason });
      Validations.of(fn.function).acknowledge({ id: 'Serverless-LambdaDLQ', reason });
    }

    for (const child of fn.function.node.children) {
      if (!(child instanceof EventSourceMapping)) continue;
      Validations.of(child).acknowledge({
        id: 'Serverless-LambdaEventSourceMappingDestination',
        reason:
          'Lambda supports on-failure destinations only for stream and Kafka sources, not SQS. For SQS the ' +
          'queue’s redrive policy is the failure destination: after maxReceiveCount a record moves to the DLQ, ' +
          'which has an alarm (see test/infra).',
      });
    }

    if (fn.deadLetterQueue) {
      Validations.of(fn.deadLetterQueue).acknowledge({
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'This queue is itself the dead-letter queue of a scheduled function; nothing consumes it, so there is ' +
          'nothing to redrive from it automatically. An alarm fires when it holds a message.',
      });
    }

    if (!stack.settings.vpc) {
      Validations.of(fn.function).acknowledge({
        id: 'HIPAA.Security-LambdaInsideVPC',
        reason:
          'No VPC was given in the settings (settings.vpc). The function has no inbound network surface and ' +
          'reaches only AWS APIs (IAM-authorized, TLS, KMS-encrypted data) and the CMMS over HTTPS; a VPC adds ' +
          'NAT or endpoints without shrinking that surface. Hospitals whose policy or CMMS (on-premises over ' +
          'VPN) requires it set settings.vpc, which puts every function in private subnets.',
      });
    } else {
      Validations.of(fn.role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'Lambda needs ec2:CreateNetworkInterface and related actions to attach the function to the ' +
          'hospital VPC; AWS maintains this policy for exactly that and those actions support no resource scoping.',
      });
    }

    const schedulerRole = fn.node.tryFindChild('SchedulerRole');
    if (schedulerRole) {
      const logicalId = Stack.of(fn).resolve((fn.function.node.defaultChild as CfnFunction).logicalId);
      Validations.of(schedulerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason:
          'aws-scheduler-targets LambdaInvoke grants invoke on the function and its ":*" qualifiers; the wildcard ' +
          'covers only versions and aliases of this one function.',
      });
    }
  }

  for (const [key, bucket] of Object.entries(stack.buckets)) {
    const { prefix } = BUCKETS[key as keyof typeof BUCKETS];
    const logicalId = Stack.of(bucket).resolve((bucket.bucket.node.defaultChild as CfnResource).logicalId);
    for (const [fnKey, fn] of Object.entries(stack.functions)) {
      const { access } = FUNCTIONS[fnKey as FunctionKey] as FunctionDeclaration;
      if (!access.bucketRead?.includes(key as never) && !access.bucketWrite?.includes(key as never)) continue;
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`,
        reason:
          `S3 object permissions name objects by key; "${prefix}*" is the one prefix the reports live under ` +
          '(keys carry the hospital and the day). Actions are named (PutObject / GetObject), ListBucket is ' +
          'conditioned on the same prefix, and the key may be used only through S3.',
      });
    }
    const replication =
      'The bucket holds posture reports, a rendering of the evidence in the DynamoDB table (which has ' +
      'point-in-time recovery and AWS Backup): every report can be written again from the table, so a cross-region ' +
      'replica (a second bucket, key and role per hospital) would protect nothing that is not already protected. ' +
      'Versioning keeps overwritten copies for 30 days.';
    Validations.of(bucket.bucket).acknowledge({
      id: 'HIPAA.Security-S3BucketReplicationEnabled',
      reason: replication,
    });
    Validations.of(bucket.accessLogs).acknowledge({
      id: 'HIPAA.Security-S3BucketReplicationEnabled',
      reason: `Server access logs of the reports bucket. ${replication}`,
    });
    Validations.of(bucket.accessLogs).acknowledge({
      id: 'HIPAA.Security-S3DefaultEncryptionKMS',
      reason:
        'S3 server access log delivery cannot write to a bucket whose default encryption is SSE-KMS; SSE-S3 ' +
        '(AES-256) is the only supported encryption for a log destination. The bucket is private, TLS-only and ' +
        'holds request logs, not reports.',
    });
  }

  for (const queue of Object.values(stack.queues)) {
    Validations.of(queue.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This queue is the dead-letter queue of a MedPatch queue: the end of the line, kept 14 days and alarmed. ' +
        'Operators redrive it to the source queue after fixing the cause (docs/deployment.md).',
    });
  }

  for (const route of stack.hmacRoutes) {
    Validations.of(route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'ServiceNow cannot sign requests with SigV4, so this route has no API authorizer; its function rejects ' +
        'every request without a valid HMAC-SHA256 signature (key in the CMMS secret, 5-minute window, ' +
        'constant-time comparison, DynamoDB replay guard) before doing anything. The stage is throttled.',
    });
  }

  if (stack.undeliveredNotifications) {
    Validations.of(stack.undeliveredNotifications).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This queue is the dead-letter queue of the email / SMS subscriptions; nothing consumes it, so there is ' +
        'nothing to redrive from it automatically. An alarm fires when it holds a message.',
    });
    Validations.of(stack.undeliveredNotifications).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is a dead-letter queue, of SNS subscriptions (their RedrivePolicy names it), which cdk-nag ' +
        'only recognizes for SQS queues and Lambda functions.',
    });
  }

  const backupRole = stack.backup.plan.node.tryFindChild('Tables')?.node.tryFindChild('Role');
  if (backupRole) {
    Validations.of(backupRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'AWS Backup’s own service-role policy for taking backups; AWS keeps it in step with the service, and ' +
        'the role can only be assumed by backup.amazonaws.com for this plan’s selection (the MedPatch table).',
    });
  }

  if (stack.cmmsSecret instanceof Secret) {
    const reason =
      'The secret holds credentials for the hospital CMMS (e.g. a ServiceNow integration user), which only the ' +
      'CMMS administrators can change; they rotate it under the hospital password policy and update the secret ' +
      '(docs/deployment.md). A rotation Lambda would need admin rights in the CMMS. It exists only when no ' +
      'cmmsSecretArn is given.';
    Validations.of(stack.cmmsSecret).acknowledge({ id: 'AwsSolutions-SMG4', reason });
    Validations.of(stack.cmmsSecret).acknowledge({
      id: 'HIPAA.Security-SecretsManagerRotationEnabled',
      reason,
    });
  }
}
