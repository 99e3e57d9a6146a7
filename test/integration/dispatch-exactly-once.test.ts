import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoHospital, seedDemoHospital, sliceDemoHospital } from '../../local/demo/hospital';
import { type PipelineInput, type PipelineResult, runPipeline } from '../../local/pipeline';
import { LocalRunner } from '../../local/runner';
import { LOCAL_REGION, type LocalStack, startLocalStack } from '../../local/stack';
import { DynamoEnrichmentRepository } from '../../shared/adapters/dynamodb/enrichment-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoWorkOrderRepository } from '../../shared/adapters/dynamodb/work-order-repository';

const ROOT = resolve(import.meta.dirname, '../..');
const DEVICES = 400;

describe('work orders reach the CMMS exactly once, through faults, replays and re-scoring', () => {
  let stack: LocalStack;
  let runner: LocalRunner;
  let result: PipelineResult;
  let outDir: string;
  let sqs: SQSClient;
  let dynamodb: DynamoDBClient;
  let input: PipelineInput;
  /** Stored revision per correlation id: a replayed pointer names the revision the planner stored. */
  const revisions = new Map<string, string>();

  const changeRequests = () => stack.servicenow?.list('change_request') ?? [];
  const countByCorrelation = () => {
    const counts = new Map<string, number>();
    for (const record of changeRequests()) {
      const id = record.correlation_id ?? '';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  };

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'medpatch-exactly-once-'));
    stack = await startLocalStack({ servicenow: { seed: 11 } });
    if (!stack.servicenow) throw new Error('simulator expected');
    await seedDemoHospital(
      stack.servicenow,
      sliceDemoHospital(generateDemoHospital({ devices: 2000, seed: 11 }), DEVICES),
    );
    // 20% of requests fail: 500/502/503, dropped connections, and POSTs that commit and then drop the connection.
    stack.servicenow.setFaults({ errorRate: 0.1, dropRate: 0.05, commitThenDropRate: 0.05 });
    runner = await LocalRunner.create(stack);
    input = {
      devices: { kind: 'servicenow' },
      advisoryPaths: [join(ROOT, 'data/csaf/icsma')],
      kevFile: join(ROOT, 'data/kev/known_exploited_vulnerabilities.json'),
      validationsFile: join(ROOT, 'data/demo/validations.csv'),
      outDir,
    };
    result = await runPipeline(stack, runner, input);
    sqs = new SQSClient({
      region: LOCAL_REGION,
      endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      useQueueUrlAsEndpoint: false,
    });
    dynamodb = new DynamoDBClient({
      region: LOCAL_REGION,
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const table = new TableClient(dynamodb, stack.tableNames.main);
    for (const w of await new DynamoWorkOrderRepository(table).listAll())
      revisions.set(w.correlationId, w.revision);
  }, 600_000);

  afterAll(async () => {
    sqs?.destroy();
    dynamodb?.destroy();
    runner?.close();
    await stack?.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('holds every planned work order exactly once in ServiceNow despite 20% injected faults', () => {
    const counts = countByCorrelation();
    expect(result.workOrders.length).toBeGreaterThan(50);
    for (const workOrder of result.workOrders) expect(counts.get(workOrder.correlationId)).toBe(1);
    expect(changeRequests().length).toBe(result.workOrders.length);
    expect(result.workOrders.every((w) => w.cmmsRef)).toBe(true);
  });

  it('creates nothing new when every work-order and prioritize message is replayed twice', async () => {
    const before = changeRequests().length;
    const alertsBefore = result.alerts.length;
    for (let round = 0; round < 2; round += 1) {
      // A replay after SQS's deduplication window: same work order, fresh deduplication id.
      for (let i = 0; i < result.workOrders.length; i += 10) {
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: stack.queueUrls.workOrders,
            Entries: result.workOrders.slice(i, i + 10).map((w, j) => ({
              Id: String(j),
              MessageBody: JSON.stringify({
                correlationId: w.correlationId,
                revision: revisions.get(w.correlationId) ?? '',
              }),
              MessageGroupId: w.correlationId,
              MessageDeduplicationId: `replay-${round}-${w.correlationId}`,
            })),
          }),
        );
      }
      for (let i = 0; i < result.findings.length; i += 10) {
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: stack.queueUrls.prioritize,
            Entries: result.findings.slice(i, i + 10).map((f, j) => ({
              Id: String(j),
              MessageBody: JSON.stringify({
                type: 'finding-changed',
                deviceId: f.deviceId,
                advisoryId: f.advisoryId,
              }),
            })),
          }),
        );
      }
      await runner.drain();
    }
    const after = await runPipeline(stack, runner, input);
    expect(changeRequests().length).toBe(before);
    expect(new Set(changeRequests().map((r) => r.correlation_id)).size).toBe(before);
    expect(alertsBefore).toBeGreaterThan(0);
    expect(after.alerts.length).toBe(0); // alerts.json of the second run holds only new deliveries
  }, 600_000);

  it('upgrades the decision when a CVE joins KEV and updates the existing change_request in place', async () => {
    stack.servicenow?.setFaults({});
    const table = new TableClient(dynamodb, stack.tableNames.main);
    const findings = await new DynamoFindingRepository(table).listAll();
    const candidate = findings.find(
      (f) =>
        f.remediationState !== 'NOT_AFFECTED' &&
        f.cves.length > 0 &&
        f.prioritization?.inputs.exploitation === 'none' &&
        f.action !== 'REVIEW_MATCH',
    );
    if (!candidate?.prioritization)
      throw new Error('the corpus should yield a finding with no known exploitation');
    const workOrder = result.workOrders.find(
      (w) => w.assetTags[0] === candidate.assetTag && w.advisoryIds[0] === candidate.advisoryId,
    );
    if (!workOrder) throw new Error('the finding should have a work order');
    const record = changeRequests().find((r) => r.correlation_id === workOrder.correlationId);
    const before = { count: changeRequests().length, modCount: Number(record?.sys_mod_count ?? 0) };

    await new DynamoEnrichmentRepository(table).saveKev(candidate.cves, 'test-added');
    await runner.invokeSchedule('rescore', {});
    await runner.drain();

    const rescored = await new DynamoFindingRepository(table).get(candidate.deviceId, candidate.advisoryId);
    expect(rescored?.prioritization?.inputs.exploitation).toBe('active');
    expect(rank(rescored?.prioritization?.decision)).toBeLessThan(rank(candidate.prioritization.decision));
    const updated = changeRequests().find((r) => r.correlation_id === workOrder.correlationId);
    expect(changeRequests().length).toBe(before.count);
    expect(Number(updated?.sys_mod_count ?? 0)).toBeGreaterThan(before.modCount);
    expect(updated?.priority).not.toBe(record?.priority);
  }, 300_000);
});

const ORDER = ['IMMEDIATE', 'OUT_OF_CYCLE', 'SCHEDULED', 'DEFER'];
function rank(decision: string | undefined): number {
  return decision === undefined ? 99 : ORDER.indexOf(decision);
}
