import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertRow, runPipeline } from '../../local/pipeline';
import { LocalRunner } from '../../local/runner';
import { LOCAL_REGION, type LocalStack, startLocalStack } from '../../local/stack';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoAlertDigestStore } from '../../shared/adapters/sns/alert-digest-store';
import { SnsAlertPublisher } from '../../shared/adapters/sns/sns-alert-publisher';
import { SqsPrioritizeQueue } from '../../shared/adapters/sqs/sqs-queues';
import type { StakeholderAlert } from '../../shared/application/ports';
import { parseAlertRouting } from '../../shared/domain/alert-routing';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const ROUTING = parseAlertRouting({
  subscriptions: [
    { id: 'ce-email', role: 'clinical_engineering', channel: 'email', endpoint: 'ce@hospital.example' },
    {
      id: 'icu-manager',
      role: 'department_manager',
      channel: 'email',
      endpoint: 'icu@hospital.example',
      departments: ['ICU'],
    },
    {
      id: 'ed-manager',
      role: 'department_manager',
      channel: 'email',
      endpoint: 'ed@hospital.example',
      departments: ['ED'],
    },
    { id: 'oncall-sms', role: 'oncall_biomed', channel: 'sms', endpoint: '+15555550100' },
  ],
});

const INVENTORY = [
  'asset_tag,manufacturer,model,model_number,software_version,device_type,department,location,clinical_criticality,network_zone',
  'ICU-IP-0001,Becton Dickinson,Alaris PC Unit,8015,9.19.2,Infusion Pump,ICU,North Tower / Floor 4,life_sustaining,clinical_lan',
  'ICU-IP-0002,Becton Dickinson,Alaris PC Unit,8015,9.33.1,Infusion Pump,ICU,North Tower / Floor 4,high,segmented',
  'ED-IP-0001,Becton Dickinson,Alaris PC Unit,8015,9.33.1,Infusion Pump,ED,Main Hospital / Floor 1,life_sustaining,internet_facing',
  'ONC-IP-0001,Becton Dickinson,Alaris PC Unit,8015,9.19.2,Infusion Pump,Oncology,Cancer Center / Floor 1,medium,isolated',
  'ICU-PM-0001,Spacelabs Healthcare,Xhibit Telemetry Receiver,96280,1.0.2,Telemetry Receiver,ICU,North Tower / Floor 4,life_sustaining,internet_facing',
].join('\n');

let stack: LocalStack;
let runner: LocalRunner;
let sqs: SQSClient;
let sns: SNSClient;
let dynamodb: DynamoDBClient;
let table: TableClient;
let outDir: string;

async function drain(
  queueUrl: string,
): Promise<{ subject: string; message: string; attributes: Record<string, string> }[]> {
  const out: { subject: string; message: string; attributes: Record<string, string> }[] = [];
  for (;;) {
    const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    const messages = res.Messages ?? [];
    if (messages.length === 0) return out;
    for (const m of messages) {
      const envelope = JSON.parse(m.Body ?? '{}') as {
        Subject?: string;
        Message?: string;
        MessageAttributes?: Record<string, { Value: string }>;
      };
      out.push({
        subject: envelope.Subject ?? '',
        message: envelope.Message ?? '',
        attributes: Object.fromEntries(
          Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
        ),
      });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
}

function queueOf(id: string): string {
  const found = stack.alertSubscriptions.find((s) => s.id === id);
  if (!found) throw new Error(`no local subscription ${id}`);
  return found.queueUrl;
}

function alert(eventId: string, decision: string, department: string, sms = true): StakeholderAlert {
  return {
    eventId,
    subject: `[MedPatch ${decision}] TAG ${eventId}`,
    body: `body of ${eventId}`,
    ...(sms ? { sms: `MedPatch ${decision}: TAG WO mp-1` } : {}),
    attributes: {
      decision,
      action: 'APPLY_PATCH',
      department,
      deviceType: 'Infusion Pump',
      severity: 'high',
    },
  };
}

beforeAll(async () => {
  // The simulator is started so the dispatcher's work orders land at once instead of retrying into the DLQ.
  stack = await startLocalStack({ alertSubscriptions: ROUTING.subscriptions });
  runner = await LocalRunner.create(stack);
  sqs = new SQSClient({
    region: LOCAL_REGION,
    endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
    credentials,
    useQueueUrlAsEndpoint: false,
  });
  sns = new SNSClient({ region: LOCAL_REGION, endpoint: stack.env.AWS_ENDPOINT_URL_SNS, credentials });
  dynamodb = new DynamoDBClient({
    region: LOCAL_REGION,
    endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
    credentials,
  });
  table = new TableClient(dynamodb, stack.tableNames.main);
  outDir = mkdtempSync(join(tmpdir(), 'medpatch-alerts-'));
}, 120_000);

afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  dynamodb?.destroy();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
  await stack?.stop();
});

