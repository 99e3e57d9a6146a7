import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareVersions, parseVersionSpec, versionSatisfies } from '../../shared/domain/version-spec';

const spec = (raw: string) => parseVersionSpec(raw);

describe('parseVersionSpec', () => {
  it.each([
    ['vers:all/*', 'all'],
    ['vers:generic/*', 'all'],
    ['*', 'all'],
    ['vers:semver/>=1.0.0|<2.0.0', 'range'],
    ['vers:generic/<3.2.1', 'range'],
    ['<= 9.33.1', 'range'],
    ['< 2.003', 'range'],
    ['>= 2018-1 | <= 2021-1', 'range'],
    ['< B.06.18', 'range'],
    ['2.3.6 and below', 'range'],
    ['5.x.x', 'range'],
    ['12.x', 'range'],
    ['1.0.2', 'exact'],
    ['HD 16 | HD23', 'exact'],
    ['B.12', 'exact'],
    ['v20D29', 'exact'],
    ['012U000040', 'exact'],
    ['distributed  < april 1, 2018', 'free_text'],
    ['v6.x (with Wireless Battery Modules v9 | v11 | >= v20D29 | <= v20D32)', 'free_text'],
    ['A10 < A11', 'free_text'],
    ['<May 2018', 'free_text'],
    ['<=11.2 on Windows 8.1 with IIS 7.5', 'range'],
    ['', 'free_text'],
  ])('reads "%s" as %s', (raw, kind) => {
    expect(spec(raw).kind).toBe(kind);
  });

  it('keeps the advisory text verbatim', () => {
    expect(spec('distributed  < april 1, 2018').raw).toBe('distributed  < april 1, 2018');
    expect(spec('<= 9.33.1').raw).toBe('<= 9.33.1');
  });

  it('degrades invalid vers with the all scheme to comparators and says so', () => {
    const parsed = spec('vers:all/<V15.0.22');
    expect(parsed.kind).toBe('range');
    expect(parsed.constraints).toEqual([{ comparator: '<', version: '15.0.22', wildcard: false }]);
    expect(parsed.notes.join()).toMatch(/invalid vers/);
  });

  it('splits comparators that CISA runs together without a separator', () => {
    expect(spec('vers:all/>=V7.80<V9.40').constraints.map((c) => `${c.comparator}${c.version}`)).toEqual([
      '>=7.80',
      '<9.40',
    ]);
  });
});

describe('versionSatisfies', () => {
  it.each([
    ['<= 9.33.1', '9.33.1', 'inside'],
    ['<= 9.33.1', '9.34', 'outside'],
    ['< 2.003', '2.002', 'inside'],
    ['< 2.003', '2.3', 'outside'],
    ['>= 2018-1 | <= 2021-1', '2019-4', 'inside'],
    ['>= 2018-1 | <= 2021-1', '2021-2', 'outside'],
    ['>= 2018-1 | <= 2021-1', '2017-9', 'outside'],
    ['< B.06.18', 'B.06.17', 'inside'],
    ['< B.06.18', 'B.12', 'outside'],
    ['1.0.2', 'v1.0.2', 'inside'],
    ['1.0.2', '1.2.1', 'outside'],
    ['HD 16 | HD23', 'HD23', 'inside'],
    ['HD 16 | HD23', 'HD16', 'inside'],
    ['HD 16 | HD23', 'HD20', 'outside'],
    ['5.x.x', '5.4.2', 'inside'],
    ['5.x.x', '6.0', 'outside'],
    ['12.x', '12.9', 'inside'],
    ['<= 11.x', '11.7.3', 'inside'],
    ['<= 11.x', '12.0', 'outside'],
    ['<= B.12', 'B.11', 'inside'],
    ['< v20D29', '20D28', 'inside'],
    ['< v20D29', 'V20D30', 'outside'],
    ['< 012U000040', '012U000039', 'inside'],
    ['vers:all/*', '', 'inside'],
    ['vers:all/*', 'anything', 'inside'],
    ['vers:semver/>=1.0.0|<2.0.0', '1.5.0', 'inside'],
    ['vers:semver/>=1.0.0|<2.0.0', '2.0.0-rc.1', 'inside'],
    ['vers:semver/>=1.0.0|<2.0.0', '2.0.0', 'outside'],
    ['vers:all/<V15.0.22', 'V15.0.21', 'inside'],
    ['vers:all/>=V7.80<V9.40', 'V9.40', 'outside'],
    ['2.3.6 and below', '2.3.5', 'inside'],
    ['<= 1.8.4 Service Pack 01', '1.8.4', 'inside'],
    ['distributed  < april 1, 2018', '1.0', 'unknown'],
    ['v6.x (with Wireless Battery Modules v9 | v11)', '6.1', 'unknown'],
    ['<= 9.33.1', '', 'unknown'],
    ['<= 9.33.1', 'unknown', 'unknown'],
    ['<= 9.33.1', 'see service manual', 'unknown'],
  ])('%s with device version "%s" is %s', (raw, version, expected) => {
    expect(versionSatisfies(spec(raw), version)).toBe(expected);
  });

  it('re-parses a stored VersionSpec that carries only raw and kind', () => {
    expect(versionSatisfies({ raw: '< 1.2.1', kind: 'range' }, '1.0.2')).toBe('inside');
  });
});

