import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoHospital, seedDemoHospital, sliceDemoHospital } from '../../local/demo/hospital';
import { type PipelineResult, runPipeline } from '../../local/pipeline';
import { reportSourcesOf, writePostureReport } from '../../local/report/write-report';
import { LocalRunner } from '../../local/runner';
import {
  LOCAL_REGION,
  type LocalStack,
  localDynamoDbClient,
  localSqsClient,
  startLocalStack,
} from '../../local/stack';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import type { Device } from '../../shared/domain/device';
import type { PublishReportResult, StoredReportSummary } from '../../shared/report/publish-report';
import { BUCKETS } from '../../shared/topology';

const ROOT = resolve(import.meta.dirname, '../..');
const DEVICES = 200;
const DAY = '2026-11-30';
/** The scheduled event EventBridge Scheduler sends (shape of infra/stack.ts ScheduleTargetInput). */
const SCHEDULED_EVENT = {
  'detail-type': 'Scheduled Event',
  source: 'aws.scheduler',
  time: `${DAY}T05:30:00Z`,
  detail: { description: 'daily posture report' },
};

interface Delivery {
  subject: string;
  message: string;
  attributes: Record<string, string>;
}

/** Everything SNS delivered to a capture queue (the local stand-in for an email / SMS endpoint). */
async function drain(sqs: SQSClient, queueUrl: string): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (;;) {
    const res = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = res.Messages ?? [];
    if (messages.length === 0) return out;
    for (const m of messages) {
      const envelope = JSON.parse(m.Body ?? '{}') as {
        Subject?: string;
        Message?: string;
        MessageAttributes?: Record<string, { Value?: string }>;
      };
      out.push({
        subject: envelope.Subject ?? '',
        message: envelope.Message ?? '',
        attributes: Object.fromEntries(
          Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value ?? '']),
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

/** The numbers the page shows in its headline cards (`data-testid="…"`). */
function headlineInPage(page: string): Record<string, number> {
  return Object.fromEntries(
    [...page.matchAll(/data-testid="([A-Za-z_-]+)">([\d,]+)</g)].map((m) => [
      m[1] ?? '',
      Number((m[2] ?? '').replace(/,/g, '')),
    ]),
  );
}

describe('posture report in the reports bucket (scheduled function, presigned links, report-ready message)', () => {
  let stack: LocalStack;
  let runner: LocalRunner;
  let pipeline: PipelineResult;
  let outDir: string;
  let s3: S3Client;
  let sqs: SQSClient;
  let devices: Device[];
  let before: APIGatewayProxyStructuredResultV2;
  let run: PublishReportResult;
  let deliveries: Delivery[];
  let bySubscription: Map<string, Delivery[]>;

  const bucket = () => stack.bucketNames.reports;
  const getObject = async (key: string) => {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket(), Key: key }));
    return { contentType: res.ContentType, body: (await res.Body?.transformToString('utf8')) ?? '' };
  };
  const requestLink = (method = 'GET') =>
    runner.invokeHttp('postureReport', { method, path: '/v1/reports/latest', body: '' });

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'medpatch-posture-report-'));
    stack = await startLocalStack({ servicenow: { seed: 5 } });
    if (!stack.servicenow) throw new Error('simulator expected');
    await seedDemoHospital(
      stack.servicenow,
      sliceDemoHospital(generateDemoHospital({ devices: 2000, seed: 5 }), DEVICES),
    );
    runner = await LocalRunner.create(stack);
    s3 = new S3Client({
      region: LOCAL_REGION,
      endpoint: stack.env.AWS_ENDPOINT_URL_S3,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    sqs = localSqsClient(stack);
    before = await requestLink();
    pipeline = await runPipeline(stack, runner, {
      devices: { kind: 'servicenow' },
      advisoryPaths: [join(ROOT, 'data/csaf/icsma')],
      kevFile: join(ROOT, 'data/kev/known_exploited_vulnerabilities.json'),
      validationsFile: join(ROOT, 'data/demo/validations.csv'),
      mds2File: join(ROOT, 'data/demo/mds2.csv'),
      outDir,
    });
    // runPipeline drained the capture queues: what arrives now comes from the report function.
    run = await runner.invokeSchedule<PublishReportResult>('postureReport', SCHEDULED_EVENT);
    deliveries = await drain(sqs, stack.alertCaptureQueueUrl);
    bySubscription = new Map();
    for (const sub of stack.alertSubscriptions) bySubscription.set(sub.id, await drain(sqs, sub.queueUrl));
    const dynamodb = localDynamoDbClient(stack);
    try {
      devices = await reportSourcesOf(new TableClient(dynamodb, stack.tableNames.main)).devices.listAll();
    } finally {
      dynamodb.destroy();
    }
  }, 600_000);

  afterAll(async () => {
    s3?.destroy();
    sqs?.destroy();
    runner?.close();
    await stack?.stop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('answers GET /v1/reports/latest with 404 and what to do while no report exists', () => {
    expect(before.statusCode).toBe(404);
    expect(JSON.parse(String(before.body)).error).toMatch(/No posture report for 'demo' yet.*invoke it once/);
  });

  it("writes the day's report.html and summary.json and the same pair under latest/, with their content types", async () => {
    const prefix = `${BUCKETS.reports.prefix}demo/`;
    expect(run.keys).toEqual({
      report: `${prefix}${DAY}/report.html`,
      summary: `${prefix}${DAY}/summary.json`,
      latestReport: `${prefix}latest/report.html`,
      latestSummary: `${prefix}latest/summary.json`,
    });
    const report = await getObject(run.keys.report);
    const latest = await getObject(run.keys.latestReport);
    const summary = await getObject(run.keys.summary);

    expect(report.contentType).toBe('text/html; charset=utf-8');
    expect(summary.contentType).toBe('application/json; charset=utf-8');
    expect(report.body.startsWith('<!doctype html>')).toBe(true);
    expect(Buffer.byteLength(report.body)).toBe(run.reportBytes);
    expect(latest.body).toBe(report.body);
    expect((await getObject(run.keys.latestSummary)).body).toBe(summary.body);
    // Self-contained: the charting library is inlined, nothing is fetched from elsewhere.
    expect(report.body).toContain('Licensed to the Apache Software Foundation');
    expect(report.body).not.toMatch(/<script[^>]+src=/);
  });

  it('shows headline numbers equal to summary.json and to the pipeline run that filled the store', async () => {
    const page = (await getObject(run.keys.report)).body;
    const stored = JSON.parse((await getObject(run.keys.summary)).body) as StoredReportSummary;
    const h = stored.headline;

    expect(headlineInPage(page)).toEqual({
      devices: h.devices,
      'devices-open': h.devicesWithOpenFindings,
      waiting: h.waitingOnManufacturer,
      overdue: h.overdueWorkOrders,
      'decision-IMMEDIATE': h.byDecision.IMMEDIATE,
      'decision-OUT_OF_CYCLE': h.byDecision.OUT_OF_CYCLE,
      'decision-SCHEDULED': h.byDecision.SCHEDULED,
      'decision-DEFER': h.byDecision.DEFER,
    });
    expect(h.devices).toBe(DEVICES);
    expect(h.findings).toBe(pipeline.summary.findings.total);
    expect(h.findings).toBeGreaterThan(0);
    for (const decision of ['IMMEDIATE', 'OUT_OF_CYCLE', 'SCHEDULED', 'DEFER'] as const) {
      expect(h.byDecision[decision], decision).toBe(pipeline.summary.findings.byDecision[decision] ?? 0);
    }
    expect(h.workOrders).toBe(pipeline.summary.workOrders.total);
    expect(h.workOrdersInCmms).toBe(pipeline.summary.workOrders.dispatched);
    expect(stored).toMatchObject({ hospital: 'demo', day: DAY, reportBytes: run.reportBytes });
    expect(run.headline).toEqual(h);
  });

  it('renders byte for byte what medpatch run writes for the same store, moment and CMMS', async () => {
    const stored = JSON.parse((await getObject(run.keys.summary)).body) as StoredReportSummary;
    const dynamodb = localDynamoDbClient(stack);
    try {
      const file = await writePostureReport(new TableClient(dynamodb, stack.tableNames.main), {
        outDir,
        // The pipeline's own rows; the store-read summary carries only the counts the report needs.
        summary: {
          findings: {
            total: pipeline.summary.findings.total,
            byDecision: pipeline.summary.findings.byDecision,
          },
          workOrders: {
            total: pipeline.summary.workOrders.total,
            dispatched: pipeline.summary.workOrders.dispatched,
          },
        },
        findings: pipeline.findings,
        workOrders: pipeline.workOrders,
        organization: 'demo',
        generatedAt: stored.generatedAt,
        cmms: { kind: 'servicenow', instanceUrl: stack.servicenow?.url ?? '' },
      });
      expect((await getObject(run.keys.report)).body).toBe(readFileSync(file, 'utf8'));
    } finally {
      dynamodb.destroy();
    }
  });

  it('publishes one message, to the hospital-wide email audiences only, with the headline and a 1-hour link', () => {
    expect(deliveries).toHaveLength(1);
    const [message] = deliveries;
    expect(message?.attributes).toMatchObject({
      eventKind: 'POSTURE_REPORT',
      channel: 'email',
      digestScope: 'hospital',
      eventId: `POSTURE_REPORT:demo:${DAY}`,
    });
    expect(message?.message).toContain(`Findings: ${run.headline.findings.toLocaleString('en-US')}`);
    const url = new URL(/https?:\/\/\S+/.exec(message?.message ?? '')?.[0] ?? 'missing:');
    expect(url.pathname).toBe(`/${stack.bucketNames.reports}/${run.keys.report}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(run.published).toBe(true);

    const received = [...bySubscription.entries()].filter(([, d]) => d.length > 0).map(([id]) => id);
    expect(received.sort()).toEqual(['clinical-engineering-email', 'it-security-email']);
  });

  it('names no device, asset tag, model, department or advisory in the message', () => {
    const [message] = deliveries;
    // The link is checked above; what is left is the text people read.
    const text = `${message?.subject}\n${message?.message.replace(/https?:\/\/\S+/g, '<link>')}`;
    const named = new Set<string>();
    // Names with a letter in them: a bare model number such as "860" could equal a count by chance.
    const distinctive = (value: string) => value.length >= 3 && /[A-Za-z]/.test(value);
    for (const d of devices) {
      for (const value of [d.deviceId, d.assetTag, d.serialNumber, d.model, d.modelNumber, d.department]) {
        if (distinctive(value) && text.includes(value)) named.add(value);
      }
    }
    for (const f of pipeline.findings) if (text.includes(f.advisoryId)) named.add(f.advisoryId);
    expect([...named]).toEqual([]);
    expect(text).not.toMatch(/MP-\d{6}/);
  });

  it('serves the same HTML through the presigned link fetched over HTTP', async () => {
    const url = /https?:\/\/\S+/.exec(deliveries[0]?.message ?? '')?.[0] ?? '';
    const res = await fetch(url);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toBe((await getObject(run.keys.report)).body);
  });

  it('returns a fresh 15-minute link to the newest report on GET /v1/reports/latest, never cached', async () => {
    const res = await requestLink();
    const body = JSON.parse(String(res.body)) as { url: string; expiresAt: string; reportWrittenAt: string };
    const url = new URL(body.url);

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['cache-control']).toBe('no-store');
    expect(url.pathname).toBe(`/${stack.bucketNames.reports}/${run.keys.latestReport}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    const minutesLeft = (Date.parse(body.expiresAt) - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(10);
    expect(minutesLeft).toBeLessThanOrEqual(15);
    const fetched = await fetch(body.url);
    expect(await fetched.text()).toBe((await getObject(run.keys.report)).body);
    expect((await requestLink('POST')).statusCode).toBe(405);
  });

  it('rewrites the report on a retried run of the same day without sending a second message', async () => {
    const summaryOf = async (key: string) => JSON.parse((await getObject(key)).body) as StoredReportSummary;
    const first = await summaryOf(run.keys.summary);
    const again = await runner.invokeSchedule<PublishReportResult>('postureReport', SCHEDULED_EVENT);

    expect(again.published).toBe(false);
    expect(again.keys).toEqual(run.keys);
    expect(await drain(sqs, stack.alertCaptureQueueUrl)).toEqual([]);
    expect(Date.parse((await summaryOf(run.keys.latestSummary)).generatedAt)).toBeGreaterThan(
      Date.parse(first.generatedAt),
    );
  });
});
