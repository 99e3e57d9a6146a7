import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decideAction } from '../../shared/domain/gate';
import {
  DEFAULT_POLICY,
  gatePolicyOf,
  mayRecordValidations,
  parsePolicy,
  policyNotesFor,
  rolesOfPrincipal,
  stakeholdersFor,
} from '../../shared/domain/policy';
import { ADVISORY_ID, aDevice, NOW } from './domain-builders';

const demo = JSON.parse(readFileSync('data/demo/policy.json', 'utf8')) as Record<string, unknown>;

describe('hospital patch policy', () => {
  it('accepts the demo policy', () => {
    const parsed = parsePolicy(demo);
    expect(parsed.ok).toBe(true);
  });

  it('cannot switch the gate off for medical devices', () => {
    for (const value of ['off', 'disabled', false, 'none']) {
      const parsed = parsePolicy({ ...demo, gate: { medicalDevices: value } });
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.errors.map((e) => e.path)).toContain('gate.medicalDevices');
    }
  });

  it('names every invalid field by its path', () => {
    const parsed = parsePolicy({
      ...demo,
      slaDays: { IMMEDIATE: 0, SOMETIMES: 3 },
      maintenanceWindows: { ICU: [{ days: ['tue'], start: '25:00', end: '04:00' }] },
      validationRecorderRoles: [],
      gateBypass: true,
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const paths = parsed.errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'slaDays.IMMEDIATE',
        'maintenanceWindows.ICU.0.start',
        'validationRecorderRoles',
      ]),
    );
    expect(parsed.errors.some((e) => /gateBypass/.test(e.message))).toBe(true);
  });

  it('exempts a listed non-medical asset class but never a medical device of that class', () => {
    const policy = parsePolicy({
      ...demo,
      gate: { medicalDevices: 'manufacturer_validation_required', exemptAssetClasses: ['Patient Monitor'] },
    });
    if (!policy.ok) throw new Error('policy should parse');
    const input = {
      matchConfidence: 'confirmed' as const,
      validation: null,
      advisoryId: ADVISORY_ID,
      hasInterimGuidance: false,
      policy: gatePolicyOf(policy.policy),
      now: NOW,
    };
    expect(decideAction({ ...input, device: aDevice({ deviceType: 'Patient Monitor' }) }).action).toBe(
      'REQUEST_VALIDATION',
    );
    expect(
      decideAction({ ...input, device: aDevice({ deviceType: 'Patient Monitor', isMedicalDevice: false }) })
        .action,
    ).toBe('APPLY_PATCH');
  });

  it('finds the stakeholders, windows and preconditions for a device, decision and action', () => {
    const parsed = parsePolicy(demo);
    if (!parsed.ok) throw new Error('policy should parse');
    const pump = aDevice({ deviceType: 'Infusion Pump', department: 'ICU' });
    expect(stakeholdersFor(parsed.policy, pump, 'IMMEDIATE', 'APPLY_PATCH')).toEqual([
      'biomed.lead@demo-hospital.example',
      'ciso@demo-hospital.example',
      'it.security@demo-hospital.example',
      'icu.charge.nurse@demo-hospital.example',
      'pharmacy.informatics@demo-hospital.example',
    ]);
    const notes = policyNotesFor(parsed.policy, pump, 'SCHEDULED', 'APPLY_PATCH');
    expect(notes).toContain('Take the device out of clinical service before patching');
    expect(notes).toContain('A rollback plan is required before patching');
    expect(notes.join('\n')).toMatch(/tue\/thu 02:00-04:00 America\/Chicago/);
    const radiologyless = policyNotesFor(
      parsed.policy,
      aDevice({ department: 'Lab' }),
      'SCHEDULED',
      'REQUEST_VALIDATION',
    );
    expect(radiologyless.join('\n')).toMatch(/sat\/sun 01:00-05:00/);
    expect(radiologyless.join('\n')).not.toMatch(/rollback/);
  });

  it('reads role names from IAM principals and checks them against the recorder roles', () => {
    expect(
      rolesOfPrincipal('arn:aws:sts::123456789012:assumed-role/MedPatchValidationRecorder/jane'),
    ).toEqual(['MedPatchValidationRecorder']);
    expect(rolesOfPrincipal('arn:aws:iam::123456789012:role/ops/MedPatchValidationRecorder')).toEqual([
      'MedPatchValidationRecorder',
    ]);
    expect(rolesOfPrincipal('arn:aws:iam::123456789012:user/jane')).toEqual([]);
    expect(mayRecordValidations(DEFAULT_POLICY, ['clinical-engineering'])).toBe(true);
    expect(mayRecordValidations(DEFAULT_POLICY, ['Clinical-Engineering-Admin'])).toBe(false);
  });
});
