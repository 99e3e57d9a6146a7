import { describe, expect, it } from 'vitest';
import type { PrioritizeMessage } from '../../shared/application/messages';
import type {
  Actor,
  PrioritizeQueue,
  StoredValidation,
  ValidationHistoryEntry,
  ValidationStore,
} from '../../shared/application/ports';
import {
  recordManufacturerCsafValidations,
  recordValidation,
  recordValidations,
} from '../../shared/application/record-validation';
import type { Device } from '../../shared/domain/device';
import type { Finding } from '../../shared/domain/finding';
import type { ValidationRecord } from '../../shared/domain/validation';
import {
  checkTransition,
  recordAffectsDevice,
  scopeRecordId,
} from '../../shared/domain/validation-lifecycle';
import { AuthError, TransientError } from '../../shared/errors';
import { aDevice, aFinding, anAdvisory, aValidation, NOW } from './domain-builders';

class MemoryValidationStore implements ValidationStore {
  readonly items = new Map<string, StoredValidation>();
  readonly historyItems: (ValidationHistoryEntry & { recordId: string })[] = [];
  readonly audit: {
    recordId: string;
    actor: Actor;
    before: ValidationRecord | null;
    after: ValidationRecord;
  }[] = [];
  failNextPuts = 0;

  async listByManufacturer(key: string) {
    return [...this.items.values()].map((s) => s.record).filter((r) => r.manufacturerKey === key);
  }
  async save(record: ValidationRecord, actor: Actor) {
    await this.put(record, this.items.get(record.recordId)?.version ?? null, actor);
  }
  async get(_key: string, recordId: string) {
    return this.items.get(recordId) ?? null;
  }
  async history(_key: string, recordId: string) {
    return this.historyItems.filter((h) => h.recordId === recordId);
  }
  async put(record: ValidationRecord, expectedVersion: number | null, actor: Actor) {
    if (this.failNextPuts > 0) {
      this.failNextPuts -= 1;
      throw new TransientError('changed concurrently');
    }
    const current = this.items.get(record.recordId) ?? null;
    if ((current?.version ?? null) !== expectedVersion) throw new TransientError('version mismatch');
    if (current)
      this.historyItems.push({
        recordId: record.recordId,
        version: current.version,
        record: current.record,
        supersededAt: NOW,
      });
    const version = (expectedVersion ?? 0) + 1;
    this.items.set(record.recordId, { record, version });
    this.audit.push({ recordId: record.recordId, actor, before: current?.record ?? null, after: record });
    return version;
  }
}

class MemoryQueue implements PrioritizeQueue {
  readonly sent: PrioritizeMessage[] = [];
  async send(messages: readonly PrioritizeMessage[]) {
    this.sent.push(...messages);
  }
}

function harness(devices: Device[], findings: Finding[]) {
  const validations = new MemoryValidationStore();
  const prioritizeQueue = new MemoryQueue();
  const deps = {
    validations,
    prioritizeQueue,
    devices: {
      listByManufacturer: async (key: string) =>
        devices.filter((d) => d.manufacturer.toLowerCase().startsWith(key)),
    },
    findings: { listByDevice: async (id: string) => findings.filter((f) => f.deviceId === id) },
  };
  return { deps, validations, prioritizeQueue };
}

const engineer = {
  actor: 'arn:aws:sts::1:assumed-role/clinical-engineering/jane',
  roles: ['clinical-engineering'],
};
const opts = { reason: 'manufacturer letter received', now: NOW };

