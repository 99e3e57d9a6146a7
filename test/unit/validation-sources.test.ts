import { describe, expect, it } from 'vitest';
import type { Actor, StoredValidation, ValidationStore } from '../../shared/application/ports';
import { importValidationText } from '../../shared/application/validation-import';
import type { ValidationRecord } from '../../shared/domain/validation';
import { parsePatchListCsv, patchListStatus } from '../../shared/domain/validation-sources';
import { NOW } from './domain-builders';

const PATCH_LIST = `Manufacturer,Product,Versions,Patch ID,Status,Date,Reference
Philips,IntelliVue MX450,,KB5031356,Approved,2025-05-02,https://philips.example/approved-patches
Philips,IntelliVue MX450,,KB5031999,Not approved,2025-05-02,https://philips.example/approved-patches
Philips,IntelliVue MX800,>= M.00.00,KB5032000,Under evaluation,2025-05-02,https://philips.example/approved-patches
Philips,IntelliVue MX800,,KB5032001,maybe later,2025-05-02,https://philips.example/approved-patches
Philips,IntelliVue MX800,,KB5032002,Approved,,https://philips.example/approved-patches
`;

describe("a manufacturer's validated-patch list", () => {
  it('maps approval words to statuses', () => {
    expect(patchListStatus('Approved')).toBe('VALIDATED');
    expect(patchListStatus('tested')).toBe('VALIDATED');
    expect(patchListStatus('Not Approved')).toBe('NOT_APPROVED');
    expect(patchListStatus('do-not-install')).toBe('NOT_APPROVED');
    expect(patchListStatus('Under evaluation')).toBe('UNDER_REVIEW');
    expect(patchListStatus('approved with conditions')).toBe('VALIDATED_WITH_CONDITIONS');
    expect(patchListStatus('maybe later')).toBeUndefined();
  });

  it('reads patch-level records with the list as evidence and reports bad lines by line and column', () => {
    const parsed = parsePatchListCsv(PATCH_LIST, { recordedBy: 'jane', recordedAt: NOW });
    expect(parsed.records.map((r) => [r.patchId, r.status, r.advisoryId])).toEqual([
      ['KB5031356', 'VALIDATED', undefined],
      ['KB5031999', 'NOT_APPROVED', undefined],
      ['KB5032000', 'UNDER_REVIEW', undefined],
    ]);
    expect(parsed.records[0]?.evidence).toEqual({
      source: 'manufacturer_portal',
      reference: 'https://philips.example/approved-patches',
      date: '2025-05-02',
      recordedBy: 'jane',
    });
    expect(parsed.errors.map((e) => [e.line, e.column])).toEqual([
      [5, 'status'],
      [6, 'date'],
    ]);
  });
});

class Store implements ValidationStore {
  readonly items = new Map<string, StoredValidation>();
  async listByManufacturer() {
    return [...this.items.values()].map((s) => s.record);
  }
  async save(record: ValidationRecord, actor: Actor) {
    await this.put(record, this.items.get(record.recordId)?.version ?? null, actor);
  }
  async get(_k: string, id: string) {
    return this.items.get(id) ?? null;
  }
  async history() {
    return [];
  }
  async put(record: ValidationRecord, expected: number | null, _actor?: Actor) {
    const version = (expected ?? 0) + 1;
    this.items.set(record.recordId, { record, version });
    return version;
  }
}

describe('importing a validation file', () => {
  const deps = () => ({
    validations: new Store(),
    devices: { listByManufacturer: async () => [] },
    findings: { listByDevice: async () => [] },
  });
  const engineer = { actor: 'jane', roles: ['clinical-engineering'] };

  it('recognises a patch list by its header and stores its good lines', async () => {
    const d = deps();
    const result = await importValidationText(d, PATCH_LIST, 'philips.csv', engineer, { now: NOW });
    expect(result.format).toBe('patch-list-csv');
    expect(result.loaded).toBe(3);
    expect(result.errors).toHaveLength(2);
    expect(d.validations.items.size).toBe(3);
  });

  it('reads the DESIGN §5 CSV and reports a refused transition without losing the other records', async () => {
    const d = deps();
    const csv = `manufacturer,product,versions,advisory_id,patch_id,status,evidence_source,evidence_ref,evidence_date,recorded_by,conditions,expires
Philips,IntelliVue MX450,,ICSMA-20-254-01,,NOT_APPROVED,email,REF-1,2025-05-01,jane,,
Philips,IntelliVue MX450,,ICSMA-20-254-01,,VALIDATED,email,REF-1,2025-05-01,jane,,
Philips,IntelliVue MX800,,ICSMA-20-254-01,,VALIDATED,email,REF-2,2025-05-01,jane,,
`;
    const result = await importValidationText(d, csv, 'v.csv', engineer, { now: NOW });
    expect(result.format).toBe('validations-csv');
    expect(result.batch).toMatchObject({ created: 2, rejected: 1 });
    expect(result.errors[0]?.message).toMatch(/NOT_APPROVED → VALIDATED needs new evidence/);
  });

  it('reads JSON and stamps the import time as recordedAt', async () => {
    const d = deps();
    const json = JSON.stringify([
      {
        manufacturer: 'Philips',
        product: 'IntelliVue MX450',
        patchId: 'KB1',
        status: 'VALIDATED',
        evidence: { source: 'manufacturer_portal', reference: 'R', date: '2025-05-01', recordedBy: 'jane' },
      },
    ]);
    const result = await importValidationText(d, json, 'v.json', engineer, { now: NOW });
    expect(result.format).toBe('validations-json');
    expect([...d.validations.items.values()][0]?.record.recordedAt).toBe(NOW);
  });
});
