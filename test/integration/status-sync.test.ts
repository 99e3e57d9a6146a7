import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoHospital, seedDemoHospital, sliceDemoHospital } from '../../local/demo/hospital';
import { type PipelineResult, runPipeline } from '../../local/pipeline';
import { LocalRunner } from '../../local/runner';
import { LOCAL_REGION, type LocalStack, startLocalStack } from '../../local/stack';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { keys } from '../../shared/adapters/dynamodb/keys';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoValidationRepository } from '../../shared/adapters/dynamodb/validation-repository';
import { DynamoWorkOrderRepository } from '../../shared/adapters/dynamodb/work-order-repository';
import type { SyncStatusOutcome } from '../../shared/application/sync-work-order-status';
import { normalizeManufacturer } from '../../shared/domain/manufacturer';
import { followUpCorrelationIdFor, rollbackCorrelationIdFor } from '../../shared/domain/planning';
import type { WorkOrder } from '../../shared/domain/work-order';

const ROOT = resolve(import.meta.dirname, '../..');
const DEVICES = 300;

describe('status back-sync reads ServiceNow change_request states and acts on closures', () => {
  let stack: LocalStack;
  let runner: LocalRunner;
  let result: PipelineResult;
  let outDir: string;
  let dynamodb: DynamoDBClient;
  let table: TableClient;
  let workOrders: DynamoWorkOrderRepository;
  let findings: DynamoFindingRepository;
  let patched: WorkOrder;
  let failed: WorkOrder;
  let mitigated: WorkOrder;
  let cancelled: WorkOrder;
  let firstSync: SyncStatusOutcome;

  const changeRequests = () => stack.servicenow?.list('change_request') ?? [];
  const recordOf = (correlationId: string) =>
    changeRequests().find((r) => r.correlation_id === correlationId);

  /** What a technician does in ServiceNow: PATCH the change_request through the Table API. */
  async function technician(correlationId: string, fields: Record<string, string>): Promise<void> {
    const record = recordOf(correlationId);
    if (!record?.sys_id || !stack.servicenow) throw new Error(`no change_request for ${correlationId}`);
    const res = await fetch(`${stack.servicenow.url}/api/now/table/change_request/${record.sys_id}`, {
      method: 'PATCH',
      headers: {
        Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}`,
        'Content-Type': 'application/json',
        Accept: 'application/json',
      },
      body: JSON.stringify(fields),
    });
    expect(res.status).toBe(200);
  }

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'medpatch-status-sync-'));
    stack = await startLocalStack({ servicenow: { seed: 13 } });
    if (!stack.servicenow) throw new Error('simulator expected');
    await seedDemoHospital(
      stack.servicenow,
      sliceDemoHospital(generateDemoHospital({ devices: 2000, seed: 11 }), DEVICES),
    );
    runner = await LocalRunner.create(stack);
    result = await runPipeline(stack, runner, {
      devices: { kind: 'servicenow' },
      advisoryPaths: [join(ROOT, 'data/csaf/icsma')],
      validationsFile: join(ROOT, 'data/demo/validations.csv'),
      outDir,
    });
    dynamodb = new DynamoDBClient({
      region: LOCAL_REGION,
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    table = new TableClient(dynamodb, stack.tableNames.main);
    workOrders = new DynamoWorkOrderRepository(table);
    findings = new DynamoFindingRepository(table);
    const all = await workOrders.listAll();
    const ofKind = (kind: WorkOrder['kind']) => all.filter((w) => w.kind === kind);
    const patches = ofKind('APPLY_PATCH');
    const [p0, p1] = patches;
    const [m0] = ofKind('APPLY_MITIGATION');
    const c0 = all.find((w) => w.kind !== 'APPLY_PATCH' && w !== m0);
    if (!p0 || !p1 || !m0 || !c0) {
      throw new Error(
        `the demo slice should plan 2 APPLY_PATCH, 1 APPLY_MITIGATION and one more work order (got ${patches.length} patches of ${all.length})`,
      );
    }
    [patched, failed, mitigated, cancelled] = [p0, p1, m0, c0];

    await technician(patched.correlationId, {
      state: '3',
      close_code: 'successful',
      close_notes: 'Patch installed, post-update checks passed',
    });
    await technician(failed.correlationId, {
      state: '3',
      close_code: 'unsuccessful',
      close_notes: 'Device failed its self-test after the update',
    });
    await technician(mitigated.correlationId, {
      state: '3',
      close_code: 'successful',
      close_notes: 'VLAN applied',
    });
    await technician(cancelled.correlationId, { state: '4', close_notes: 'Cancelled by mistake' });

    firstSync = await runner.invokeSchedule<SyncStatusOutcome>('statusSync', {});
    await runner.drain();
  }, 600_000);

  afterAll(async () => {
    dynamodb?.destroy();
    runner?.close();
    await stack?.stop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('counts what it read: 2 completed, 1 failed, 1 cancelled, the rest still open', () => {
    expect(firstSync.completed).toBe(2);
    expect(firstSync.failed).toBe(1);
    expect(firstSync.cancelled).toBe(1);
    expect(firstSync.missing).toBe(0);
    expect(firstSync.stillOpen).toBe(firstSync.checked - 4);
    expect(firstSync.checked).toBe(result.workOrders.length);
  });

  it('moves the findings of a completed patch to PATCHED and of a completed mitigation to MITIGATED, with closedAt and audit', async () => {
    for (const [workOrder, state] of [
      [patched, 'PATCHED'],
      [mitigated, 'MITIGATED'],
    ] as const) {
      const stored = await workOrders.get(workOrder.correlationId);
      expect(stored?.closedAt).toBeDefined();
      expect(stored?.cmmsOutcome).toBe('completed');
      const finding = await findings.get(workOrder.deviceIds[0] ?? '', workOrder.advisoryIds[0] ?? '');
      expect(finding?.remediationState).toBe(state);
    }
    const audit = await new DynamoAuditRepository(table).listByEntity(`WORKORDER#${patched.correlationId}`);
    const closing = audit.at(-1);
    expect(closing?.actor).toBe('status-sync');
    expect(closing?.reason).toContain('state 3 (successful)');
    expect(closing?.after).toContain('Patch installed');
  });

  it('opens a ROLLBACK change_request for the failed patch and alerts once', async () => {
    const rollbackId = rollbackCorrelationIdFor(failed.correlationId);
    const rollback = await workOrders.get(rollbackId);
    expect(rollback?.kind).toBe('ROLLBACK');
    expect(rollback?.priority).toBe(1);
    expect(rollback?.originCorrelationId).toBe(failed.correlationId);
    expect(rollback?.assetTags).toEqual(failed.assetTags);
    expect(rollback?.description).toContain('Device failed its self-test');
    expect(changeRequests().filter((r) => r.correlation_id === rollbackId)).toHaveLength(1);
    expect((await workOrders.get(failed.correlationId))?.cmmsOutcome).toBe('failed');
    const finding = await findings.get(failed.deviceIds[0] ?? '', failed.advisoryIds[0] ?? '');
    expect(finding?.remediationState).not.toBe('PATCHED');
    const sent = await table.doc.send(
      new GetCommand({
        TableName: stack.tableNames.main,
        Key: keys.alertSent(`work-order-failed|${failed.correlationId}|${failed.revision}#email`),
      }),
    );
    expect(sent.Item).toBeDefined();
  });

  it('re-opens the cancelled change_request with a new revision instead of losing the work', async () => {
    const stored = await workOrders.get(cancelled.correlationId);
    expect(stored?.closedAt).toBeUndefined();
    expect(stored?.reopenCount).toBe(1);
    expect(stored?.revision).not.toBe(cancelled.revision);
    expect(await workOrders.dispatchedRevision(cancelled.correlationId)).toBe(stored?.revision);
    const record = recordOf(cancelled.correlationId);
    expect(record?.state).toBe('-5');
    expect(record?.description).toContain('was cancelled in the CMMS');
    expect(changeRequests().filter((r) => r.correlation_id === cancelled.correlationId)).toHaveLength(1);
  });

  it('fills the planned window, assignment group and plans of an APPLY_PATCH change_request', () => {
    const record = recordOf(patched.correlationId);
    expect(record?.start_date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(record?.end_date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(record?.assignment_group).toBe(patched.assignmentGroup);
    expect(patched.assignmentGroup?.length ?? 0).toBeGreaterThan(0);
    expect(record?.backout_plan).toContain('roll back to');
    expect(record?.test_plan).toContain("manufacturer's post-update checks");
  });

  it('resolves (never deletes) the change_request of a finding that is no longer affected', async () => {
    const open = (await workOrders.listAll()).find(
      (w) =>
        w.closedAt === undefined &&
        ![patched, failed, mitigated, cancelled].some((t) => t.correlationId === w.correlationId) &&
        w.kind !== 'ROLLBACK' &&
        w.kind !== 'REVIEW_MATCH',
    );
    if (!open) throw new Error('another open work order expected');
    const [deviceId, advisoryId] = [open.deviceIds[0] ?? '', open.advisoryIds[0] ?? ''];
    const previous = await findings.get(deviceId, advisoryId);
    if (!previous) throw new Error('finding expected');
    // What the matcher does when a device no longer matches: NOT_AFFECTED, then a prioritize message.
    await findings.save({ ...previous, remediationState: 'NOT_AFFECTED', action: 'NONE' }, previous, {
      actor: 'test',
      reason: 'no longer matches',
    });
    const before = changeRequests().length;
    const sqs = new SQSClient({
      region: LOCAL_REGION,
      endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      useQueueUrlAsEndpoint: false,
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.queueUrls.prioritize,
        MessageBody: JSON.stringify({ type: 'finding-changed', deviceId, advisoryId }),
      }),
    );
    sqs.destroy();
    await runner.drain();
    const record = recordOf(open.correlationId);
    expect(changeRequests().length).toBe(before);
    expect(record?.state).toBe('4');
    expect(record?.close_notes).toContain('no longer affected');
    const stored = await workOrders.get(open.correlationId);
    expect(stored?.closedAt).toBeDefined();
    expect(stored?.resolution).toContain('no longer affected');
  });

  it('groups REVIEW_MATCH per model × advisory: one change_request lists every device, per-device records resolved', async () => {
    // The demo corpus yields no uncertain matches today: make two devices of one model `possible` for an
    // advisory, as the matcher would, and send their prioritize messages.
    const devices = new DynamoDeviceRepository(table);
    const taken = new Set([patched, failed, mitigated, cancelled].map((w) => w.correlationId));
    const open = (await workOrders.listAll()).filter(
      (w) =>
        w.closedAt === undefined &&
        !taken.has(w.correlationId) &&
        w.kind !== 'APPLY_PATCH' &&
        w.kind !== 'ROLLBACK',
    );
    const byModel = new Map<string, WorkOrder[]>();
    for (const w of open) {
      const device = await devices.get(w.deviceIds[0] ?? '');
      const key = `${device?.manufacturer}|${device?.model}|${w.advisoryIds[0]}`;
      byModel.set(key, [...(byModel.get(key) ?? []), w]);
    }
    const pair = [...byModel.values()].find((list) => list.length >= 2)?.slice(0, 2);
    if (!pair) throw new Error('two open work orders of one model and advisory expected');
    const before = changeRequests().length;
    const sqs = new SQSClient({
      region: LOCAL_REGION,
      endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      useQueueUrlAsEndpoint: false,
    });
    for (const w of pair) {
      const [deviceId, advisoryId] = [w.deviceIds[0] ?? '', w.advisoryIds[0] ?? ''];
      const previous = await findings.get(deviceId, advisoryId);
      if (!previous) throw new Error('finding expected');
      await findings.save({ ...previous, matchConfidence: 'possible' }, previous, {
        actor: 'test',
        reason: 'uncertain',
      });
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.queueUrls.prioritize,
          MessageBody: JSON.stringify({ type: 'finding-changed', deviceId, advisoryId }),
        }),
      );
    }
    sqs.destroy();
    await runner.drain();

    const reviews = (await workOrders.listAll()).filter(
      (w) => w.kind === 'REVIEW_MATCH' && w.closedAt === undefined,
    );
    expect(reviews).toHaveLength(1);
    const group = reviews[0];
    expect([...(group?.assetTags ?? [])].sort()).toEqual(pair.flatMap((w) => w.assetTags).sort());
    expect(changeRequests().length).toBe(before + 1);
    const record = recordOf(group?.correlationId ?? '');
    expect(record?.description).toContain('Devices (2):');
    for (const w of pair) {
      expect(recordOf(w.correlationId)?.state).toBe('4');
      expect(recordOf(w.correlationId)?.close_notes).toContain('merged into the model review');
    }
  });

  it('a validated patch after a completed mitigation goes to a follow-up change_request, worked by field service', async () => {
    const [deviceId, advisoryId] = [mitigated.deviceIds[0] ?? '', mitigated.advisoryIds[0] ?? ''];
    const device = await new DynamoDeviceRepository(table).get(deviceId);
    if (!device) throw new Error('device expected');
    await new DynamoValidationRepository(table).save(
      {
        recordId: 'status-sync-follow-up',
        manufacturer: device.manufacturer,
        manufacturerKey: normalizeManufacturer(device.manufacturer),
        product: device.model,
        versions: '',
        advisoryId,
        status: 'VALIDATED',
        evidence: {
          source: 'manufacturer_letter',
          reference: 'TEST-1',
          date: '2026-01-01',
          recordedBy: 'biomed.lead@example.org',
        },
        patchId: 'TEST-SP1',
        conditions: 'Field service only',
        recordedAt: '2026-01-02T00:00:00Z',
      },
      { actor: 'test', reason: 'manufacturer validated the patch' },
    );
    const sqs = new SQSClient({
      region: LOCAL_REGION,
      endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      useQueueUrlAsEndpoint: false,
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.queueUrls.prioritize,
        MessageBody: JSON.stringify({ type: 'finding-changed', deviceId, advisoryId }),
      }),
    );
    sqs.destroy();
    await runner.drain();

    const followUpId = followUpCorrelationIdFor(mitigated.correlationId, 'APPLY_PATCH');
    const followUp = await workOrders.get(followUpId);
    expect(followUp?.kind).toBe('APPLY_PATCH');
    expect(followUp?.performedBy).toBe('vendor_field_service');
    expect(recordOf(followUpId)?.assignment_group).toBe('Vendor Field Service');
    expect(recordOf(mitigated.correlationId)?.state).toBe('3');
    expect((await workOrders.get(mitigated.correlationId))?.cmmsOutcome).toBe('completed');
  });

  it('a second run and a re-scoring change nothing more: no new records, closed work orders stay closed', async () => {
    const before = changeRequests().length;
    const second = await runner.invokeSchedule<SyncStatusOutcome>('statusSync', {});
    await runner.drain();
    expect(second.completed + second.failed + second.cancelled).toBe(0);
    await runner.invokeSchedule('rescore', {});
    await runner.drain();
    expect(changeRequests().length).toBe(before);
    expect((await workOrders.get(patched.correlationId))?.closedAt).toBeDefined();
    expect(recordOf(patched.correlationId)?.state).toBe('3');
    const finding = await findings.get(patched.deviceIds[0] ?? '', patched.advisoryIds[0] ?? '');
    expect(finding?.remediationState).toBe('PATCHED');
  }, 300_000);
});