describe('validation status transitions', () => {
  it('refuses VALIDATED without complete evidence, naming the missing fields', () => {
    const record = aValidation({ evidence: { source: 'email', reference: '', date: '', recordedBy: 'x' } });
    const verdict = checkTransition(null, record);
    expect(verdict).toEqual({ kind: 'rejected', reason: expect.stringMatching(/missing reference, date/) });
  });

  it('needs new evidence to turn NOT_APPROVED into VALIDATED', () => {
    const blocked = aValidation({ status: 'NOT_APPROVED' });
    expect(checkTransition(blocked, { ...blocked, status: 'VALIDATED' }).kind).toBe('rejected');
    const newLetter = {
      ...blocked,
      status: 'VALIDATED' as const,
      evidence: { ...blocked.evidence, reference: 'PHL-2025-0099', date: '2025-05-28' },
    };
    expect(checkTransition(blocked, newLetter)).toEqual({
      kind: 'change',
      from: 'NOT_APPROVED',
      to: 'VALIDATED',
    });
  });

  it('never resets a recorded statement to UNKNOWN', () => {
    const validated = aValidation();
    const verdict = checkTransition(validated, { ...validated, status: 'UNKNOWN' });
    expect(verdict.kind).toBe('rejected');
  });

  it('refuses a statement older than the recorded one', () => {
    const validated = aValidation();
    const older = {
      ...validated,
      status: 'NOT_APPROVED' as const,
      evidence: { ...validated.evidence, date: '2024-01-01' },
    };
    expect(checkTransition(validated, older)).toEqual({
      kind: 'rejected',
      reason: expect.stringMatching(/older/),
    });
  });

  it('treats the same statement recorded again as unchanged', () => {
    const validated = aValidation();
    expect(
      checkTransition(validated, { ...validated, recordedAt: '2025-05-30T00:00:00Z', recordId: 'other' })
        .kind,
    ).toBe('unchanged');
  });

  it('derives one record id per scope, whatever the status or evidence', () => {
    const a = aValidation();
    const b = aValidation({ status: 'NOT_APPROVED', product: 'intellivue mx-450' });
    expect(scopeRecordId(a)).toBe(scopeRecordId(b));
    expect(scopeRecordId(a)).not.toBe(scopeRecordId(aValidation({ versions: '<= M.00.03' })));
  });

  it('affects only devices of its manufacturer, product and version range', () => {
    const record = aValidation({ versions: '<= M.00.03' });
    expect(recordAffectsDevice(record, aDevice())).toBe(true);
    expect(recordAffectsDevice(record, aDevice({ softwareVersion: 'N.01.00' }))).toBe(false);
    expect(recordAffectsDevice(record, aDevice({ model: 'IntelliVue MX800', modelNumber: '865240' }))).toBe(
      false,
    );
    expect(recordAffectsDevice(record, aDevice({ manufacturer: 'GE Healthcare' }))).toBe(false);
  });
});

