import { describe, expect, it } from 'vitest';
import { MAXIMO_STATUS } from '../../shared/connectors/maximo/connector';
import { normalizeModel, normalizeVersion } from '../../shared/connectors/normalize';
import { ASSET_INSTALL_STATUS, CMDB_INSTALL_STATUS } from '../../shared/connectors/servicenow/config';
import { mapServiceNowDevice, mapStatus } from '../../shared/connectors/servicenow/mapper';
import { normalizeManufacturer } from '../../shared/domain/manufacturer';

describe('ServiceNow install_status → device status', () => {
  it.each([
    ['1', 'in_service'], // Installed
    ['0', 'in_storage'], // Implementing
    ['2', 'in_storage'], // On Order
    ['3', 'out_of_service'], // In Maintenance
    ['4', 'in_storage'], // Pending Install
    ['5', 'out_of_service'], // Pending Repair
    ['6', 'in_storage'], // In Stock
    ['7', 'retired'], // Retired
    ['8', 'missing'], // Stolen
    ['100', 'missing'], // Absent
  ] as const)('cmdb_ci install_status %s → %s', (code, status) => {
    expect(mapStatus(code, '1')).toBe(status);
    expect(CMDB_INSTALL_STATUS[code]).toBe(status);
  });

  it.each([
    ['1', 'in_service'], // In use
    ['6', 'in_storage'], // In stock
    ['8', 'missing'], // Missing
    ['9', 'in_storage'], // In transit
    ['10', 'retired'], // Consumed
  ] as const)('alm_asset install_status %s → %s', (code, status) => {
    expect(mapStatus(code, '', { statusMap: ASSET_INSTALL_STATUS, unknownStatus: 'in_service' })).toBe(
      status,
    );
  });

  it('an installed device that is non-operational or in repair is out of service; other statuses win', () => {
    expect(mapStatus('1', '2')).toBe('out_of_service');
    expect(mapStatus('1', '3')).toBe('out_of_service');
    expect(mapStatus('1', '5')).toBe('in_service');
    expect(mapStatus('7', '2')).toBe('retired');
  });

  it('an unknown code takes the configured unknown status; an empty one means installed', () => {
    expect(mapStatus('42', '', { statusMap: CMDB_INSTALL_STATUS, unknownStatus: 'out_of_service' })).toBe(
      'out_of_service',
    );
    expect(mapStatus('', '')).toBe('in_service');
  });

  it('maps a record read with display_value=all using the value (code), not the label', () => {
    const mapped = mapServiceNowDevice({
      sys_id: { value: 'a'.repeat(32), display_value: 'a'.repeat(32) },
      asset_tag: { value: 'T-1', display_value: 'T-1' },
      manufacturer: { value: 'b'.repeat(32), display_value: 'GE Healthcare' },
      install_status: { value: '6', display_value: 'In Stock' },
      sys_updated_on: { value: '2025-03-01 10:00:00', display_value: '2025-03-01 11:00:00' },
    });
    expect(mapped.ok && mapped.device).toMatchObject({
      status: 'in_storage',
      manufacturer: 'GE Healthcare',
      sourceUpdatedAt: '2025-03-01 10:00:00',
      sourceRefs: { manufacturer: 'b'.repeat(32) },
    });
  });
});

describe('Maximo status → device status', () => {
  it('maps the standard asset statuses', () => {
    expect(MAXIMO_STATUS).toMatchObject({
      OPERATING: 'in_service',
      'NOT READY': 'in_storage',
      BROKEN: 'out_of_service',
      DECOMMISSIONED: 'retired',
      MISSING: 'missing',
    });
  });
});

describe('model and version normalization', () => {
  it.each([
    ['IntelliVue  MX800\u2122', 'IntelliVue MX800'],
    ['Alaris\u00ae 8015 PC Unit', 'Alaris 8015 PC Unit'],
    ['CARESCAPE B450 (TM)', 'CARESCAPE B450'],
    ['Sigma Spectrum \u2013 Infusion', 'Sigma Spectrum - Infusion'],
    ['  ', ''],
  ])('model %j → %j', (raw, expected) => {
    expect(normalizeModel(raw)).toBe(expected);
  });

  it.each([
    ['v2.3', '2.3'],
    ['V 2.3', 'V 2.3'],
    ['Version 4.0.2', '4.0.2'],
    ['Ver. 8.01.01', '8.01.01'],
    ['SW: L.01.02', 'L.01.02'],
    ['FW 3.2', '3.2'],
    ['Firmware version 1.1', '1.1'],
    ['Rev 5', '5'],
    ['M.00.03', 'M.00.03'],
    ['unknown', 'unknown'],
    ['Rev. B', 'Rev. B'],
    ['', ''],
  ])('version %j → %j', (raw, expected) => {
    expect(normalizeVersion(raw)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const raw of ['Version 4.0.2', 'SW: L.01.02', 'v1', 'IntelliVue  MX800\u2122']) {
      expect(normalizeVersion(normalizeVersion(raw))).toBe(normalizeVersion(raw));
      expect(normalizeModel(normalizeModel(raw))).toBe(normalizeModel(raw));
    }
  });
});

describe('manufacturer spellings from CMMS exports', () => {
  it.each([
    [
      'philips',
      ['Philips', 'Phillips', 'Philips Healthcare', 'Philips Medical Systems', 'Philips North America'],
    ],
    [
      'ge-healthcare',
      ['GE', 'GE Healthcare', 'GE HealthCare', 'General Electric (GE)', 'GE Medical Systems'],
    ],
    [
      'bd',
      [
        'BD',
        'Becton Dickinson',
        'Becton, Dickinson and Company (BD)',
        'CareFusion',
        'Alaris Medical Systems',
      ],
    ],
    ['b-braun', ['B. Braun', 'B. Braun Medical', 'B. Braun Melsungen AG']],
    ['hillrom', ['Hillrom', 'Hill-Rom', 'Welch Allyn']],
    ['siemens-healthineers', ['Siemens', 'Siemens Healthineers']],
    ['draeger', ['Dräger', 'Draeger', 'Draegerwerk AG', 'Draeger Medical']],
    ['baxter', ['Baxter']],
    ['medtronic', ['Medtronic']],
    ['smiths-medical', ['Smiths Medical']],
  ] as const)('%s', (key, spellings) => {
    for (const spelling of spellings) expect(normalizeManufacturer(spelling)).toBe(key);
  });
});
