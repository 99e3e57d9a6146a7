import { describe, expect, it } from 'vitest';
import {
  type AuditExport,
  auditToCsv,
  exportDeviceAudit,
  summarizeChanges,
} from '../../shared/application/audit-export';
import type { AuditEvent } from '../../shared/application/ports';
import { correlationIdFor } from '../../shared/domain/planning';
import { readCsvRecords } from '../../shared/domain/validation';
import { NotFoundError } from '../../shared/errors';
import { aDevice, aFinding, aValidation, NOW } from './domain-builders';

const event = (
  entity: string,
  at: string,
  action: string,
  after: unknown,
  before: unknown = null,
): AuditEvent => ({
  eventId: `${entity}-${at}`,
  entity,
  action,
  actor: 'medpatch-prioritizer',
  reason: 'finding changed',
  at,
  before: before === null ? null : JSON.stringify(before),
  after: JSON.stringify(after),
});

describe('audit export', () => {
  it('summarizes the fields that changed', () => {
    expect(summarizeChanges({ action: 'REQUEST_VALIDATION', n: 1 }, { action: 'APPLY_PATCH', n: 1 })).toBe(
      'action: REQUEST_VALIDATION → APPLY_PATCH',
    );
    expect(summarizeChanges(null, { a: 1 })).toBe('created');
  });

  it("collects the device's own, its work orders', covering validations' and the policy's events, oldest first", async () => {
    const device = aDevice();
    const finding = aFinding();
    const covering = aValidation({ recordId: 'val-covering' });
    const otherModel = aValidation({ recordId: 'val-other', product: 'IntelliVue MX800' });
    const woEntity = `WORKORDER#${correlationIdFor(device.deviceId, finding.advisoryId)}`;
    const byEntity: Record<string, AuditEvent[]> = {
      [`DEVICE#${device.deviceId}`]: [
        event(
          `DEVICE#${device.deviceId}`,
          '2025-06-01T10:00:03Z',
          'FINDING_UPDATED',
          { action: 'APPLY_PATCH' },
          { action: 'REQUEST_VALIDATION' },
        ),
        event(`DEVICE#${device.deviceId}`, '2025-06-01T10:00:00Z', 'DEVICE_CREATED', device),
      ],
      [woEntity]: [event(woEntity, '2025-06-01T10:00:04Z', 'WORK_ORDER_REVISED', { kind: 'APPLY_PATCH' })],
      'VALIDATION#val-covering': [
        event('VALIDATION#val-covering', '2025-06-01T10:00:02Z', 'VALIDATION_RECORDED', covering),
      ],
      'VALIDATION#val-other': [
        event('VALIDATION#val-other', '2025-06-01T10:00:01Z', 'VALIDATION_RECORDED', otherModel),
      ],
      'POLICY#ACTIVE': [event('POLICY#ACTIVE', '2025-05-01T00:00:00Z', 'POLICY_SET', { policyVersion: '1' })],
    };
    const deps = {
      audit: { listByEntity: async (e: string) => byEntity[e] ?? [], listByAdvisory: async () => [] },
      devices: {
        get: async () => null,
        listAll: async () => [device, aDevice({ deviceId: 'csv:X', assetTag: 'X' })],
      },
      findings: { listByDevice: async () => [finding] },
      validations: { listByManufacturer: async () => [covering, otherModel] },
    };
    const audit = await exportDeviceAudit(deps, 'bio-0001', NOW);
    expect(audit.subject).toEqual({ kind: 'device', deviceId: device.deviceId, assetTag: 'BIO-0001' });
    expect(audit.rows.map((r) => r.action)).toEqual([
      'POLICY_SET',
      'DEVICE_CREATED',
      'VALIDATION_RECORDED',
      'FINDING_UPDATED',
      'WORK_ORDER_REVISED',
    ]);
    expect(audit.rows.find((r) => r.action === 'VALIDATION_RECORDED')?.entity).toBe(
      'VALIDATION#val-covering',
    );
    await expect(exportDeviceAudit(deps, 'NOPE-1', NOW)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('writes RFC 4180 CSV that reads back with the same cells', () => {
    const audit: AuditExport = {
      subject: { kind: 'advisory', advisoryId: 'A' },
      generatedAt: NOW,
      rows: [
        {
          at: NOW,
          entity: 'DEVICE#d',
          action: 'FINDING_UPDATED',
          actor: 'jane, "biomed"',
          reason: 'line one\nline two',
          changes: 'action: a → b',
          eventId: 'e1',
          before: { a: 1 },
          after: { a: '2,"x"' },
        },
      ],
    };
    const { rows, errors } = readCsvRecords(auditToCsv(audit));
    expect(errors).toEqual([]);
    expect(rows[1]?.cells).toEqual([
      NOW,
      'DEVICE#d',
      'FINDING_UPDATED',
      'jane, "biomed"',
      'line one\nline two',
      'action: a → b',
      'e1',
      '{"a":1}',
      '{"a":"2,\\"x\\""}',
    ]);
  });
});