describe('alert routing on fauxqs with the configured filter policies', () => {
  it('a department manager receives only the alerts of their department', async () => {
    const publisher = new SnsAlertPublisher(sns, stack.topicArns.stakeholderAlerts, table);
    await publisher.publishOnce(alert('evt-icu', 'IMMEDIATE', 'ICU'));
    await publisher.publishOnce(alert('evt-ed', 'OUT_OF_CYCLE', 'ED'));
    await publisher.publishOnce(alert('evt-onc', 'SCHEDULED', 'Oncology', false));

    const icu = await drain(queueOf('icu-manager'));
    const ed = await drain(queueOf('ed-manager'));
    const ce = await drain(queueOf('ce-email'));
    const sms = await drain(queueOf('oncall-sms'));
    expect(icu.map((m) => m.attributes.eventId)).toEqual(['evt-icu']);
    expect(ed.map((m) => m.attributes.eventId)).toEqual(['evt-ed']);
    expect(ce.map((m) => m.attributes.eventId).sort()).toEqual(['evt-ed', 'evt-icu', 'evt-onc']);
    expect(ce.every((m) => m.attributes.channel === 'email' && m.subject.startsWith('[MedPatch'))).toBe(true);
    // The SMS subscriber gets the short text of the urgent alerts only, never the email body.
    expect(sms.map((m) => m.attributes.eventId).sort()).toEqual(['evt-ed', 'evt-icu']);
    expect(sms.every((m) => m.attributes.channel === 'sms' && m.message.length <= 160)).toBe(true);
  });

  it('the SMS subscriber receives nothing for SCHEDULED or DEFER, even when an SMS text is published', async () => {
    const publisher = new SnsAlertPublisher(sns, stack.topicArns.stakeholderAlerts, table);
    await publisher.publishOnce(alert('evt-sched', 'SCHEDULED', 'ICU'));
    await publisher.publishOnce(alert('evt-defer', 'DEFER', 'ED'));
    expect(await drain(queueOf('oncall-sms'))).toEqual([]);
    expect((await drain(queueOf('icu-manager'))).map((m) => m.attributes.eventId)).toEqual(['evt-sched']);
    expect((await drain(queueOf('ed-manager'))).map((m) => m.attributes.eventId)).toEqual(['evt-defer']);
    await drain(queueOf('ce-email'));
  });

  it('a retried publish of the same domain event delivers nothing new to anyone', async () => {
    const publisher = new SnsAlertPublisher(sns, stack.topicArns.stakeholderAlerts, table);
    expect(await publisher.publishOnce(alert('evt-retry', 'IMMEDIATE', 'ICU'))).toBe(true);
    expect(await publisher.publishOnce(alert('evt-retry', 'IMMEDIATE', 'ICU'))).toBe(false);
    expect(await drain(queueOf('icu-manager'))).toHaveLength(1);
    expect(await drain(queueOf('oncall-sms'))).toHaveLength(1);
    expect(await drain(queueOf('ce-email'))).toHaveLength(1);
  });
});

