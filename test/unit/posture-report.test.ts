import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3ReportStore } from '../../shared/adapters/s3/s3-report-store';
import type { AlertPublisher, StakeholderAlert } from '../../shared/application/ports';
import { ConfigurationError, NotFoundError, ValidationError } from '../../shared/errors';
import { CHART_LIBRARY_FILE, loadChartLibrary } from '../../shared/report/chart-library';
import type { ReportSources } from '../../shared/report/gather-report';
import {
  linkToLatestReport,
  publishPostureReport,
  type ReportObject,
  type ReportStore,
  reportKeys,
} from '../../shared/report/publish-report';

class MemoryStore implements ReportStore {
  readonly puts: ReportObject[] = [];
  readonly objects = new Map<string, { body: string; at: string }>();
  async put(object: ReportObject): Promise<void> {
    this.puts.push(object);
    this.objects.set(object.key, { body: object.body, at: new Date().toISOString() });
  }
  async find(key: string) {
    const found = this.objects.get(key);
    return found ? { key, lastModified: found.at } : null;
  }
  async presignGet(key: string, seconds: number): Promise<string> {
    return `https://bucket.example/${key}?X-Amz-Expires=${seconds}`;
  }
}

class MemoryAlerts implements AlertPublisher {
  readonly sent: StakeholderAlert[] = [];
  async publishOnce(alert: StakeholderAlert): Promise<boolean> {
    if (this.sent.some((a) => a.eventId === alert.eventId)) return false;
    this.sent.push(alert);
    return true;
  }
}

const NOW = '2026-11-30T05:30:12.000Z';
const sources: ReportSources = {
  devices: {
    listAll: async () =>
      [
        { deviceId: 'd1', assetTag: 'TAG-ALPHA', manufacturer: 'Acme', model: 'Pump X', modelNumber: 'PX-1' },
        { deviceId: 'd2', assetTag: 'TAG-BRAVO', manufacturer: 'Acme', model: 'Pump X', modelNumber: 'PX-1' },
      ] as never,
  },
  findings: {
    listAll: async () =>
      [
        {
          findingId: 'd1|ADV-1',
          deviceId: 'd1',
          assetTag: 'TAG-ALPHA',
          advisoryId: 'ADV-1',
          cves: ['CVE-2026-0001'],
          product: 'Pump X',
          matchConfidence: 'confirmed',
          validationStatus: 'UNKNOWN',
          remediationState: 'OPEN',
          prioritization: { decision: 'IMMEDIATE' },
        },
        {
          findingId: 'd2|ADV-1',
          deviceId: 'd2',
          assetTag: 'TAG-BRAVO',
          advisoryId: 'ADV-1',
          cves: ['CVE-2026-0001'],
          product: 'Pump X',
          matchConfidence: 'confirmed',
          validationStatus: 'NOT_AFFECTED',
          remediationState: 'NOT_AFFECTED',
        },
      ] as never,
  },
  workOrders: {
    listAll: async () =>
      [
        {
          correlationId: 'wo-open',
          kind: 'REQUEST_VALIDATION',
          assetTags: ['TAG-ALPHA'],
          advisoryIds: ['ADV-1'],
          decision: 'IMMEDIATE',
          priority: 1,
          dueDate: '2026-11-01T00:00:00.000Z',
        },
        {
          correlationId: 'wo-closed',
          kind: 'APPLY_MITIGATION',
          assetTags: ['TAG-ALPHA'],
          advisoryIds: ['ADV-1'],
          decision: 'IMMEDIATE',
          priority: 1,
          dueDate: '2026-11-01T00:00:00.000Z',
          closedAt: '2026-11-02T00:00:00.000Z',
        },
      ] as never,
  },
  advisories: { getMany: async () => [{ advisoryId: 'ADV-1', title: 'Pump X flaw' }] as never },
  mds2Profiles: { listAll: async () => [] },
};

