import type { Advisory } from '../../shared/domain/advisory';
import { Device, type DeviceInput } from '../../shared/domain/device';
import type { Finding } from '../../shared/domain/finding';
import { normalizeManufacturer } from '../../shared/domain/manufacturer';
import type { ValidationRecord } from '../../shared/domain/validation';

export const NOW = '2025-06-01T12:00:00.000Z';
export const ADVISORY_ID = 'ICSMA-20-049-01';

export function aDevice(overrides: Partial<DeviceInput> = {}): Device {
  return Device.parse({
    deviceId: 'csv:BIO-0001',
    source: 'csv',
    sourceRecordId: 'BIO-0001',
    assetTag: 'BIO-0001',
    manufacturer: 'Philips',
    model: 'IntelliVue MX450',
    modelNumber: '866062',
    softwareVersion: 'M.00.03',
    deviceType: 'patient monitor',
    department: 'ICU',
    clinicalCriticality: 'high',
    networkZone: 'clinical_lan',
    ...overrides,
  });
}

export function aValidation(overrides: Partial<ValidationRecord> = {}): ValidationRecord {
  const manufacturer = overrides.manufacturer ?? 'Philips';
  return {
    recordId: 'val-1',
    manufacturer,
    manufacturerKey: normalizeManufacturer(manufacturer),
    product: 'IntelliVue MX450',
    versions: '',
    advisoryId: ADVISORY_ID,
    patchId: undefined,
    status: 'VALIDATED',
    evidence: {
      source: 'manufacturer_letter',
      reference: 'PHL-2025-0042',
      date: '2025-05-20',
      recordedBy: 'biomed.lead@example.org',
    },
    conditions: undefined,
    expires: undefined,
    recordedAt: '2025-05-21T09:00:00Z',
    ...overrides,
  };
}

export function anAdvisory(overrides: Partial<Advisory> = {}): Advisory {
  return {
    advisoryId: ADVISORY_ID,
    title: 'Philips IntelliVue Patient Monitors',
    source: 'csaf',
    publisherName: 'CISA',
    publisherCategory: 'coordinator',
    trackingVersion: '1',
    initialReleaseDate: '2020-02-18T00:00:00Z',
    currentReleaseDate: '2020-02-18T00:00:00Z',
    products: [
      {
        productId: 'CSAFPID-0001',
        vendor: 'Philips',
        manufacturerKey: 'philips',
        productName: 'IntelliVue MX450',
        productFamily: 'IntelliVue',
        fullName: 'IntelliVue MX450: <= M.00.03',
        versionSpec: { raw: '<= M.00.03', kind: 'range' },
        modelNumbers: ['866062'],
      },
    ],
    vulnerabilities: [
      {
        cve: 'CVE-2020-6961',
        title: 'Improper authentication',
        affectedProductIds: ['CSAFPID-0001'],
        fixedProductIds: [],
        notAffectedProductIds: [],
        remediations: [
          {
            category: 'mitigation',
            details: 'Isolate the <b>monitors</b> on a dedicated VLAN.\u0007',
            productIds: ['CSAFPID-0001'],
          },
          { category: 'vendor_fix', details: 'Upgrade to M.00.04.', productIds: ['CSAFPID-0001'] },
          { category: 'workaround', details: 'Only for another product.', productIds: ['CSAFPID-9999'] },
        ],
        cvss: [
          { version: '3.1', baseScore: 8.8, vectorString: 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
        ],
        exploitReported: false,
      },
    ],
    ...overrides,
  };
}

export function aFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    findingId: `csv:BIO-0001|${ADVISORY_ID}`,
    deviceId: 'csv:BIO-0001',
    assetTag: 'BIO-0001',
    advisoryId: ADVISORY_ID,
    advisoryVersion: '1',
    cves: ['CVE-2020-6961'],
    product: 'IntelliVue MX450',
    matchConfidence: 'confirmed',
    matchReason: {
      productId: 'CSAFPID-0001',
      productFullName: 'IntelliVue MX450: <= M.00.03',
      productRule: 'model IntelliVue MX450',
      versionRule: 'M.00.03 in <= M.00.03',
    },
    validationStatus: 'VALIDATED',
    action: 'APPLY_PATCH',
    prioritization: {
      decision: 'OUT_OF_CYCLE',
      score: 61.2,
      inputs: { exploitation: 'public_poc', exposure: 'controlled', automatable: 'no', humanImpact: 'high' },
      tableId: 'ssvc:DT_DP',
      tableVersion: '1.0.0',
      reason: 'OUT_OF_CYCLE: test',
    },
    remediationState: 'OPEN',
    firstSeenAt: '2025-05-30T00:00:00.000Z',
    updatedAt: NOW,
    ...overrides,
  };
}
