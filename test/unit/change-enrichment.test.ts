import { describe, expect, it } from 'vitest';
import {
  ChangeEnrichmentRequest,
  decideChange,
  enrichChangeRequest,
  workNoteFor,
} from '../../shared/application/enrich-change-request';
import type {
  DeviceRepository,
  FindingRepository,
  ValidationRepository,
} from '../../shared/application/ports';
import type { Device } from '../../shared/domain/device';
import type { Finding } from '../../shared/domain/finding';
import type { ValidationRecord } from '../../shared/domain/validation';
import { aDevice, aFinding, aValidation, NOW } from './domain-builders';

const CI = '0123456789abcdef0123456789abcdef';
const DEVICE_ID = `servicenow:${CI}`;

function deps(device: Device | null, findings: Finding[], records: ValidationRecord[]) {
  return {
    devices: {
      get: async (id: string) => (device && id === device.deviceId ? device : null),
    } as unknown as DeviceRepository,
    findings: {
      listByDevice: async (id: string) => findings.filter((f) => f.deviceId === id),
    } as unknown as FindingRepository,
    validations: { listByManufacturer: async () => records } as unknown as ValidationRepository,
  };
}

const request = (overrides: Record<string, string> = {}) =>
  ChangeEnrichmentRequest.parse({ sys_id: 'f'.repeat(32), number: 'CHG0030042', cmdb_ci: CI, ...overrides });
const device = aDevice({ deviceId: DEVICE_ID, source: 'servicenow', sourceRecordId: CI });
const covered = aFinding({ deviceId: DEVICE_ID, findingId: `${DEVICE_ID}|ICSMA-20-049-01` });
const uncovered = aFinding({
  deviceId: DEVICE_ID,
  findingId: `${DEVICE_ID}|ICSMA-21-001-01`,
  advisoryId: 'ICSMA-21-001-01',
  cves: ['CVE-2021-0001'],
});

describe('change-request verdict', () => {
  it('allows the change when every open finding has a covering, evidenced validation', async () => {
    const verdict = await decideChange(deps(device, [covered], [aValidation()]), request(), NOW);
    expect(verdict).toMatchObject({ allowed: true, validationStatus: 'VALIDATED', deviceId: DEVICE_ID });
    expect(verdict.evidence.map((e) => e.reference)).toEqual(['PHL-2025-0042']);
  });

  it('refuses when one open finding lacks a validation, naming that advisory', async () => {
    const verdict = await decideChange(deps(device, [covered, uncovered], [aValidation()]), request(), NOW);
    expect(verdict.allowed).toBe(false);
    expect(verdict.reason).toContain('ICSMA-21-001-01');
    expect(verdict.reason).not.toContain('ICSMA-20-049-01');
    expect(verdict.openFindings.map((f) => [f.advisoryId, f.validated])).toEqual([
      ['ICSMA-20-049-01', true],
      ['ICSMA-21-001-01', false],
    ]);
  });

  it('judges only the findings a change names by advisory or CVE', async () => {
    const d = deps(device, [covered, uncovered], [aValidation()]);
    expect((await decideChange(d, request({ description: 'patch for icsma-20-049-01' }), NOW)).allowed).toBe(
      true,
    );
    expect((await decideChange(d, request({ short_description: 'fix CVE-2021-0001' }), NOW)).allowed).toBe(
      false,
    );
    // A name that matches no open finding does not narrow the judgement.
    expect((await decideChange(d, request({ description: 'ICSMA-99-999-99' }), NOW)).allowed).toBe(false);
  });

  it('does not count an expired, unevidenced or not-approved record', async () => {
    for (const record of [
      aValidation({ expires: '2025-01-01' }),
      aValidation({
        evidence: { source: 'email', reference: '', date: '2025-05-20', recordedBy: 'x@example.org' },
      }),
      aValidation({ status: 'NOT_APPROVED' }),
    ]) {
      const verdict = await decideChange(deps(device, [covered], [record]), request(), NOW);
      expect(verdict.allowed, record.status).toBe(false);
      expect(verdict.evidence).toEqual([]);
    }
  });

  it('ignores closed findings and says so when nothing is left to validate', async () => {
    const closed = { ...uncovered, remediationState: 'PATCHED' as const };
    const verdict = await decideChange(deps(device, [closed], []), request(), NOW);
    expect(verdict).toMatchObject({ allowed: true, validationStatus: 'NOT_APPLICABLE', openFindings: [] });
  });

  it('needs no validation for an explicitly non-medical device, an unknown CI or no CI', async () => {
    const workstation = aDevice({
      deviceId: DEVICE_ID,
      source: 'servicenow',
      sourceRecordId: CI,
      isMedicalDevice: false,
    });
    expect((await decideChange(deps(workstation, [uncovered], []), request(), NOW)).validationStatus).toBe(
      'NOT_APPLICABLE',
    );
    expect((await decideChange(deps(null, [uncovered], []), request(), NOW)).allowed).toBe(true);
    expect(
      (await decideChange(deps(device, [uncovered], []), request({ cmdb_ci: '' }), NOW)).deviceId,
    ).toBeNull();
  });

  it('rejects a request whose sys_id or cmdb_ci is not a sys_id', () => {
    expect(ChangeEnrichmentRequest.safeParse({ sys_id: 'x', number: 'CHG1' }).success).toBe(false);
    expect(
      ChangeEnrichmentRequest.safeParse({ sys_id: 'f'.repeat(32), number: 'CHG1', cmdb_ci: "' OR 1=1" })
        .success,
    ).toBe(false);
  });
});

describe('work note', () => {
  it('carries the verdict, evidence and findings, without markup from stored text', async () => {
    const hostile = aValidation({ conditions: '<script>x</script>[code]<b>field service</b>[/code]' });
    const verdict = await decideChange(deps(device, [covered], [hostile]), request(), NOW);
    const note = workNoteFor(request({ number: 'CHG0030042' }), verdict);
    expect(note).toContain('MedPatch validation verdict for CHG0030042: ALLOWED');
    expect(note).toContain('PHL-2025-0042');
    expect(note).toContain('conditions: field service');
    expect(note).not.toMatch(/<|\[code\]/i);
  });

  it('returns the verdict even when the note cannot be written', async () => {
    const failing = { appendWorkNote: async () => Promise.reject(new Error('ServiceNow down')) };
    const outcome = await enrichChangeRequest(
      { ...deps(device, [uncovered], []), workNotes: failing },
      request(),
      NOW,
    );
    expect(outcome).toMatchObject({
      allowed: false,
      workNoteWritten: false,
      workNoteError: 'ServiceNow down',
    });
  });
});
