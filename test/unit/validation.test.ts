import { describe, expect, it } from 'vitest';
import {
  findCoveringValidation,
  parseValidationCsv,
  parseValidationJson,
  readCsvRecords,
  ValidationRecord,
} from '../../shared/domain/validation';
import { ADVISORY_ID, aDevice, aValidation, NOW } from './domain-builders';

const HEADER =
  'manufacturer,product,versions,advisory_id,patch_id,status,evidence_source,evidence_ref,evidence_date,recorded_by,conditions,expires';

describe('readCsvRecords', () => {
  it('reads quoted fields with commas, doubled quotes and newlines, and reports the starting line', () => {
    const { rows, errors } = readCsvRecords('a,b\r\n"x, y","say ""hi""\nthere"\n\nlast,row\n');

    expect(errors).toEqual([]);
    expect(rows).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x, y', 'say "hi"\nthere'] },
      { line: 5, cells: ['last', 'row'] },
    ]);
  });

  it('reports an unterminated quote at the line where the field started', () => {
    const { errors } = readCsvRecords('a,b\n1,2\n3,"oops\n4,5\n');
    expect(errors).toEqual([{ line: 3, message: expect.stringContaining('unterminated') }]);
  });
});

describe('parseValidationCsv', () => {
  const csv = [
    HEADER,
    'Philips,IntelliVue MX450,<= M.00.03,ICSMA-20-049-01,,VALIDATED,manufacturer_letter,PHL-1,2025-05-20,biomed,,2026-05-20',
    '"B. Braun Melsungen AG","Infusomat Space, Large Volume Pump",,,SP-2025-01,validated with conditions,field-service,"FS ""42""",2025-04-01,jdoe,"Install by field service only;\nbackup first",',
    'Philips,MX800,,ICSMA-20-049-01,,VALIDATED,manufacturer_letter,,2025-05-20,biomed,,',
    'Philips,MX800,,ICSMA-20-049-01,,MAYBE,email,r,2025-05-20,biomed,,',
    'GE Healthcare,CARESCAPE B450,,ICSMA-20-049-01,,NOT_APPROVED,email,mail-7,2025-13-45,biomed,,',
    'Baxter,Sigma Spectrum,,,,UNDER_REVIEW,,,,,,',
    'Baxter,Sigma Spectrum,see the label,ICSMA-20-049-01,,UNDER_REVIEW,,,,,,',
    'GE Healthcare,CARESCAPE B450,,ICSMA-20-049-01,,UNDER_REVIEW,,,,,,',
    'too,many,fields,a,b,c,d,e,f,g,h,i,j,k',
  ].join('\n');

  const { records, errors } = parseValidationCsv(csv);

  it('keeps every good row, including quoted commas, quotes and newlines', () => {
    expect(records).toHaveLength(3);
    const [philips, braun, ge] = records;
    expect(philips?.manufacturerKey).toBe('philips');
    expect(philips?.expires).toBe('2026-05-20');
    expect(braun?.product).toBe('Infusomat Space, Large Volume Pump');
    expect(braun?.status).toBe('VALIDATED_WITH_CONDITIONS');
    expect(braun?.evidence).toEqual({
      source: 'field_service',
      reference: 'FS "42"',
      date: '2025-04-01',
      recordedBy: 'jdoe',
    });
    expect(braun?.conditions).toBe('Install by field service only;\nbackup first');
    expect(braun?.advisoryId).toBeUndefined();
    expect(braun?.patchId).toBe('SP-2025-01');
    expect(ge?.status).toBe('UNDER_REVIEW');
    expect(records.every((r) => ValidationRecord.safeParse(r).success)).toBe(true);
  });

  it('reports each bad row with its line number (after a multi-line record) and the column at fault', () => {
    expect(errors).toEqual([
      {
        line: 5,
        column: 'evidence_ref',
        message: expect.stringContaining('evidence reference is required when status is VALIDATED'),
      },
      { line: 6, column: 'status', message: expect.stringContaining('status') },
      { line: 7, column: 'evidence_date', message: expect.stringContaining('ISO 8601') },
      { line: 8, column: 'advisory_id', message: expect.stringContaining('advisory_id or patch_id') },
      { line: 9, column: 'versions', message: expect.stringContaining('not an evaluable version spec') },
      { line: 11, message: expect.stringContaining('14 fields') },
    ]);
  });

  it('gives a stable record id to the same content', () => {
    expect(parseValidationCsv(csv).records.map((r) => r.recordId)).toEqual(records.map((r) => r.recordId));
    expect(new Set(records.map((r) => r.recordId)).size).toBe(3);
  });

  it('names every missing evidence field for a VALIDATED row', () => {
    const result = parseValidationCsv(`${HEADER}\nPhilips,MX450,,ICSMA-1,,VALIDATED,,,,,,\n`);
    expect(result.records).toEqual([]);
    expect(result.errors.map((e) => e.column)).toEqual([
      'evidence_source',
      'evidence_ref',
      'evidence_date',
      'recorded_by',
    ]);
    expect(result.errors.every((e) => e.line === 2)).toBe(true);
  });

  it('requires conditions for VALIDATED_WITH_CONDITIONS', () => {
    const result = parseValidationCsv(
      `${HEADER}\nPhilips,MX450,,ICSMA-1,,VALIDATED_WITH_CONDITIONS,email,r,2025-01-01,me,,\n`,
    );
    expect(result.errors).toEqual([
      { line: 2, column: 'conditions', message: expect.stringContaining('conditions') },
    ]);
  });

  it('reports missing header columns and an empty file', () => {
    expect(parseValidationCsv('manufacturer,product\nPhilips,MX450\n').errors.map((e) => e.column)).toContain(
      'status',
    );
    expect(parseValidationCsv('').errors).toEqual([{ line: 1, message: expect.stringContaining('empty') }]);
  });

  it('accepts columns in any order with extra columns and a BOM', () => {
    const result = parseValidationCsv(
      '\ufeffstatus,note,manufacturer,product,versions,advisory_id,patch_id,evidence_source,evidence_ref,evidence_date,recorded_by\n' +
        'NOT_AFFECTED,x,Philips,MX450,,ICSMA-1,,email,r,2025-01-01,me\n',
    );
    expect(result.errors).toEqual([]);
    expect(result.records[0]?.status).toBe('NOT_AFFECTED');
  });
});

