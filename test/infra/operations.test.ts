import type { CfnElement } from 'aws-cdk-lib';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeNagFindings, medPatchNagPacks } from '../../infra/nag';
import { DEV_SETTINGS, type MedPatchSettings, parseSettings } from '../../infra/settings';
import { MedPatchStack } from '../../infra/stack';
import { FUNCTIONS, type FunctionDeclaration, type FunctionKey, QUEUES, TOPICS } from '../../shared/topology';

/*
 * Operations: alarms, their notification path, the dashboard, backups, subscriptions, outputs, and the
 * cdk-nag acknowledgements. These stacks skip asset bundling (handler bundles are the bundle-budget test's
 * subject), which keeps the file fast.
 */

interface AlarmProperties {
  AlarmActions?: unknown[];
  MetricName?: string;
  Namespace?: string;
  Metrics?: {
    Id: string;
    Expression?: string;
    MetricStat?: { Metric: { MetricName: string; Dimensions?: { Name: string; Value: unknown }[] } };
  }[];
  Threshold: number;
  ComparisonOperator: string;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  TreatMissingData?: string;
  Dimensions?: { Name: string; Value: unknown }[];
}

const SUBSCRIBED: MedPatchSettings = parseSettings(
  {
    ...DEV_SETTINGS,
    alerts: {
      stakeholders: [
        {
          role: 'clinical-engineering',
          emails: ['biomed@hospital.example'],
          phones: ['+15555550100'],
          filter: { decision: ['IMMEDIATE', 'OUT_OF_CYCLE'] },
        },
        { role: 'icu-nursing', emails: ['icu-lead@hospital.example'], filter: { department: ['ICU'] } },
      ],
      ops: { emails: ['oncall@hospital.example'], phones: ['+15555550199'] },
    },
  },
  'test settings',
);

