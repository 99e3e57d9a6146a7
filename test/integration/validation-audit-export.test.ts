import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditExport } from '../../shared/application/audit-export';
import { readCsvRecords } from '../../shared/domain/validation';

/**
 * `medpatch audit export` as its own process: the pipeline runs on a fresh local stack, a manufacturer's answer
 * arrives later (--then-validations), and the export must show every change for the device with actor and reason.
 */
const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const ICSMA = join(ROOT, 'data/csaf/icsma');
const INVENTORY = `asset_tag,serial_number,manufacturer,model,model_number,software_version,device_type,department,location,clinical_criticality,network_zone,status
PUMP-0001,SN1,BD,Alaris PC Unit,8015,9.19.2,Infusion Pump,ICU,ICU 1,high,clinical_lan,in_service
MON-0001,SN3,GE Healthcare,CARESCAPE B450,B450,2.0.5,Patient Monitor,ED,ED 1,high,clinical_lan,in_service
MON-0002,SN5,GE Healthcare,CARESCAPE B450,B450,2.1.1,Patient Monitor,ICU,ICU 3,high,clinical_lan,in_service
`;
const LATER = `manufacturer,product,versions,advisory_id,patch_id,status,evidence_source,evidence_ref,evidence_date,recorded_by,conditions,expires
GE Healthcare,CARESCAPE B450,2.0.5,ICSMA-20-023-01,,VALIDATED,manufacturer_letter,GE-LTR-TEST-0301,2020-03-01,someone,,
`;

