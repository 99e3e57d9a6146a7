import { describe, expect, it } from 'vitest';
import { DomainError, GateViolationError, PlanningInputError } from '../../shared/domain/errors';
import {
  correlationIdFor,
  interimGuidanceFor,
  planWorkOrder,
  sanitizeText,
} from '../../shared/domain/planning';
import { WorkOrder } from '../../shared/domain/work-order';
import { ADVISORY_ID, aDevice, aFinding, anAdvisory, aValidation, NOW } from './domain-builders';

describe('planWorkOrder', () => {
  it('plans an APPLY_PATCH with the validation evidence, priority and due date from the decision', () => {
    const order = planWorkOrder({
      finding: aFinding(),
      device: aDevice(),
      advisory: anAdvisory(),
      validation: aValidation({ patchId: 'SP4' }),
      now: NOW,
    });

    expect(order).not.toBeNull();
    expect(WorkOrder.safeParse(order).success).toBe(true);
    expect(order).toMatchObject({
      kind: 'APPLY_PATCH',
      assetTags: ['BIO-0001'],
      deviceIds: ['csv:BIO-0001'],
      advisoryIds: [ADVISORY_ID],
      cves: ['CVE-2020-6961'],
      decision: 'OUT_OF_CYCLE',
      priority: 2,
      dueDate: '2025-06-13T00:00:00.000Z', // firstSeenAt + 14 days
      validationStatus: 'VALIDATED',
    });
    expect(order?.validationEvidence).toContain('manufacturer_letter PHL-2025-0042, dated 2025-05-20');
    expect(order?.validationEvidence).toContain('patch: SP4');
    expect(order?.correlationId).toMatch(/^mp-[0-9a-f]{32}$/);
  });

  it('returns null for action NONE', () => {
    const order = planWorkOrder({
      finding: aFinding({ action: 'NONE', validationStatus: 'NOT_AFFECTED' }),
      device: aDevice(),
      advisory: anAdvisory(),
      validation: null,
      now: NOW,
    });

    expect(order).toBeNull();
  });

  it('throws GateViolationError when asked to patch a medical device the validation does not cover', () => {
    const plan = (): unknown =>
      planWorkOrder({
        finding: aFinding({ action: 'APPLY_PATCH' }),
        device: aDevice({ softwareVersion: 'M.00.09' }),
        advisory: anAdvisory(),
        validation: aValidation({ versions: '<= M.00.03' }),
        policy: { exemptAssetClasses: ['patient monitor'] },
        now: NOW,
      });

    expect(plan).toThrow(GateViolationError);
    try {
      plan();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as GateViolationError).name).toBe('GateViolationError');
      expect((error as GateViolationError).context).toMatchObject({
        deviceId: 'csv:BIO-0001',
        recordId: 'val-1',
      });
    }
  });

  it('throws GateViolationError for APPLY_PATCH with no validation at all', () => {
    expect(() =>
      planWorkOrder({
        finding: aFinding(),
        device: aDevice(),
        advisory: anAdvisory(),
        validation: null,
        now: NOW,
      }),
    ).toThrow(GateViolationError);
  });

  it('plans APPLY_PATCH without validation only for an exempt non-medical asset', () => {
    const order = planWorkOrder({
      finding: aFinding(),
      device: aDevice({ isMedicalDevice: false, deviceType: 'workstation' }),
      advisory: anAdvisory(),
      validation: null,
      policy: { exemptAssetClasses: ['workstation'] },
      now: NOW,
    });

    expect(order?.kind).toBe('APPLY_PATCH');
    expect(order?.validationEvidence).toContain('exempt by policy');
  });

  it('rejects a finding without action, without prioritization, or for another device', () => {
    const base = { device: aDevice(), advisory: anAdvisory(), validation: null, now: NOW };
    expect(() => planWorkOrder({ ...base, finding: aFinding({ action: undefined }) })).toThrow(
      PlanningInputError,
    );
    expect(() => planWorkOrder({ ...base, finding: aFinding({ prioritization: undefined }) })).toThrow(
      PlanningInputError,
    );
    expect(() => planWorkOrder({ ...base, finding: aFinding({ deviceId: 'csv:OTHER' }) })).toThrow(
      PlanningInputError,
    );
  });

  it('carries sanitized interim guidance for the matched product only', () => {
    const order = planWorkOrder({
      finding: aFinding({ action: 'APPLY_MITIGATION', validationStatus: 'UNKNOWN' }),
      device: aDevice(),
      advisory: anAdvisory(),
      validation: null,
      now: NOW,
    });

    expect(order?.mitigation).toBe('Isolate the monitors on a dedicated VLAN.');
    expect(order?.validationEvidence).toBe('');
  });

  it('keeps the correlation id when the kind changes, and changes the revision', () => {
    const common = { device: aDevice(), advisory: anAdvisory(), validation: aValidation(), now: NOW };
    const asked = planWorkOrder({ ...common, finding: aFinding({ action: 'REQUEST_VALIDATION' }) });
    const patch = planWorkOrder({ ...common, finding: aFinding({ action: 'APPLY_PATCH' }) });

    expect(asked?.correlationId).toBe(patch?.correlationId);
    expect(asked?.correlationId).toBe(correlationIdFor('csv:BIO-0001', ADVISORY_ID));
    expect(asked?.revision).not.toBe(patch?.revision);
  });

  it('produces the same revision for a replay with the same SLA start, whatever now is', () => {
    const common = {
      finding: aFinding(),
      device: aDevice(),
      advisory: anAdvisory(),
      validation: aValidation(),
    };
    const first = planWorkOrder({ ...common, slaStart: '2025-05-30T00:00:00Z', now: NOW });
    const replay = planWorkOrder({
      ...common,
      slaStart: '2025-05-30T00:00:00Z',
      now: '2025-06-02T08:00:00Z',
    });

    expect(replay).toEqual(first);
  });
});

describe('sanitizeText and interimGuidanceFor', () => {
  it('strips markup, scripts and control characters, and caps the length', () => {
    expect(
      sanitizeText('<script>alert(1)</script>Use <a href="x">VLAN</a>&amp;\u0000\u202e firewall', 100),
    ).toBe('Use VLAN & firewall');
    expect(sanitizeText('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('includes remediations without product ids and de-duplicates them', () => {
    const advisory = anAdvisory();
    const vuln = advisory.vulnerabilities[0];
    if (vuln === undefined) throw new Error('fixture');
    vuln.remediations.push(
      { category: 'workaround', details: 'Disable  remote service.', productIds: [] },
      {
        category: 'mitigation',
        details: 'isolate the monitors on a dedicated VLAN.',
        productIds: ['CSAFPID-0001'],
      },
    );

    expect(interimGuidanceFor(advisory, 'CSAFPID-0001')).toEqual([
      'Isolate the monitors on a dedicated VLAN.',
      'Disable remote service.',
    ]);
  });
});