function appWithoutBundling(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

function stackWith(settings: MedPatchSettings, acknowledge = true): { app: App; stack: MedPatchStack } {
  const app = appWithoutBundling();
  const stack = new MedPatchStack(app, 'Ops', { settings });
  if (acknowledge) acknowledgeNagFindings(stack);
  return { app, stack };
}

const functionEntries = Object.entries(FUNCTIONS) as [FunctionKey, FunctionDeclaration][];

let stack: MedPatchStack;
let template: Template;
let alarms: [string, { Properties: AlarmProperties }][];
let opsTopicRef: unknown;

beforeAll(() => {
  ({ stack } = stackWith(SUBSCRIBED));
  template = Template.fromStack(stack);
  alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')) as typeof alarms;
  opsTopicRef = stack.resolve(stack.topics.opsAlerts.topic.topicArn);
});

/** The logical id of a function's L1 resource, as alarm dimensions reference it. */
function functionLogicalId(key: FunctionKey): string {
  return stack.getLogicalId(stack.functions[key].function.node.defaultChild as CfnElement);
}

/** Alarms whose metric math reads metric `name` of the function with logical id `functionId`. */
function alarmsOnFunctionMetric(functionId: string, name: string): AlarmProperties[] {
  return alarms
    .map(([, alarm]) => alarm.Properties)
    .filter((alarm) =>
      (alarm.Metrics ?? []).some(
        (metric) =>
          metric.MetricStat?.Metric.MetricName === name &&
          metric.MetricStat.Metric.Dimensions?.some(
            (d) =>
              d.Name === 'FunctionName' && JSON.stringify(d.Value) === JSON.stringify({ Ref: functionId }),
          ),
      ),
    );
}

describe('alarms', () => {
  it('sends every alarm to the ops topic', () => {
    expect(alarms.length).toBeGreaterThan(0);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, id).toEqual([opsTopicRef]);
    }
  });

  it('raises an error-rate alarm for every function at the configured percentage', () => {
    for (const [key] of functionEntries) {
      const errorRate = alarmsOnFunctionMetric(functionLogicalId(key), 'Errors').filter((alarm) =>
        alarm.Metrics?.some((m) => m.Expression?.includes('100 * errors / invocations')),
      );

      expect(errorRate, key).toHaveLength(1);
      expect(errorRate[0], key).toMatchObject({
        Threshold: SUBSCRIBED.alarms.errorRatePercent,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('raises a stale-feed alarm for each feed after its hours without one successful run', () => {
    const feeds = functionEntries.filter(([, declaration]) => declaration.staleAfterHours !== undefined);

    expect(feeds.map(([key]) => key)).toEqual(expect.arrayContaining(['cmmsSync', 'advisoryIngest']));
    for (const [key, declaration] of feeds) {
      const stale = alarmsOnFunctionMetric(functionLogicalId(key), 'Invocations').filter((alarm) =>
        alarm.Metrics?.some((m) => m.Expression === 'FILL(invocations, 0) - FILL(errors, 0)'),
      );

      expect(stale, key).toHaveLength(1);
      expect(stale[0], key).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: declaration.staleAfterHours,
        DatapointsToAlarm: declaration.staleAfterHours,
        // No data means no run: the alarm must fire then.
        TreatMissingData: 'breaching',
      });
    }
  });

  it('raises no stale-feed alarm for functions that are not feeds', () => {
    const nonFeeds = functionEntries.filter(([, declaration]) => declaration.staleAfterHours === undefined);

    for (const [key] of nonFeeds) {
      const stale = alarmsOnFunctionMetric(functionLogicalId(key), 'Invocations').filter((alarm) =>
        alarm.Metrics?.some((m) => m.Expression?.startsWith('FILL(')),
      );
      expect(stale, key).toEqual([]);
    }
  });

  it('gives each scheduled function a dead-letter queue with an alarm, and synchronously invoked ones none', () => {
    for (const [key, declaration] of functionEntries) {
      const scheduled = declaration.triggers.some((trigger) => trigger.kind === 'schedule');
      const fn = template.toJSON().Resources[functionLogicalId(key)];
      const target = fn?.Properties.DeadLetterConfig?.TargetArn;

      if (!scheduled) {
        expect(target, key).toBeUndefined();
        continue;
      }
      const [queueId] = target?.['Fn::GetAtt'] ?? [];
      expect(template.toJSON().Resources[queueId]?.Type, key).toBe('AWS::SQS::Queue');
      expect(template.toJSON().Resources[queueId]?.Properties.KmsMasterKeyId, key).toBeDefined();
      const alarm = alarms.find(([, a]) =>
        a.Properties.Dimensions?.some(
          (d) => d.Name === 'QueueName' && JSON.stringify(d.Value).includes(queueId),
        ),
      );
      expect(alarm, key).toBeDefined();
    }
  });

  it('lets CloudWatch alarms publish to the encrypted ops topic, and only alarms of this account', () => {
    const topicId = stack.getLogicalId(stack.topics.opsAlerts.topic.node.defaultChild as CfnElement);
    const keyId = stack.getLogicalId(stack.topics.opsAlerts.key.node.defaultChild as CfnElement);
    const topicPolicy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find((policy) =>
      JSON.stringify(policy.Properties.Topics).includes(topicId),
    );
    const keyPolicy = template.toJSON().Resources[keyId]?.Properties.KeyPolicy;

    expect(topicPolicy?.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': expect.anything() } }),
      }),
    );
    expect(keyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      }),
    );
  });
});

describe('IAM', () => {
  it('keeps every permission in customer-managed policies attached to one role each, none inline', () => {
    const inline = Object.keys(template.findResources('AWS::IAM::Policy'));
    const managed = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
    const roles = Object.values(template.findResources('AWS::IAM::Role'));

    expect(inline).toEqual([]);
    for (const role of roles) expect(role.Properties.Policies).toBeUndefined();
    expect(managed.length).toBeGreaterThan(0);
    for (const policy of managed) expect(policy.Properties.Roles).toHaveLength(1);
    for (const [key] of functionEntries) {
      expect(stack.functions[key].role.permissionsPolicy, key).toBeDefined();
    }
  });
});