async function medpatch(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('medpatch audit export', () => {
  let dir: string;
  let device: { code: number; stderr: string; audit: AuditExport };
  let advisoryCsv: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'medpatch-audit-'));
    writeFileSync(join(dir, 'inventory.csv'), INVENTORY);
    writeFileSync(join(dir, 'later.csv'), LATER);
    const common = [
      '--inventory',
      join(dir, 'inventory.csv'),
      '--advisories',
      join(ICSMA, 'icsma-20-317-01.json'),
      '--advisories',
      join(ICSMA, 'icsma-20-023-01.json'),
      '--validations',
      join(ROOT, 'data/demo/validations.csv'),
      '--policy',
      join(ROOT, 'data/demo/policy.json'),
      '--then-validations',
      join(dir, 'later.csv'),
      '--as',
      'jane.doe@hospital.example',
      '--out',
      join(dir, 'out'),
    ];
    const result = await medpatch([
      'audit',
      'export',
      '--device',
      'MON-0001',
      ...common,
      '--format',
      'json',
      '--output',
      join(dir, 'mon-0001.json'),
    ]);
    device = {
      ...result,
      audit:
        result.code === 0
          ? (JSON.parse(readFileSync(join(dir, 'mon-0001.json'), 'utf8')) as AuditExport)
          : ({ rows: [] } as unknown as AuditExport),
    };
    advisoryCsv = await medpatch([
      'audit',
      'export',
      '--advisory',
      'ICSMA-20-023-01',
      ...common,
      '--format',
      'csv',
    ]);
  }, 240_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exports the device trail', () => {
    expect(device.stderr).not.toMatch(/medpatch: /);
    expect(device.code).toBe(0);
    expect(device.audit.subject).toEqual({ kind: 'device', deviceId: 'csv:MON-0001', assetTag: 'MON-0001' });
  });

  it('shows every change for that device, each with actor, time and reason, oldest first', () => {
    const rows = device.audit.rows;
    const actions = rows.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'POLICY_SET',
        'VALIDATION_RECORDED',
        'DEVICE_CREATED',
        'FINDING_CREATED',
        'FINDING_UPDATED',
        'WORK_ORDER_PLANNED',
        'WORK_ORDER_REVISED',
      ]),
    );
    for (const r of rows) {
      expect(r.actor, r.action).not.toBe('');
      expect(r.reason, r.action).not.toBe('');
      expect(Number.isNaN(Date.parse(r.at))).toBe(false);
    }
    expect(rows.map((r) => r.at)).toEqual([...rows.map((r) => r.at)].sort());
    expect(rows.find((r) => r.action === 'DEVICE_CREATED')).toMatchObject({
      actor: 'medpatch-cli',
      reason: 'inventory import',
    });
  });

  it('shows the manufacturer answer and the flip it caused, with who recorded it', () => {
    const rows = device.audit.rows;
    // The demo file's UNDER_REVIEW record covers all versions; the later VALIDATED one only 2.0.5: a new scope.
    expect(rows.filter((r) => r.action === 'VALIDATION_RECORDED').map((r) => r.actor)).toEqual([
      'medpatch-cli',
      'jane.doe@hospital.example',
    ]);
    const answer = rows.find(
      (r) => r.action === 'VALIDATION_RECORDED' && r.actor === 'jane.doe@hospital.example',
    );
    expect(answer?.reason).toMatch(/later\.csv/);
    expect(JSON.stringify(answer?.after)).toMatch(/"status":"VALIDATED"/);
    const flip = rows.filter(
      (r) => r.action === 'FINDING_UPDATED' && /action: REQUEST_VALIDATION → APPLY_PATCH/.test(r.changes),
    );
    expect(flip).toHaveLength(1);
    expect((flip[0]?.at ?? '') > (answer?.at ?? '')).toBe(true);
    const revised = rows.find((r) => r.action === 'WORK_ORDER_REVISED');
    expect(revised?.changes).toMatch(/kind: REQUEST_VALIDATION → APPLY_PATCH/);
    expect(JSON.stringify(revised?.after)).toMatch(/GE-LTR-TEST-0301/);
  });

  it("plans with the policy's SLA days and puts its stakeholders and windows on the work order", () => {
    const rows = device.audit.rows;
    const policy = JSON.parse(readFileSync(join(ROOT, 'data/demo/policy.json'), 'utf8')) as {
      slaDays: Record<string, number>;
    };
    const created = rows.find((r) => r.action === 'FINDING_CREATED')?.after as { firstSeenAt: string };
    const planned = rows.find((r) => r.action === 'WORK_ORDER_PLANNED')?.after as {
      decision: string;
      dueDate: string;
      description: string;
    };
    const days = (Date.parse(planned.dueDate) - Date.parse(created.firstSeenAt)) / 86_400_000;
    expect(days).toBe(policy.slaDays[planned.decision]);
    expect(planned.description).toMatch(/Policy 2026-11-01\.1/);
    expect(planned.description).toMatch(/Stakeholders: biomed\.lead@demo-hospital\.example/);
    expect(planned.description).toMatch(/Maintenance windows: sat\/sun 01:00-05:00/);
  });

  it('contains nothing about other devices', () => {
    const entities = new Set(device.audit.rows.map((r) => r.entity));
    expect([...entities].filter((e) => e.startsWith('DEVICE#'))).toEqual(['DEVICE#csv:MON-0001']);
    // MON-0002 (2.1.1) is outside the later record's range: its finding must not flip, and it is not in this trail.
    expect(JSON.stringify(device.audit.rows)).not.toMatch(/MON-0002/);
  });

  it('exports an advisory trail as CSV evidence', () => {
    expect(advisoryCsv.code).toBe(0);
    const { rows, errors } = readCsvRecords(advisoryCsv.stdout);
    expect(errors).toEqual([]);
    const [header, ...body] = rows;
    expect(header?.cells).toEqual([
      'at',
      'entity',
      'action',
      'actor',
      'reason',
      'changes',
      'event_id',
      'before',
      'after',
    ]);
    const tags = body.map((r) => r.cells[8] ?? '').join('\n');
    expect(tags).toMatch(/MON-0001/);
    expect(tags).toMatch(/MON-0002/);
    expect(tags).not.toMatch(/PUMP-0001/);
    for (const r of body) expect(r.cells.length).toBe(9);
    expect(
      body.some((r) => r.cells[2] === 'VALIDATION_RECORDED' && r.cells[3] === 'jane.doe@hospital.example'),
    ).toBe(true);
  });
});
