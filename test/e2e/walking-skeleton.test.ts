import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoHospital, generateDemoHospital, seedDemoHospital } from '../../local/demo/hospital';
import { type PipelineResult, runPipeline } from '../../local/pipeline';
import { LocalRunner } from '../../local/runner';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { normalizeManufacturer } from '../../shared/domain/manufacturer';
import { compareVersions } from '../../shared/domain/version-spec';

const ROOT = resolve(import.meta.dirname, '../..');
const ADVISORIES = join(ROOT, 'data/csaf/icsma');
const KEV = join(ROOT, 'data/kev/known_exploited_vulnerabilities.json');
const VALIDATIONS = join(ROOT, 'data/demo/validations.csv');

/**
 * The walking skeleton on the embedded local stack: ServiceNow simulator → cmms-sync → DynamoDB → advisory-ingest
 * → SQS → matcher → prioritizer (gate) → SQS FIFO → dispatcher → change_request rows in the simulator, with
 * alerts through SNS. Everything between stages is real (DynamoDB Local, fauxqs, HTTP).
 */
describe('walking skeleton on the local stack', () => {
  let stack: LocalStack;
  let runner: LocalRunner;
  let hospital: DemoHospital;
  let first: PipelineResult;
  let outDir: string;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'medpatch-e2e-'));
    hospital = generateDemoHospital({ devices: 2000, seed: 7 });
    stack = await startLocalStack();
    if (!stack.servicenow) throw new Error('simulator expected');
    await seedDemoHospital(stack.servicenow, hospital);
    runner = await LocalRunner.create(stack);
    first = await runPipeline(stack, runner, {
      devices: { kind: 'servicenow' },
      advisoryPaths: [ADVISORIES],
      kevFile: KEV,
      validationsFile: VALIDATIONS,
      outDir,
    });
  }, 600_000);

  afterAll(async () => {
    runner?.close();
    await stack?.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('syncs every seeded device and ingests every ICSMA advisory', () => {
    expect(first.summary.devices.written).toBe(hospital.devices.length);
    expect(first.summary.devices.rejected).toBe(0);
    expect(first.summary.advisories.accepted).toBe(109);
  });

  it('holds exactly one change_request per planned work order, each with a unique correlation_id', () => {
    const changeRequests = stack.servicenow?.list('change_request') ?? [];
    const correlationIds = changeRequests.map((record) => record.correlation_id ?? '');
    expect(first.workOrders.length).toBeGreaterThan(100);
    expect(correlationIds.every((id) => id !== '')).toBe(true);
    expect(new Set(correlationIds).size).toBe(correlationIds.length);
    expect(new Set(correlationIds)).toEqual(new Set(first.workOrders.map((w) => w.correlationId)));
    const byCorrelation = new Map(changeRequests.map((record) => [record.correlation_id, record.number]));
    for (const workOrder of first.workOrders)
      expect(workOrder.cmmsRef).toBe(byCorrelation.get(workOrder.correlationId));
  });

  it('writes the contract files with the fields DESIGN.md §5 names', () => {
    const findings = JSON.parse(readFileSync(join(outDir, 'findings.json'), 'utf8')) as Record<
      string,
      unknown
    >[];
    const workOrders = JSON.parse(readFileSync(join(outDir, 'work-orders.json'), 'utf8')) as Record<
      string,
      unknown
    >[];
    const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8')) as {
      findings: { total: number };
    };
    expect(findings.length).toBe(summary.findings.total);
    for (const key of [
      'assetTag',
      'deviceId',
      'advisoryId',
      'cves',
      'product',
      'matchConfidence',
      'validationStatus',
      'action',
      'decision',
      'score',
    ]) {
      expect(findings[0]).toHaveProperty(key);
    }
    for (const key of [
      'correlationId',
      'kind',
      'assetTags',
      'advisoryIds',
      'decision',
      'priority',
      'dueDate',
      'cmmsRef',
    ]) {
      expect(workOrders[0]).toHaveProperty(key);
    }
  });

  it('plans APPLY_PATCH only for devices a VALIDATED record covers, and never for the NOT_APPROVED model', () => {
    const devicesByTag = new Map(hospital.devices.map((d) => [d.asset_tag, d]));
    const patches = first.workOrders.filter((w) => w.kind === 'APPLY_PATCH');
    expect(patches.length).toBeGreaterThan(0);
    for (const workOrder of patches) {
      const device = devicesByTag.get(workOrder.assetTags[0] ?? '');
      const version = device?.u_software_version || device?.firmware_version || '';
      const coveredAlaris =
        normalizeManufacturer(device?.manufacturer ?? '') === normalizeManufacturer('Becton Dickinson') &&
        device?.model_number === '8015' &&
        compareVersions(version, '9.33.1') <= 0 &&
        workOrder.advisoryIds[0] === 'ICSMA-20-317-01';
      const coveredIntelliVue =
        device?.model_id.endsWith('IntelliVue MX800') === true &&
        workOrder.advisoryIds[0] === 'ICSMA-20-254-01';
      expect(
        coveredAlaris || coveredIntelliVue,
        `${workOrder.assetTags[0]} ${workOrder.advisoryIds[0]}`,
      ).toBe(true);
    }
    const spacelabs = first.findings.filter((f) => f.advisoryId === 'ICSMA-20-049-01');
    expect(spacelabs.length).toBeGreaterThan(0);
    for (const finding of spacelabs) expect(finding.action).not.toBe('APPLY_PATCH');
  });

  it('routes alerts through SNS to the filtered subscriptions, once per domain event and subscription', () => {
    expect(first.alerts.length).toBeGreaterThan(0);
    const deliveries = first.alerts.map((a) => `${a.eventId} ${a.subscription}`);
    expect(new Set(deliveries).size).toBe(deliveries.length);
    for (const alert of first.alerts)
      expect(alert.attributes.decision).toMatch(/IMMEDIATE|OUT_OF_CYCLE|SCHEDULED|DEFER/);
  });

  it('creates no duplicate change_request when the pipeline runs again against the same simulator', async () => {
    const before = stack.servicenow?.list('change_request').length ?? 0;
    // A fresh store (as after a redeployment) forces every work order through the correlation_id lookup again.
    await stack.resetStore();
    const second = await runPipeline(stack, runner, {
      devices: { kind: 'servicenow' },
      advisoryPaths: [ADVISORIES],
      kevFile: KEV,
      validationsFile: VALIDATIONS,
      outDir,
    });
    expect(second.workOrders.length).toBe(first.workOrders.length);
    expect(stack.servicenow?.list('change_request').length).toBe(before);
    expect(second.workOrders.every((w) => w.cmmsRef !== undefined)).toBe(true);
  }, 600_000);
});
