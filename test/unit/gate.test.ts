import { describe, expect, it } from 'vitest';
import { decideAction, isExemptFromValidation, isPatchValidated } from '../../shared/domain/gate';
import type { ValidationRecord } from '../../shared/domain/validation';
import { type Action, ValidationStatus } from '../../shared/domain/vocabulary';
import { ADVISORY_ID, aDevice, aValidation, NOW } from './domain-builders';

const CONDITIONS = 'install only via field service, after backup';

function recordWith(status: ValidationStatus): ValidationRecord {
  return aValidation({ status, conditions: status === 'VALIDATED_WITH_CONDITIONS' ? CONDITIONS : undefined });
}

describe('decideAction: every validation status (confirmed match, medical device, covering record)', () => {
  const table: Array<[ValidationStatus | 'no record', boolean, Action]> = [
    ['VALIDATED', false, 'APPLY_PATCH'],
    ['VALIDATED', true, 'APPLY_PATCH'],
    ['VALIDATED_WITH_CONDITIONS', false, 'APPLY_PATCH'],
    ['VALIDATED_WITH_CONDITIONS', true, 'APPLY_PATCH'],
    ['NOT_APPROVED', false, 'REQUEST_VALIDATION'],
    ['NOT_APPROVED', true, 'APPLY_MITIGATION'],
    ['NOT_AFFECTED', false, 'NONE'],
    ['NOT_AFFECTED', true, 'NONE'],
    ['UNKNOWN', false, 'REQUEST_VALIDATION'],
    ['UNKNOWN', true, 'APPLY_MITIGATION'],
    ['UNDER_REVIEW', false, 'REQUEST_VALIDATION'],
    ['UNDER_REVIEW', true, 'APPLY_MITIGATION'],
    ['FIX_PLANNED', false, 'REQUEST_VALIDATION'],
    ['FIX_PLANNED', true, 'APPLY_MITIGATION'],
    ['NO_FIX_AVAILABLE', false, 'REQUEST_VALIDATION'],
    ['NO_FIX_AVAILABLE', true, 'APPLY_MITIGATION'],
    ['no record', false, 'REQUEST_VALIDATION'],
    ['no record', true, 'APPLY_MITIGATION'],
  ];

  it.each(table)('status %s with interim guidance %s → %s', (status, hasInterimGuidance, expected) => {
    const validation = status === 'no record' ? null : recordWith(status);

    const result = decideAction({
      device: aDevice(),
      matchConfidence: 'confirmed',
      validation,
      advisoryId: ADVISORY_ID,
      hasInterimGuidance,
      now: NOW,
    });

    expect(result.action).toBe(expected);
    expect(result.validationStatus).toBe(status === 'no record' ? 'UNKNOWN' : status);
  });

  it.each(ValidationStatus.options)(
    'a possible match of a device with status %s goes to REVIEW_MATCH',
    (status) => {
      const result = decideAction({
        device: aDevice(),
        matchConfidence: 'possible',
        validation: recordWith(status),
        advisoryId: ADVISORY_ID,
        hasInterimGuidance: true,
        now: NOW,
      });

      expect(result.action).toBe('REVIEW_MATCH');
    },
  );

  it('says the manufacturer has NOT approved when the status is NOT_APPROVED', () => {
    const result = decideAction({
      device: aDevice(),
      matchConfidence: 'confirmed',
      validation: recordWith('NOT_APPROVED'),
      advisoryId: ADVISORY_ID,
      hasInterimGuidance: true,
      now: NOW,
    });

    expect(result.reason).toContain('manufacturer has NOT approved');
  });

  it('applies a patch for a probable match (version unknown) when the record covers all versions', () => {
    const result = decideAction({
      device: aDevice({ softwareVersion: '' }),
      matchConfidence: 'probable',
      validation: aValidation({ versions: '' }),
      advisoryId: ADVISORY_ID,
      hasInterimGuidance: false,
      now: NOW,
    });

    expect(result.action).toBe('APPLY_PATCH');
  });
});