describe('dashboard', () => {
  it('shows every function, every queue and the alarms', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(stack.resolve(dashboards[0]?.Properties.DashboardBody));

    for (const [key] of functionEntries) expect(body, key).toContain(functionLogicalId(key));
    for (const key of Object.keys(QUEUES) as (keyof typeof QUEUES)[]) {
      const queueId = stack.getLogicalId(stack.queues[key].queue.node.defaultChild as CfnElement);
      expect(body, key).toContain(queueId);
    }
    expect(body).toContain('\\"type\\":\\"alarm\\"');
  });
});

describe('backup', () => {
  it('backs up the table daily into a retained, customer-key-encrypted vault for the configured days', () => {
    const tableId = stack.getLogicalId(stack.tables.main.table.node.defaultChild as CfnElement);

    const plans = Object.values(template.findResources('AWS::Backup::BackupPlan'));
    expect(plans).toHaveLength(1);
    expect(plans[0]?.Properties.BackupPlan.BackupPlanRule).toEqual([
      expect.objectContaining({
        ScheduleExpression: 'cron(0 3 * * ? *)',
        Lifecycle: { DeleteAfterDays: SUBSCRIBED.backup.retentionDays },
      }),
    ]);
    const selection = Object.values(template.findResources('AWS::Backup::BackupSelection'))[0];
    expect(JSON.stringify(selection?.Properties.BackupSelection.Resources)).toContain(tableId);
    const vault = Object.values(template.findResources('AWS::Backup::BackupVault'))[0];
    expect(vault?.DeletionPolicy).toBe('Retain');
    expect(vault?.Properties.EncryptionKeyArn).toBeDefined();
  });
});

describe('subscriptions', () => {
  interface SubscriptionProperties {
    Protocol: string;
    Endpoint: string;
    TopicArn: unknown;
    FilterPolicy?: Record<string, string[]>;
    RedrivePolicy?: { deadLetterTargetArn: unknown };
  }
  const subscriptions = () =>
    Object.values(template.findResources('AWS::SNS::Subscription')).map(
      (s) => s.Properties as SubscriptionProperties,
    );

  it('subscribes each audience by email and SMS with its filter policy plus its channel and digest scope', () => {
    const stakeholderTopic = stack.resolve(stack.topics.stakeholderAlerts.topic.topicArn);

    expect(subscriptions()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Protocol: 'email',
          Endpoint: 'biomed@hospital.example',
          TopicArn: stakeholderTopic,
          FilterPolicy: {
            decision: ['IMMEDIATE', 'OUT_OF_CYCLE'],
            channel: ['email'],
            digestScope: ['none', 'hospital'],
          },
        }),
        expect.objectContaining({
          Protocol: 'sms',
          Endpoint: '+15555550100',
          TopicArn: stakeholderTopic,
          FilterPolicy: { decision: ['IMMEDIATE', 'OUT_OF_CYCLE'], channel: ['sms'] },
        }),
        expect.objectContaining({
          Protocol: 'email',
          Endpoint: 'icu-lead@hospital.example',
          FilterPolicy: { department: ['ICU'], channel: ['email'], digestScope: ['none', 'department'] },
        }),
      ]),
    );
  });

  it('subscribes on-call to the ops topic without a filter', () => {
    const opsSubscriptions = subscriptions().filter(
      (s) => JSON.stringify(s.TopicArn) === JSON.stringify(opsTopicRef),
    );

    expect(opsSubscriptions.map((s) => [s.Protocol, s.Endpoint]).sort()).toEqual([
      ['email', 'oncall@hospital.example'],
      ['sms', '+15555550199'],
    ]);
    for (const s of opsSubscriptions) expect(s.FilterPolicy).toBeUndefined();
  });

  it('routes undeliverable notifications to an encrypted, alarmed dead-letter queue', () => {
    const dlq = stack.undeliveredNotifications;
    expect(dlq).toBeDefined();
    const dlqArn = stack.resolve(dlq?.queueArn);

    for (const s of subscriptions()) expect(s.RedrivePolicy?.deadLetterTargetArn).toEqual(dlqArn);
    expect(stack.undeliveredNotificationsAlarm).toBeDefined();
  });
});