describe('compareVersions', () => {
  it('orders numerically, ignores a leading v and pads missing parts with zero', () => {
    expect(compareVersions('1.10', '1.9')).toBeGreaterThan(0);
    expect(compareVersions('v1.0.2', '1.0.2')).toBe(0);
    expect(compareVersions('1.0', '1.0.0')).toBe(0);
    expect(compareVersions('1.0.0-beta', '1.0.0')).toBeLessThan(0);
    expect(compareVersions('B.06.18', 'B.12')).toBeLessThan(0);
    expect(compareVersions('A10', 'A11')).toBeLessThan(0);
  });

  const segment = fc.oneof(
    fc.nat({ max: 30 }).map(String),
    fc.constantFrom('a', 'b', 'B', 'rc', 'beta', 'sp', 'D', 'U'),
    fc.tuple(fc.constantFrom('D', 'U', 'SR', 'x'), fc.nat({ max: 99 })).map(([l, n]) => `${l}${n}`),
  );
  const version = fc
    .tuple(
      fc.boolean(),
      fc.array(segment, { minLength: 1, maxLength: 5 }),
      fc.constantFrom('.', '-', '_', ' '),
    )
    .map(([v, parts, sep]) => `${v ? 'v' : ''}${parts.join(sep)}`);
  const numericVersion = fc
    .array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 4 })
    .map((parts) => parts.join('.'));

  it('is reflexive and antisymmetric', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(compareVersions(a, a)).toBe(0);
        // Sum, not toBe(-x): Object.is tells 0 from -0 when two spellings order equal ("1.0" and "1.0.0").
        expect(Math.sign(compareVersions(a, b)) + Math.sign(compareVersions(b, a))).toBe(0);
      }),
    );
  });

  it('is transitive', () => {
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        const [x, y, z] = [a, b, c].sort(compareVersions) as [string, string, string];
        expect(compareVersions(x, y)).toBeLessThanOrEqual(0);
        expect(compareVersions(y, z)).toBeLessThanOrEqual(0);
        expect(compareVersions(x, z)).toBeLessThanOrEqual(0);
      }),
    );
  });

  it('keeps range membership consistent with comparisons', () => {
    fc.assert(
      fc.property(numericVersion, numericVersion, numericVersion, (low, high, probe) => {
        const lessOrEqual = versionSatisfies(spec(`<= ${high}`), probe);
        expect(lessOrEqual).toBe(compareVersions(probe, high) <= 0 ? 'inside' : 'outside');
        const below = versionSatisfies(spec(`< ${high}`), probe);
        expect(below).toBe(compareVersions(probe, high) < 0 ? 'inside' : 'outside');
        // An exact version equals; a bare major version ("8") covers its line (8.x).
        const exact = versionSatisfies(spec(probe), high);
        const sameLine = /^\d+$/.test(probe) && compareVersions(probe, high.split('.')[0] ?? '') === 0;
        expect(exact).toBe(compareVersions(probe, high) === 0 || sameLine ? 'inside' : 'outside');
        if (compareVersions(low, high) < 0) {
          const between = versionSatisfies(spec(`>= ${low} | <= ${high}`), probe);
          const expected = compareVersions(probe, low) >= 0 && compareVersions(probe, high) <= 0;
          expect(between).toBe(expected ? 'inside' : 'outside');
        }
      }),
    );
  });
});

describe('CISA version texts made evaluable', () => {
  it('orders revision letters in comparators ("<=N": revisions up to N)', () => {
    const spec = parseVersionSpec('<=N');
    expect(spec.kind).toBe('range');
    expect(versionSatisfies(spec, 'M.00.03')).toBe('inside');
    expect(versionSatisfies(spec, 'N.00.00')).toBe('inside');
    expect(versionSatisfies(spec, 'N.00.04')).toBe('inside');
    expect(versionSatisfies(spec, 'P.01.02')).toBe('outside');
  });

  it('compares B. Braun long versions with their short form ("012U000062" vs "U61")', () => {
    expect(versionSatisfies(parseVersionSpec('<= U61'), '012U000061')).toBe('inside');
    expect(versionSatisfies(parseVersionSpec('<= U61'), '012U000062')).toBe('outside');
    expect(versionSatisfies(parseVersionSpec('<= 012U000061'), '012U000062')).toBe('outside');
  });

  it('drops the platform a version runs on ("<=11.2 on Windows 8.1 with IIS 7.5")', () => {
    const spec = parseVersionSpec('<=11.2 on Windows 8.1 with IIS 7.5');
    expect(spec.kind).toBe('range');
    expect(versionSatisfies(spec, '11.2')).toBe('inside');
    expect(versionSatisfies(spec, '11.3')).toBe('outside');
  });

  it('reads a bare major version as that major line ("NeuroWorks 8" covers 8.4, not 9.0)', () => {
    const spec = parseVersionSpec('8');
    expect(versionSatisfies(spec, '8.4')).toBe('inside');
    expect(versionSatisfies(spec, '9.0')).toBe('outside');
  });

  it('compares with the dotted version when the spec prefixes a product word ("VS4 A.07.107 and prior")', () => {
    const spec = parseVersionSpec('<= S4 A.07.107');
    expect(versionSatisfies(spec, 'A.07.107')).toBe('inside');
    expect(versionSatisfies(spec, 'A.07.110')).toBe('outside');
    expect(versionSatisfies(parseVersionSpec('HD 16 | HD23'), 'HD16')).toBe('inside');
  });

  it('keeps "1.1.3 MR Build 11" an exact version, so 1.6.1 is outside', () => {
    const spec = parseVersionSpec('1.1.3 MR Build 11');
    expect(spec.kind).toBe('exact');
    expect(versionSatisfies(spec, '1.6.1')).toBe('outside');
  });
});