describe('parseValidationJson', () => {
  it('accepts camelCase flat records and the nested evidence form, and reports bad items by number', () => {
    const result = parseValidationJson(
      JSON.stringify([
        {
          manufacturer: 'Philips',
          product: 'MX450',
          versions: '< 2.0',
          advisoryId: 'ICSMA-1',
          status: 'VALIDATED',
          evidenceSource: 'manufacturer_portal',
          evidenceRef: 'KB-9',
          evidenceDate: '2025-01-02T03:04:05Z',
          recordedBy: 'me',
        },
        {
          manufacturer: 'Philips',
          product: 'MX450',
          patchId: 'SP1',
          status: 'NOT_APPROVED',
          evidence: { source: 'email', reference: 'm-1', date: '2025-01-02', recordedBy: 'me' },
        },
        {
          manufacturer: 'Philips',
          product: 'MX450',
          advisoryId: 'ICSMA-1',
          status: 'VALIDATED',
          evidenceRef: 'x',
        },
        'not an object',
      ]),
    );

    expect(result.records.map((r) => r.status)).toEqual(['VALIDATED', 'NOT_APPROVED']);
    expect(result.records[1]?.evidence.reference).toBe('m-1');
    expect(result.errors.filter((e) => e.line === 3).map((e) => e.column)).toEqual([
      'evidenceSource',
      'evidenceDate',
      'recordedBy',
    ]);
    expect(result.errors.find((e) => e.line === 4)?.message).toContain('expected an object');
  });

  it('rejects text that is not a JSON array', () => {
    expect(parseValidationJson('{').errors[0]?.message).toContain('not valid JSON');
    expect(parseValidationJson({}).errors[0]?.message).toContain('expected a JSON array');
  });
});

describe('findCoveringValidation', () => {
  const finding = { advisoryId: ADVISORY_ID, cves: ['CVE-2020-6961'], product: 'IntelliVue MX450' };

  it('finds a record for the same manufacturer alias, product spelling and version range', () => {
    const record = aValidation({
      manufacturer: 'Phillips',
      product: 'intellivue  MX-450',
      versions: '<= M.00.03',
    });
    expect(findCoveringValidation(aDevice(), finding, [record], NOW)).toEqual({
      record,
      status: 'VALIDATED',
    });
  });

  it('does not cover a device of unknown version with a range, but does with all versions', () => {
    const device = aDevice({ softwareVersion: '' });
    expect(
      findCoveringValidation(device, finding, [aValidation({ versions: '<= M.00.03' })], NOW),
    ).toBeNull();
    expect(findCoveringValidation(device, finding, [aValidation({ versions: '' })], NOW)).not.toBeNull();
  });

  it('ignores expired records, other advisories and other models', () => {
    const records = [
      aValidation({ recordId: 'a', expires: '2025-01-01' }),
      aValidation({ recordId: 'b', advisoryId: 'ICSMA-18-156-01' }),
      aValidation({ recordId: 'c', product: 'IntelliVue MX4500' }),
      aValidation({ recordId: 'd', manufacturer: 'GE Healthcare' }),
    ];
    expect(findCoveringValidation(aDevice(), finding, records, NOW)).toBeNull();
  });

  it('lets a patch-level record cover any advisory only when it has no advisory id', () => {
    const patchLevel = aValidation({ advisoryId: undefined, patchId: 'SP4' });
    const other = { ...finding, advisoryId: 'ICSMA-99-999-99' };
    expect(findCoveringValidation(aDevice(), other, [patchLevel], NOW)?.record).toBe(patchLevel);
    expect(findCoveringValidation(aDevice(), other, [aValidation({ patchId: 'SP4' })], NOW)).toBeNull();
  });

  it('prefers the latest statement, and on a tie the more cautious one', () => {
    const older = aValidation({
      recordId: 'old',
      status: 'NOT_APPROVED',
      evidence: { ...aValidation().evidence, date: '2025-01-01' },
    });
    const newer = aValidation({ recordId: 'new', status: 'VALIDATED' });
    expect(findCoveringValidation(aDevice(), finding, [older, newer], NOW)?.record.recordId).toBe('new');

    const sameDayNo = aValidation({ recordId: 'no', status: 'NOT_APPROVED' });
    expect(findCoveringValidation(aDevice(), finding, [newer, sameDayNo], NOW)?.status).toBe('NOT_APPROVED');
  });
});