describe('outputs', () => {
  it('outputs the API URL, every queue and DLQ, each scheduled function DLQ, each topic and the secret', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    const expected = [
      'ApiUrl',
      ...Object.values(QUEUES).flatMap((q) => [`${q.id}Url`, `${q.id}DeadLetterUrl`]),
      ...Object.values(TOPICS).map((t) => `${t.id}Arn`),
      ...functionEntries
        .filter(([, d]) => d.triggers.some((t) => t.kind === 'schedule'))
        .map(([, d]) => `${d.id}FailedInvocationsUrl`),
      'UndeliveredNotificationsUrl',
      'CmmsSecretArn',
      'TableName',
      'DashboardName',
    ];

    expect(outputs).toEqual(expect.arrayContaining(expected));
  });
});

describe('cdk-nag acknowledgements', () => {
  interface Acknowledgement {
    path: string;
    id: string;
    reason: string;
  }
  const acknowledgementsIn = (app: App): Acknowledgement[] =>
    app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
            path: construct.node.path,
            // CDK records the id qualified by where it was acknowledged (`Annotation::<rule>`).
            id: id.replace(/^[A-Za-z]+::/, ''),
            reason,
          })),
        ),
    );

  it('puts every acknowledgement on a resource below the stack, with a reason, never on the app or stack', () => {
    const { app } = stackWith(SUBSCRIBED);
    const acknowledgements = acknowledgementsIn(app);

    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) {
      expect(ack.path.split('/').length, `${ack.id} on ${ack.path}`).toBeGreaterThan(1);
      expect(ack.reason.length, `${ack.id} on ${ack.path}`).toBeGreaterThan(80);
    }
  });

  it('acknowledges only findings that really occur on that resource, so none is a blanket suppression', () => {
    const acknowledged = stackWith(SUBSCRIBED);
    const bare = stackWith(SUBSCRIBED, false);
    const findings = medPatchNagPacks(bare.app).flatMap((pack) =>
      pack.validateScope(bare.app).violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => ({
          rule: violation.ruleName,
          path: resource.constructPath,
        })),
      ),
    );

    expect(findings.length).toBeGreaterThan(0);
    for (const ack of acknowledgementsIn(acknowledged.app)) {
      const matching = findings.filter(
        (finding) =>
          finding.rule === ack.id &&
          (finding.path === ack.path || (finding.path ?? '').startsWith(`${ack.path}/`)),
      );
      expect(matching.length, `${ack.id} on ${ack.path}`).toBeGreaterThan(0);
    }
  });

  it('leaves no finding of the three packs unacknowledged with subscriptions and a VPC configured', () => {
    const { app } = stackWith(
      parseSettings(
        {
          ...SUBSCRIBED,
          vpc: {
            vpcId: 'vpc-0123abcd',
            availabilityZones: ['eu-west-1a', 'eu-west-1b'],
            privateSubnetIds: ['subnet-0123abcd', 'subnet-4567abcd'],
          },
        },
        'vpc settings',
      ),
    );
    const packs = medPatchNagPacks(app);
    const findings = packs.flatMap((pack) =>
      pack
        .validateScope(app)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
    );

    expect(packs.map((pack) => pack.readPackName)).toEqual(
      expect.arrayContaining(['AwsSolutions', 'HIPAA.Security', 'Serverless']),
    );
    expect(findings).toEqual([]);
  });
});