describe('decideAction: the gate re-checks the record it is handed', () => {
  const cases: Array<
    [string, Partial<Parameters<typeof aValidation>[0]>, Partial<Parameters<typeof aDevice>[0]>?]
  > = [
    ['expired', { expires: '2025-05-31T00:00:00Z' }],
    ['expiring exactly now', { expires: NOW }],
    ['for another manufacturer', { manufacturer: 'GE Healthcare', manufacturerKey: 'ge-healthcare' }],
    ['with a forged manufacturer key', { manufacturerKey: 'philips-forged' }],
    [
      'keyed to the device maker but recorded for another',
      { manufacturer: 'Baxter', manufacturerKey: 'philips' },
    ],
    ['for another product', { product: 'IntelliVue MX800' }],
    ['for a version range the device is outside', { versions: '< M.00.03' }],
    ['with a range while the device version is unknown', { versions: '<= M.00.03' }, { softwareVersion: '' }],
    ['for another advisory', { advisoryId: 'ICSMA-18-156-01' }],
    [
      'without evidence reference',
      { evidence: { source: 'email', reference: '', date: '2025-05-20', recordedBy: 'x' } },
    ],
    ['without evidence date', { evidence: { source: 'email', reference: 'r', date: '', recordedBy: 'x' } }],
    [
      'with an invalid evidence date',
      { evidence: { source: 'email', reference: 'r', date: '2025-02-30', recordedBy: 'x' } },
    ],
    [
      'with evidence dated after now',
      { evidence: { source: 'email', reference: 'r', date: '2025-07-01', recordedBy: 'x' } },
    ],
    ['without any advisory or patch', { advisoryId: undefined, patchId: undefined }],
    [
      'with conditions status but no conditions',
      { status: 'VALIDATED_WITH_CONDITIONS', conditions: undefined },
    ],
  ];

  it.each(cases)(
    'does not emit APPLY_PATCH for a VALIDATED record %s',
    (_name, recordOverrides, deviceOverrides) => {
      const result = decideAction({
        device: aDevice(deviceOverrides ?? {}),
        matchConfidence: 'confirmed',
        validation: aValidation(recordOverrides),
        advisoryId: ADVISORY_ID,
        hasInterimGuidance: true,
        now: NOW,
      });

      expect(result.action).toBe('APPLY_MITIGATION');
      expect(result.validationStatus).toBe('UNKNOWN');
    },
  );

  it('lets a patch-level record (no advisory id) cover any advisory', () => {
    const result = decideAction({
      device: aDevice(),
      matchConfidence: 'confirmed',
      validation: aValidation({ advisoryId: undefined, patchId: 'MX450-SP4' }),
      advisoryId: 'ICSMA-99-999-99',
      hasInterimGuidance: false,
      now: NOW,
    });

    expect(result.action).toBe('APPLY_PATCH');
  });

  it('matches the product on model number, ignoring case and spaces', () => {
    const result = decideAction({
      device: aDevice({ model: 'Monitor', modelNumber: '866 062' }),
      matchConfidence: 'confirmed',
      validation: aValidation({ product: '866062' }),
      advisoryId: ADVISORY_ID,
      hasInterimGuidance: false,
      now: NOW,
    });

    expect(result.action).toBe('APPLY_PATCH');
  });

  it('does not trust a NOT_AFFECTED record for another product', () => {
    const result = decideAction({
      device: aDevice(),
      matchConfidence: 'confirmed',
      validation: aValidation({ status: 'NOT_AFFECTED', product: 'IntelliVue MX800' }),
      advisoryId: ADVISORY_ID,
      hasInterimGuidance: false,
      now: NOW,
    });

    expect(result.action).toBe('REQUEST_VALIDATION');
  });

  it('fails closed when now is not a date', () => {
    const result = decideAction({
      device: aDevice(),
      matchConfidence: 'confirmed',
      validation: aValidation(),
      advisoryId: ADVISORY_ID,
      hasInterimGuidance: false,
      now: 'yesterday',
    });

    expect(result.action).toBe('REQUEST_VALIDATION');
  });
});

describe('decideAction: policy exemptions', () => {
  it('never exempts a medical device, whatever the policy lists', () => {
    const device = aDevice({ deviceType: 'patient monitor', isMedicalDevice: true });

    const result = decideAction({
      device,
      matchConfidence: 'confirmed',
      validation: null,
      advisoryId: ADVISORY_ID,
      hasInterimGuidance: false,
      policy: { exemptAssetClasses: ['patient monitor', '*', 'all', ''] },
      now: NOW,
    });

    expect(result.action).toBe('REQUEST_VALIDATION');
    expect(isExemptFromValidation(device, { exemptAssetClasses: ['patient monitor'] })).toBe(false);
  });

  it('lets a listed non-medical asset class be patched without validation', () => {
    const result = decideAction({
      device: aDevice({ isMedicalDevice: false, deviceType: 'Office Workstation' }),
      matchConfidence: 'confirmed',
      validation: null,
      advisoryId: ADVISORY_ID,
      hasInterimGuidance: false,
      policy: { exemptAssetClasses: ['office  workstation'] },
      now: NOW,
    });

    expect(result.action).toBe('APPLY_PATCH');
    expect(result.reason).toContain('exempt');
  });

  it('does not exempt a non-medical asset whose class is not listed', () => {
    const result = decideAction({
      device: aDevice({ isMedicalDevice: false, deviceType: 'printer' }),
      matchConfidence: 'confirmed',
      validation: null,
      advisoryId: ADVISORY_ID,
      hasInterimGuidance: false,
      policy: { exemptAssetClasses: ['office workstation'] },
      now: NOW,
    });

    expect(result.action).toBe('REQUEST_VALIDATION');
  });

  it('still refuses to patch an exempt asset the manufacturer has NOT approved', () => {
    const result = decideAction({
      device: aDevice({ isMedicalDevice: false, deviceType: 'workstation' }),
      matchConfidence: 'confirmed',
      validation: aValidation({ status: 'NOT_APPROVED' }),
      advisoryId: ADVISORY_ID,
      hasInterimGuidance: true,
      policy: { exemptAssetClasses: ['workstation'] },
      now: NOW,
    });

    expect(result.action).toBe('APPLY_MITIGATION');
  });
});

describe('isPatchValidated', () => {
  it('is true for a covering, evidenced, unexpired VALIDATED record', () => {
    expect(
      isPatchValidated({ device: aDevice(), advisoryId: ADVISORY_ID, validation: aValidation(), now: NOW }),
    ).toBe(true);
  });

  it('is false for UNDER_REVIEW and for no record', () => {
    const device = aDevice();
    expect(
      isPatchValidated({
        device,
        advisoryId: ADVISORY_ID,
        validation: aValidation({ status: 'UNDER_REVIEW' }),
        now: NOW,
      }),
    ).toBe(false);
    expect(isPatchValidated({ device, advisoryId: ADVISORY_ID, validation: null, now: NOW })).toBe(false);
  });

  it('is false when the caller names a different patch than the record', () => {
    expect(
      isPatchValidated({
        device: aDevice(),
        advisoryId: ADVISORY_ID,
        patchId: 'SP5',
        validation: aValidation({ patchId: 'SP4' }),
        now: NOW,
      }),
    ).toBe(false);
  });
});
