import { describe, expect, it } from 'vitest';
import {
  manufacturerKeysOf,
  normalizeManufacturer,
  repairMojibake,
  slugifyManufacturer,
} from '../../shared/domain/manufacturer';
import { MANUFACTURER_ALIASES } from '../../shared/domain/manufacturer-aliases';
import { csafFiles, readCsafJson } from './csaf-fixtures';

describe('normalizeManufacturer', () => {
  it.each([
    ['Philips', 'philips'],
    ['Phillips', 'philips'],
    ['Philips Healthcare', 'philips'],
    ['Philips Medical Systems', 'philips'],
    ['GE', 'ge-healthcare'],
    ['GE Healthcare', 'ge-healthcare'],
    ['GE HealthCare', 'ge-healthcare'],
    ['General Electric (GE)', 'ge-healthcare'],
    ['GE Medical Systems', 'ge-healthcare'],
    ['BD', 'bd'],
    ['Becton Dickinson', 'bd'],
    ['Becton, Dickinson and Company (BD)', 'bd'],
    ['CareFusion', 'bd'],
    ['B. Braun', 'b-braun'],
    ['B. Braun Medical', 'b-braun'],
    ['B. Braun Melsungen AG', 'b-braun'],
    ['Baxter International Inc.', 'baxter'],
    ['Medtronic', 'medtronic'],
    ['Hillrom', 'hillrom'],
    ['Hill-Rom', 'hillrom'],
    ['Welch Allyn', 'hillrom'],
    ['Siemens', 'siemens-healthineers'],
    ['Siemens Healthineers', 'siemens-healthineers'],
    ['Smiths Medical', 'smiths-medical'],
    ['Dräger', 'draeger'],
    ['Draeger', 'draeger'],
    ['Spacelabs Healthcare', 'spacelabs'],
    ['Innokas YhtymÃ¤ Oy', 'innokas'],
    ['SOOIL Developments Co, Ltd.', 'sooil'],
    ['Natus Medical, Inc. (Natus)', 'natus'],
  ])('maps "%s" to %s', (raw, key) => {
    expect(normalizeManufacturer(raw)).toBe(key);
  });

  it('ignores case, spacing and punctuation in known names', () => {
    expect(normalizeManufacturer('  b braun melsungen ag ')).toBe('b-braun');
    expect(normalizeManufacturer('PHILIPS HEALTHCARE')).toBe('philips');
  });

  it('falls back to a slug without diacritics or corporate suffixes for unknown names', () => {
    expect(normalizeManufacturer('Acme Médical Devices GmbH')).toBe('acme-medical-devices');
    expect(normalizeManufacturer('Zeta Pumps, Inc.')).toBe('zeta-pumps');
    expect(normalizeManufacturer('Ölfabrik Corp.')).toBe('olfabrik');
    expect(slugifyManufacturer('Foo & Bar LLC')).toBe('foo-and-bar');
  });

  it('gives an empty key for an empty name', () => {
    expect(normalizeManufacturer('   ')).toBe('');
  });

  it('keeps alias keys unique across the table', () => {
    const keys = MANUFACTURER_ALIASES.map((entry) => entry.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('knows every vendor spelling in the ICSMA corpus', () => {
    const vendors = new Set<string>();
    const collect = (branches: unknown): void => {
      if (!Array.isArray(branches)) return;
      for (const branch of branches as { category?: string; name?: string; branches?: unknown }[]) {
        if (branch.category === 'vendor' && branch.name) vendors.add(branch.name);
        collect(branch.branches);
      }
    };
    for (const file of csafFiles('icsma')) {
      collect((readCsafJson(file) as { product_tree?: { branches?: unknown } }).product_tree?.branches);
    }
    const aliasKeys = new Set(MANUFACTURER_ALIASES.map((entry) => entry.key));
    const unknown = [...vendors].filter(
      (vendor) => !manufacturerKeysOf(vendor).every((key) => aliasKeys.has(key)),
    );
    expect(vendors.size).toBeGreaterThan(40);
    expect(unknown).toEqual(['Hillrom and ELI, Baxter International Inc.']);
  });
});

describe('repairMojibake', () => {
  it('repairs UTF-8 read as Latin-1 and leaves clean text alone', () => {
    expect(repairMojibake('Innokas YhtymÃ¤ Oy')).toBe('Innokas Yhtymä Oy');
    expect(repairMojibake('Dräger')).toBe('Dräger');
  });
});

describe('manufacturerKeysOf', () => {
  it('splits a branch that names several vendors', () => {
    expect(manufacturerKeysOf('ENEA, Green Hills Software, ITRON, IP Infusion, and Wind River')).toEqual([
      'enea',
      'green-hills-software',
      'itron',
      'ip-infusion',
      'wind-river',
    ]);
    expect(manufacturerKeysOf('Silex Technology and GE Healthcare')).toEqual([
      'silex-technology',
      'ge-healthcare',
    ]);
    expect(manufacturerKeysOf('Hillrom and ELI, Baxter International Inc.')).toEqual([
      'hillrom',
      'eli',
      'baxter',
    ]);
  });

  it('does not split a single company whose name has commas or "and"', () => {
    expect(manufacturerKeysOf('Becton, Dickinson and Company (BD)')).toEqual(['bd']);
    expect(manufacturerKeysOf('Johnson & Johnson')).toEqual(['johnson-and-johnson']);
    expect(manufacturerKeysOf('Natus Medical, Inc. (Natus)')).toEqual(['natus']);
    expect(manufacturerKeysOf('Smith and Sons Instruments')).toEqual(['smith-and-sons-instruments']);
  });
});