describe('posture report publishing', () => {
  it('writes the dated copy before latest/, and sends one message per hospital and day', async () => {
    const store = new MemoryStore();
    const alerts = new MemoryAlerts();
    const deps = { sources, store, alerts, chartScript: () => 'window.echarts={};' };
    const options = {
      hospital: 'st-mary',
      day: '2026-11-30',
      generatedAt: NOW,
      prefix: 'reports/',
      linkSeconds: 3600,
    };

    const first = await publishPostureReport(deps, options);
    const second = await publishPostureReport(deps, options);

    expect(store.puts.slice(0, 4).map((p) => [p.key, p.contentType])).toEqual([
      ['reports/st-mary/2026-11-30/report.html', 'text/html; charset=utf-8'],
      ['reports/st-mary/2026-11-30/summary.json', 'application/json; charset=utf-8'],
      ['reports/st-mary/latest/report.html', 'text/html; charset=utf-8'],
      ['reports/st-mary/latest/summary.json', 'application/json; charset=utf-8'],
    ]);
    expect([first.published, second.published]).toEqual([true, false]);
    expect(alerts.sent).toHaveLength(1);
    expect(first.linkExpiresAt).toBe('2026-11-30T06:30:12.000Z');
  });

  it('counts what the store holds now: NOT_AFFECTED findings and closed work orders are left out', async () => {
    const store = new MemoryStore();
    const result = await publishPostureReport(
      { sources, store, alerts: new MemoryAlerts(), chartScript: () => '' },
      { hospital: 'st-mary', day: '2026-11-30', generatedAt: NOW, prefix: 'reports/', linkSeconds: 600 },
    );

    expect(result.headline).toMatchObject({
      devices: 2,
      devicesWithOpenFindings: 1,
      findings: 1,
      byDecision: { IMMEDIATE: 1, OUT_OF_CYCLE: 0, SCHEDULED: 0, DEFER: 0 },
      waitingOnManufacturer: 1,
      workOrders: 1,
      overdueWorkOrders: 1,
    });
    const summary = JSON.parse(store.puts[1]?.body ?? '{}');
    expect(summary.headline).toEqual(result.headline);
    expect(summary.reportBytes).toBe(Buffer.byteLength(store.puts[0]?.body ?? ''));
  });

  it('sends headline counts and the link only, routed to hospital-wide email, without an SMS copy', async () => {
    const alerts = new MemoryAlerts();
    await publishPostureReport(
      { sources, store: new MemoryStore(), alerts, chartScript: () => '' },
      { hospital: 'st-mary', day: '2026-11-30', generatedAt: NOW, prefix: 'reports/', linkSeconds: 3600 },
    );
    const [alert] = alerts.sent;

    expect(alert?.sms).toBeUndefined();
    expect(alert?.attributes).toMatchObject({ digestScope: 'hospital', eventKind: 'POSTURE_REPORT' });
    expect(alert?.eventId).toBe('POSTURE_REPORT:st-mary:2026-11-30');
    expect(alert?.body).toContain(
      'https://bucket.example/reports/st-mary/2026-11-30/report.html?X-Amz-Expires=3600',
    );
    expect(alert?.body).toContain('Immediate 1');
    for (const identifier of ['TAG-ALPHA', 'TAG-BRAVO', 'd1', 'ADV-1', 'Pump X', 'PX-1', 'CVE-2026-0001']) {
      expect(`${alert?.subject}\n${alert?.body}`, identifier).not.toContain(identifier);
    }
  });

  it('refuses a hospital id or day that would escape the key layout, naming the field', () => {
    expect(() => reportKeys('reports/', '../other', '2026-11-30')).toThrow(ConfigurationError);
    expect(() => reportKeys('reports/', 'st-mary', '2026-11-30/../../x')).toThrow(ValidationError);
    expect(() => reportKeys('reports/', 'st-mary', 'yesterday')).toThrow(/day 'yesterday' is not YYYY-MM-DD/);
  });

  it('links to the newest report, or says there is none yet (NotFoundError → 404)', async () => {
    const store = new MemoryStore();
    const options = { prefix: 'reports/', hospital: 'st-mary', linkSeconds: 900, now: new Date(NOW) };

    await expect(linkToLatestReport(store, options)).rejects.toThrow(NotFoundError);
    await store.put({ key: 'reports/st-mary/latest/report.html', body: '<p>', contentType: 'text/html' });
    const link = await linkToLatestReport(store, options);
    expect(link).toMatchObject({
      key: 'reports/st-mary/latest/report.html',
      url: 'https://bucket.example/reports/st-mary/latest/report.html?X-Amz-Expires=900',
      expiresAt: '2026-11-30T05:45:12.000Z',
    });
  });
});

describe('S3 report store', () => {
  it('puts reports with their content type and no-store caching, leaving encryption to the bucket key', async () => {
    const sent: unknown[] = [];
    const client = { send: async (command: { input: unknown }) => void sent.push(command.input) };
    const store = new S3ReportStore(client as unknown as S3Client, 'reports-bucket');

    await store.put({
      key: 'reports/x/latest/report.html',
      body: '<p>',
      contentType: 'text/html; charset=utf-8',
      metadata: { day: '2026-11-30' },
    });

    expect(sent).toEqual([
      {
        Bucket: 'reports-bucket',
        Key: 'reports/x/latest/report.html',
        Body: '<p>',
        ContentType: 'text/html; charset=utf-8',
        CacheControl: 'no-store',
        Metadata: { day: '2026-11-30' },
      },
    ]);
  });

  it('presigns a GET for one key that expires after the given seconds', async () => {
    const s3 = new S3Client({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
    });
    const url = new URL(await new S3ReportStore(s3, 'reports-bucket').presignGet('reports/x/a b.html', 900));
    s3.destroy();

    expect(url.hostname).toBe('reports-bucket.s3.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/reports/x/a%20b.html');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIAEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request$/,
    );
  });
});

describe('chart library loader', () => {
  it('reads the file beside the module when there is one (the Lambda asset), else node_modules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medpatch-chart-'));
    try {
      writeFileSync(join(dir, CHART_LIBRARY_FILE), 'window.echarts = "asset copy";');
      expect(loadChartLibrary(pathToFileURL(join(dir, CHART_LIBRARY_FILE)))).toBe(
        'window.echarts = "asset copy";',
      );
      const fromNodeModules = loadChartLibrary(pathToFileURL(join(dir, 'missing.js')));
      expect(fromNodeModules).toContain('Licensed to the Apache Software Foundation');
      expect(fromNodeModules.length).toBeGreaterThan(500_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