describe('recordValidation', () => {
  const device = aDevice();
  const otherModel = aDevice({
    deviceId: 'csv:BIO-0002',
    assetTag: 'BIO-0002',
    model: 'IntelliVue MX800',
    modelNumber: '865240',
  });
  const findings = [
    aFinding({ validationStatus: 'UNKNOWN', action: 'REQUEST_VALIDATION' }),
    aFinding({ findingId: 'csv:BIO-0001|ICSMA-99-999-99', advisoryId: 'ICSMA-99-999-99' }),
    aFinding({ findingId: 'csv:BIO-0002|x', deviceId: 'csv:BIO-0002', assetTag: 'BIO-0002' }),
  ];

  it('stores a new record and re-assesses only the findings it can change', async () => {
    const { deps, validations, prioritizeQueue } = harness([device, otherModel], findings);
    const outcome = await recordValidation(deps, aValidation(), engineer, opts);
    expect(outcome).toMatchObject({
      status: 'created',
      version: 1,
      from: null,
      to: 'VALIDATED',
      reassessed: 1,
    });
    expect(prioritizeQueue.sent).toEqual([
      { type: 'finding-changed', deviceId: 'csv:BIO-0001', advisoryId: 'ICSMA-20-049-01' },
    ]);
    expect(validations.audit[0]?.actor).toEqual({ actor: engineer.actor, reason: opts.reason });
  });

  it('keeps the previous status in history when the status changes', async () => {
    const { deps, validations } = harness([device], findings);
    await recordValidation(
      deps,
      aValidation({
        status: 'UNDER_REVIEW',
        evidence: { source: 'phone', reference: 'CASE-1', date: '2025-05-01', recordedBy: 'x' },
      }),
      engineer,
      opts,
    );
    const outcome = await recordValidation(deps, aValidation(), engineer, opts);
    expect(outcome).toMatchObject({ status: 'changed', version: 2, from: 'UNDER_REVIEW', to: 'VALIDATED' });
    const recordId = scopeRecordId(aValidation());
    expect((await validations.history('philips', recordId)).map((h) => [h.version, h.record.status])).toEqual(
      [[1, 'UNDER_REVIEW']],
    );
    expect(validations.audit.map((a) => [a.before?.status ?? null, a.after.status])).toEqual([
      [null, 'UNDER_REVIEW'],
      ['UNDER_REVIEW', 'VALIDATED'],
    ]);
  });

  it('rejects a forbidden transition without writing anything', async () => {
    const { deps, validations, prioritizeQueue } = harness([device], findings);
    await recordValidation(deps, aValidation({ status: 'NOT_APPROVED' }), engineer, opts);
    prioritizeQueue.sent.length = 0;
    const outcome = await recordValidation(deps, aValidation(), engineer, opts);
    expect(outcome).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/new evidence/) });
    expect(validations.audit).toHaveLength(1);
    expect(prioritizeQueue.sent).toHaveLength(0);
  });

  it('refuses principals whose role the policy does not allow', async () => {
    const { deps, validations } = harness([device], findings);
    await expect(
      recordValidation(deps, aValidation(), { actor: 'arn:aws:iam::1:user/intern', roles: [] }, opts),
    ).rejects.toBeInstanceOf(AuthError);
    expect(validations.items.size).toBe(0);
  });

  it('re-reads and retries when another writer changed the record in between', async () => {
    const { deps, validations } = harness([device], findings);
    validations.failNextPuts = 1;
    const outcome = await recordValidation(deps, aValidation(), engineer, opts);
    expect(outcome).toMatchObject({ status: 'created', version: 1 });
  });

  it('imports a batch: bad transitions are reported, the rest is stored and re-assessed once', async () => {
    const { deps, prioritizeQueue } = harness([device, otherModel], findings);
    await recordValidation(
      deps,
      aValidation({ product: 'IntelliVue MX800', status: 'NOT_APPROVED' }),
      engineer,
      opts,
    );
    prioritizeQueue.sent.length = 0;
    const batch = await recordValidations(
      deps,
      [
        aValidation(),
        aValidation({ product: 'IntelliVue MX800' }),
        aValidation({ advisoryId: undefined, patchId: 'KB5031356' }),
      ],
      engineer,
      opts,
    );
    expect([batch.created, batch.rejected]).toEqual([2, 1]);
    expect(prioritizeQueue.sent.map((m) => `${m.deviceId}|${m.advisoryId}`).sort()).toEqual([
      'csv:BIO-0001|ICSMA-20-049-01',
      'csv:BIO-0001|ICSMA-99-999-99',
    ]);
  });
});

describe('manufacturer CSAF as a source of validation', () => {
  it("turns a manufacturer's own vendor_fix into VALIDATED records evidenced by the document", async () => {
    const { deps, validations } = harness([aDevice()], []);
    const advisory = anAdvisory({
      publisherName: 'Philips',
      publisherCategory: 'vendor',
      selfUrl: 'https://philips.example/csaf/PSA-1.json',
    });
    const { batch } = await recordManufacturerCsafValidations(deps, advisory, NOW);
    expect(batch.created).toBe(2); // product name and model number
    const stored = [...validations.items.values()].map((s) => s.record);
    expect(stored.every((r) => r.status === 'VALIDATED' && r.evidence.source === 'manufacturer_csaf')).toBe(
      true,
    );
    expect(stored.map((r) => r.evidence.reference)).toContain('https://philips.example/csaf/PSA-1.json');
    expect(validations.audit[0]?.actor.actor).toBe('medpatch-advisory-ingest');
  });

  it("does not treat a coordinator's vendor_fix as validation", async () => {
    const { deps, validations } = harness([aDevice()], []);
    const { batch, skipped } = await recordManufacturerCsafValidations(
      deps,
      anAdvisory({ publisherName: 'CISA', publisherCategory: 'coordinator' }),
      NOW,
    );
    expect(batch.created).toBe(0);
    expect(validations.items.size).toBe(0);
    expect(skipped[0]).toMatch(/coordinator, not the manufacturer/);
  });

  it("does not validate another company's product named in a vendor's document", async () => {
    const { deps, validations } = harness([aDevice()], []);
    const { skipped } = await recordManufacturerCsafValidations(
      deps,
      anAdvisory({ publisherName: 'GE Healthcare', publisherCategory: 'vendor' }),
      NOW,
    );
    expect(validations.items.size).toBe(0);
    expect(skipped.join('\n')).toMatch(/not a product of GE Healthcare/);
  });
});