describe('alerts.json from the pipeline', () => {
  let first: AlertRow[];

  it('names the audience, channel and causing event of every alert, filtered per role', async () => {
    const result = await runPipeline(stack, runner, {
      devices: { kind: 'inventory', csvText: INVENTORY },
      advisoryPaths: ['data/csaf/icsma/icsma-20-317-01.json', 'data/csaf/icsma/icsma-20-049-01.json'],
      validationsFile: 'data/demo/validations.csv',
      kevFile: 'data/kev/known_exploited_vulnerabilities.json',
      outDir,
    });
    first = JSON.parse(readFileSync(join(outDir, 'alerts.json'), 'utf8')) as AlertRow[];
    expect(first).toEqual(result.alerts);
    expect(first.length).toBeGreaterThan(0);
    const subscriptions = new Map(ROUTING.subscriptions.map((s) => [s.id, s]));
    for (const row of first) {
      const sub = subscriptions.get(row.subscription);
      expect(sub, row.subscription).toBeDefined();
      expect(row.audience).toBe(sub?.role);
      expect(row.channel).toBe(sub?.channel);
      expect(row.attributes.channel).toBe(row.channel);
      expect(row.eventId).toMatch(
        /^(NEW_FINDING|DECISION_UPGRADED|VALIDATION_FLIPPED|SLA_BREACHED):[0-9a-f]{32}$/,
      );
      expect(row.eventKind).toBe(row.eventId.split(':')[0]);
      if (sub?.departments) expect(sub.departments).toContain(row.attributes.department);
      if (row.channel === 'sms') {
        expect(['IMMEDIATE', 'OUT_OF_CYCLE']).toContain(row.attributes.decision);
        expect(row.message.length).toBeLessThanOrEqual(160);
      } else {
        expect(row.message).toContain('Validation status:');
        expect(row.message).toMatch(
          /CMMS record: http:\/\/127\.0\.0\.1:\d+\/change_request_list\.do\?sysparm_query=correlation_id%3Dmp-[0-9a-f]{32}/,
        );
      }
    }
    // Immediate alerts are only for urgent decisions; SCHEDULED / DEFER wait for the digest.
    for (const row of first) expect(['IMMEDIATE', 'OUT_OF_CYCLE']).toContain(row.attributes.decision);
    const deliveries = first.map((r) => `${r.eventId} ${r.subscription}`);
    expect(new Set(deliveries).size).toBe(deliveries.length);
    // The inventory has urgent findings in ICU and ED: every role is exercised.
    expect(new Set(first.map((r) => r.subscription))).toEqual(
      new Set(ROUTING.subscriptions.map((s) => s.id)),
    );
  }, 300_000);

  it('sends nothing new when every finding is re-assessed again (a replay of the prioritize queue)', async () => {
    const findings = await new DynamoFindingRepository(table).listAll();
    expect(findings.length).toBeGreaterThan(0);
    await new SqsPrioritizeQueue(sqs, stack.queueUrls.prioritize).send(
      findings.map((f) => ({
        type: 'finding-changed' as const,
        deviceId: f.deviceId,
        advisoryId: f.advisoryId,
      })),
    );
    await runner.drain();
    for (const sub of stack.alertSubscriptions) expect(await drain(sub.queueUrl), sub.id).toEqual([]);
  }, 300_000);

  it('sends SCHEDULED / DEFER changes as one daily digest per scope, once', async () => {
    const day = new Date().toISOString().slice(0, 10);
    const entries = await new DynamoAlertDigestStore(table).entriesOf(day);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.decision === 'SCHEDULED' || e.decision === 'DEFER')).toBe(true);
    const outcome = await runner.invokeSchedule<{ entries: number; published: number }>('alertDigest', {
      day,
    });
    const departments = new Set(entries.map((e) => e.department));
    expect(outcome).toEqual({ day, entries: entries.length, published: 1 + departments.size });

    const ce = await drain(queueOf('ce-email'));
    expect(ce.map((m) => m.attributes.digestScope)).toEqual(['hospital']);
    expect(ce[0]?.subject).toContain('[MedPatch digest]');
    expect(ce[0]?.message.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(entries.length);
    for (const [id, department] of [
      ['icu-manager', 'ICU'],
      ['ed-manager', 'ED'],
    ] as const) {
      const got = await drain(queueOf(id));
      expect(got.map((m) => `${m.attributes.digestScope} ${m.attributes.department}`)).toEqual(
        departments.has(department) ? [`department ${department}`] : [],
      );
    }
    expect(await drain(queueOf('oncall-sms'))).toEqual([]);

    const again = await runner.invokeSchedule<{ published: number }>('alertDigest', { day });
    expect(again.published).toBe(0);
  }, 120_000);
});
