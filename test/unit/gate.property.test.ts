import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Device } from '../../shared/domain/device';
import { GateViolationError } from '../../shared/domain/errors';
import { decideAction } from '../../shared/domain/gate';
import { normalizeManufacturer } from '../../shared/domain/manufacturer';
import { planWorkOrder } from '../../shared/domain/planning';
import { productKey, type ValidationRecord } from '../../shared/domain/validation';
import { parseVersionSpec, versionSatisfies } from '../../shared/domain/version-spec';
import { EvidenceSource, MatchConfidence, ValidationStatus } from '../../shared/domain/vocabulary';
import { ADVISORY_ID, aFinding, anAdvisory } from './domain-builders';

const NOW = '2025-06-01T12:00:00.000Z';
const NOW_MS = Date.parse(NOW);

const manufacturers = [
  'Philips',
  'Phillips',
  'GE Healthcare',
  'General Electric (GE)',
  'Baxter',
  'B. Braun',
  'Acme',
];
const products = [
  'IntelliVue MX450',
  'intellivue mx-450',
  '866062',
  'MX800',
  'Alaris 8015',
  'Sigma Spectrum',
  '',
];
const versions = ['', '1.0', '1.5', '2.0', '2.0.1', '3.1', 'M.00.03', 'unknown'];
const versionSpecs = ['', '< 2.0', '<= 2.0', '>= 1.5', 'vers:generic/>=1.0|<3.0', '= 1.5', 'see label', '*'];
const advisoryIds = [ADVISORY_ID, 'ICSMA-18-156-01', undefined];
const patchIds = [undefined, 'SP4', 'SP5'];
const deviceTypes = ['patient monitor', 'infusion pump', 'workstation', 'printer', '', '*'];
const isoAround = fc
  .integer({ min: -400, max: 400 })
  .map((days) => new Date(NOW_MS + days * 86_400_000 + (days % 3) * 3_600_000).toISOString());
const dateText = fc.oneof(
  isoAround,
  isoAround.map((d) => d.slice(0, 10)),
  fc.constantFrom('', 'not a date', '2025-02-30', '2025-13-01'),
);

const deviceArb = fc
  .record({
    manufacturer: fc.constantFrom(...manufacturers),
    model: fc.constantFrom(...products),
    modelNumber: fc.constantFrom(...products),
    softwareVersion: fc.constantFrom(...versions),
    deviceType: fc.constantFrom(...deviceTypes),
    isMedicalDevice: fc.boolean(),
  })
  .map((d) =>
    Device.parse({ deviceId: 'csv:T-1', source: 'csv', sourceRecordId: 'T-1', assetTag: 'T-1', ...d }),
  );

const recordArb: fc.Arbitrary<ValidationRecord> = fc
  .record({
    manufacturer: fc.constantFrom(...manufacturers),
    forgeKey: fc.constantFrom(undefined, 'philips', 'ge-healthcare', ''),
    product: fc.constantFrom(...products),
    versions: fc.constantFrom(...versionSpecs),
    advisoryId: fc.constantFrom(...advisoryIds),
    patchId: fc.constantFrom(...patchIds),
    status: fc.constantFrom(...ValidationStatus.options),
    source: fc.constantFrom(undefined, 'manufacturer_letter', 'email', 'carrier pigeon'),
    reference: fc.constantFrom('', 'REF-1', '   '),
    evidenceDate: dateText,
    recordedBy: fc.constantFrom('', 'biomed'),
    conditions: fc.constantFrom(undefined, 'field service only'),
    expires: fc.option(dateText, { nil: undefined }),
  })
  .map(
    (r) =>
      ({
        recordId: 'val-p',
        manufacturer: r.manufacturer,
        manufacturerKey: r.forgeKey ?? normalizeManufacturer(r.manufacturer),
        product: r.product,
        versions: r.versions,
        advisoryId: r.advisoryId,
        patchId: r.patchId,
        status: r.status,
        evidence: {
          source: r.source,
          reference: r.reference,
          date: r.evidenceDate,
          recordedBy: r.recordedBy,
        },
        conditions: r.conditions,
        expires: r.expires,
        recordedAt: '',
      }) as ValidationRecord,
  );

const policyArb = fc.option(
  fc.record({
    exemptAssetClasses: fc.subarray(['patient monitor', 'infusion pump', 'workstation', '*', '']),
  }),
  { nil: undefined },
);

/** Independent statement of the gate's promise (DESIGN §2), written without the gate's helpers. */
function coversAndEvidenced(device: Device, r: ValidationRecord | null): boolean {
  if (r === null) return false;
  if (r.status !== 'VALIDATED' && r.status !== 'VALIDATED_WITH_CONDITIONS') return false;
  if (!(EvidenceSource.options as readonly string[]).includes(r.evidence.source ?? '')) return false;
  if (r.evidence.reference.trim() === '' || r.evidence.recordedBy.trim() === '') return false;
  const evidenceAt = Date.parse(r.evidence.date);
  if (Number.isNaN(evidenceAt) || evidenceAt > NOW_MS || r.evidence.date.includes('-02-30')) return false;
  if (r.expires !== undefined && !(Date.parse(r.expires) > NOW_MS)) return false;
  if (r.manufacturerKey === '' || r.manufacturerKey !== normalizeManufacturer(device.manufacturer))
    return false;
  const key = productKey(r.product);
  if (key === '' || (key !== productKey(device.model) && key !== productKey(device.modelNumber)))
    return false;
  if (r.versions !== '') {
    if (device.softwareVersion === '') return false;
    if (versionSatisfies(parseVersionSpec(r.versions), device.softwareVersion) !== 'inside') return false;
  }
  if (r.advisoryId !== undefined ? r.advisoryId !== ADVISORY_ID : r.patchId === undefined) return false;
  return true;
}

describe('validation gate properties', () => {
  it('never emits APPLY_PATCH for a medical device without a covering, unexpired, evidenced validation', () => {
    let patched = 0;
    fc.assert(
      fc.property(
        deviceArb,
        fc.constantFrom(...MatchConfidence.options),
        fc.option(recordArb, { nil: null, freq: 4 }),
        fc.boolean(),
        policyArb,
        (device, matchConfidence, validation, hasInterimGuidance, policy) => {
          const result = decideAction({
            device,
            matchConfidence,
            validation,
            advisoryId: ADVISORY_ID,
            hasInterimGuidance,
            ...(policy === undefined ? {} : { policy }),
            now: NOW,
          });
          if (result.action !== 'APPLY_PATCH') return;
          patched++;
          expect(matchConfidence).not.toBe('possible');
          if (device.isMedicalDevice) expect(coversAndEvidenced(device, validation)).toBe(true);
          else
            expect(
              coversAndEvidenced(device, validation) ||
                policy?.exemptAssetClasses?.includes(device.deviceType),
            ).toBeTruthy();
        },
      ),
      { numRuns: 10_000, seed: 20250601 },
    );
    // The generators must actually reach the gate's open state, or the property above proves nothing.
    expect(patched).toBeGreaterThan(20);
  });

  it('opens the gate whenever a covering, evidenced validation exists for a definite match', () => {
    const coveringArb = fc.record({
      manufacturer: fc.constantFrom('Philips', 'Phillips', 'Philips Healthcare'),
      product: fc.constantFrom('IntelliVue MX450', 'intellivue  mx-450', 'INTELLIVUE MX450'),
      softwareVersion: fc.constantFrom('1.0', '1.5', '2.0', '2.0.1'),
      versions: fc.constantFrom('', '<= 2.0', '>= 1.0', 'vers:generic/>=1.0|<3.0', '*'),
      status: fc.constantFrom('VALIDATED' as const, 'VALIDATED_WITH_CONDITIONS' as const),
      advisoryId: fc.constantFrom(ADVISORY_ID, undefined),
      evidenceDaysAgo: fc.integer({ min: 0, max: 900 }),
      expiresInDays: fc.option(fc.integer({ min: 1, max: 900 }), { nil: undefined }),
      matchConfidence: fc.constantFrom('confirmed' as const, 'probable' as const),
    });
    fc.assert(
      fc.property(coveringArb, (c) => {
        const device = Device.parse({
          deviceId: 'csv:T-1',
          source: 'csv',
          sourceRecordId: 'T-1',
          assetTag: 'T-1',
          manufacturer: 'Philips',
          model: 'IntelliVue MX450',
          softwareVersion: c.softwareVersion,
        });
        const record: ValidationRecord = {
          recordId: 'val-live',
          manufacturer: c.manufacturer,
          manufacturerKey: normalizeManufacturer(c.manufacturer),
          product: c.product,
          versions: c.versions,
          advisoryId: c.advisoryId,
          patchId: 'SP4',
          status: c.status,
          evidence: {
            source: 'manufacturer_portal',
            reference: 'KB-1',
            date: new Date(NOW_MS - c.evidenceDaysAgo * 86_400_000).toISOString(),
            recordedBy: 'biomed',
          },
          conditions: c.status === 'VALIDATED_WITH_CONDITIONS' ? 'field service only' : undefined,
          expires:
            c.expiresInDays === undefined
              ? undefined
              : new Date(NOW_MS + c.expiresInDays * 86_400_000).toISOString(),
          recordedAt: '',
        };
        fc.pre(coversAndEvidenced(device, record));
        const result = decideAction({
          device,
          matchConfidence: c.matchConfidence,
          validation: record,
          advisoryId: ADVISORY_ID,
          hasInterimGuidance: false,
          now: NOW,
        });
        expect(result.action).toBe('APPLY_PATCH');
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('the planner refuses any APPLY_PATCH for a medical device that the validation does not allow', () => {
    const advisory = anAdvisory();
    fc.assert(
      fc.property(deviceArb, fc.option(recordArb, { nil: null }), policyArb, (d, validation, policy) => {
        const device = { ...d, isMedicalDevice: true, deviceId: 'csv:BIO-0001' };
        const finding = aFinding({ action: 'APPLY_PATCH' });
        const plan = (): unknown =>
          planWorkOrder({
            finding,
            device,
            advisory,
            validation,
            ...(policy === undefined ? {} : { policy }),
            now: NOW,
          });
        if (coversAndEvidenced(device, validation)) expect(plan).not.toThrow();
        else expect(plan).toThrow(GateViolationError);
      }),
      { numRuns: 2_000, seed: 11 },
    );
  });
});
