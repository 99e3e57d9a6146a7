import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CsvConnector } from '../../shared/connectors/csv/connector';
import {
  CsvInventorySource,
  parseColumnMap,
  parseInventoryCsv,
} from '../../shared/connectors/csv/inventory-csv';
import { ConfigurationError, ValidationError } from '../../shared/errors';

const HEADER = 'asset_tag,serial_number,manufacturer,model,software_version,department,status';

/** A seeded PRNG so the malformed rows are the same on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('inventory CSV', () => {
  it('with 5% malformed rows loads every good row and reports each bad one with its line, column and reason', () => {
    const random = prng(42);
    const lines = [HEADER];
    const good: string[] = [];
    const bad: { line: number; column: string; reason: RegExp }[] = [];
    const kinds = [
      {
        column: 'asset_tag',
        make: (i: number) => `,SN${i},Philips,MX450,1.0,ICU,in_service`,
        reason: /asset_tag is empty/,
      },
      {
        column: 'manufacturer',
        make: (i: number) => `BAD-${i},SN${i},,MX450,1.0,ICU,in_service`,
        reason: /manufacturer is empty/,
      },
      {
        column: 'status',
        make: (i: number) => `BAD-${i},SN${i},GE,CARESCAPE,2.0,OR,exploded`,
        reason: /status/,
      },
      {
        column: 'asset_tag',
        make: () => 'DUP-0001,SNX,Baxter,Sigma,8.1,ICU,in_service',
        reason: /duplicate asset_tag DUP-0001 \(first on line 2\)/,
      },
    ] as const;
    lines.push('DUP-0001,SN0,Baxter,Sigma,8.1,ICU,in_service');
    good.push('DUP-0001');
    for (let i = 1; i <= 2000; i++) {
      const line = lines.length + 1;
      if (random() < 0.05) {
        const kind = kinds[Math.floor(random() * kinds.length)] ?? kinds[0];
        lines.push(kind.make(i));
        bad.push({ line, column: kind.column, reason: kind.reason });
      } else {
        const tag = `BIO-${String(i).padStart(5, '0')}`;
        lines.push(`${tag},SN${i},Philips,IntelliVue MX450,v1.${i % 9},ICU,in_service`);
        good.push(tag);
      }
    }
    expect(bad.length / 2001).toBeGreaterThan(0.03);
    const { devices, errors } = parseInventoryCsv(lines.join('\n'));
    expect(devices.map((d) => d.assetTag)).toEqual(good);
    expect(errors).toHaveLength(bad.length);
    for (const [i, expected] of bad.entries()) {
      expect(errors[i]).toMatchObject({ line: expected.line, column: expected.column });
      expect(errors[i]?.message).toMatch(expected.reason);
    }
  });

  it('reads another CMMS header through a column-map file (Control #, Equip No, Mfr, Serial #, Dept)', () => {
    const map = parseColumnMap(
      JSON.stringify({
        version: 1,
        columns: {
          'Control #': 'asset_tag',
          'Equip No': 'model_number',
          Mfr: 'manufacturer',
          'Serial #': 'serial_number',
          Dept: 'department',
          Model: 'model',
          'SW Rev': 'software_version',
          Status: 'status',
        },
        statuses: { Active: 'in_service', 'In Repair': 'out_of_service', Lost: 'missing' },
      }),
    );
    const text = [
      'Control #,Equip No,Mfr,Model,Serial #,Dept,SW Rev,Status',
      '10442,866062,Phillips,IntelliVue MX450,DE1234,ICU,Version M.00.03,Active',
      '10443,8015,Becton Dickinson,Alaris 8015,AL99,Oncology,SW 12.1.2,In Repair',
      '10444,V60,Philips,Respironics V60,V6001,RT,3.0,Lost',
    ].join('\n');
    const { devices, errors } = parseInventoryCsv(text, { columnMap: map.columns, statuses: map.statuses });
    expect(errors).toEqual([]);
    expect(
      devices.map((d) => [
        d.assetTag,
        d.modelNumber,
        d.manufacturer,
        d.serialNumber,
        d.department,
        d.softwareVersion,
        d.status,
      ]),
    ).toEqual([
      ['10442', '866062', 'Phillips', 'DE1234', 'ICU', 'M.00.03', 'in_service'],
      ['10443', '8015', 'Becton Dickinson', 'AL99', 'Oncology', '12.1.2', 'out_of_service'],
      ['10444', 'V60', 'Philips', 'V6001', 'RT', '3.0', 'missing'],
    ]);
  });

  it('rejects a column map that targets an unknown column or maps one column twice, naming the entries', () => {
    expect(() =>
      parseColumnMap(JSON.stringify({ version: 1, columns: { 'Control #': 'control_number' } })),
    ).toThrow(/columns\.Control #: "control_number" is not an inventory column/);
    expect(() =>
      parseColumnMap(
        JSON.stringify({ version: 1, columns: { 'Control #': 'asset_tag', 'Equip No': 'asset_tag' } }),
      ),
    ).toThrow(/asset_tag is already mapped from "Control #"/);
    expect(() => parseColumnMap('{"version":2,"columns":{}}')).toThrow(ValidationError);
    expect(() => parseColumnMap('not json', 'map.json')).toThrow(/map\.json: not JSON/);
  });

  it('reads the optional connected_to column into connections (sorted, de-duplicated, ; or | separated)', () => {
    const text = [
      'asset_tag,manufacturer,connected_to',
      'MON-1,Philips,GW-7; PUMP-3|GW-7',
      'PUMP-3,BD,',
    ].join('\n');
    const { devices } = parseInventoryCsv(text);
    expect(devices[0]?.connectedTo).toEqual([
      { ref: 'csv:GW-7', name: 'GW-7', type: 'Connects to', direction: 'parent' },
      { ref: 'csv:PUMP-3', name: 'PUMP-3', type: 'Connects to', direction: 'parent' },
    ]);
    expect(devices[1]?.connectedTo).toBeUndefined();
  });

  it('a header without a required column is one clear error and no devices', () => {
    const { devices, errors } = parseInventoryCsv('serial_number,model\nSN1,MX450');
    expect(devices).toEqual([]);
    expect(errors).toEqual([
      { line: 1, message: 'header lacks required column(s): asset_tag, manufacturer' },
    ]);
  });

  it('a device source pages the good rows and reports the bad ones on the first page', async () => {
    const text = [
      HEADER,
      ...Array.from({ length: 12 }, (_, i) => `T-${i},S${i},GE,M,1,ICU,in_service`),
      ',S,GE,M,1,ICU,in_service',
    ].join('\n');
    const pages = [];
    for await (const page of new CsvInventorySource(text, { pageSize: 5 }).readDevices(null))
      pages.push(page);
    expect(pages.map((p) => p.devices.length)).toEqual([5, 5, 2]);
    expect(pages[0]?.rejected).toEqual([{ recordId: 'line 14', message: 'asset_tag: asset_tag is empty' }]);
  });
});

describe('CSV connector (folder with inventory.csv, column-map.json, work-order outbox)', () => {
  let directory = '';
  afterEach(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('applies column-map.json when the folder has one', async () => {
    directory = mkdtempSync(join(tmpdir(), 'medpatch-csv-'));
    writeFileSync(join(directory, 'inventory.csv'), 'Control #,Mfr\n777,Baxter\n');
    writeFileSync(
      join(directory, 'column-map.json'),
      JSON.stringify({ version: 1, columns: { 'Control #': 'asset_tag', Mfr: 'manufacturer' } }),
    );
    const devices = [];
    for await (const page of new CsvConnector({ directory }).readDevices(null)) devices.push(...page.devices);
    expect(devices.map((d) => [d.deviceId, d.manufacturer])).toEqual([['csv:777', 'Baxter']]);
  });

  it('a missing inventory export is a ConfigurationError naming the file', async () => {
    directory = mkdtempSync(join(tmpdir(), 'medpatch-csv-'));
    const read = async () => {
      for await (const _ of new CsvConnector({ directory }).readDevices(null)) {
        // nothing
      }
    };
    await expect(read()).rejects.toThrow(ConfigurationError);
    await expect(read()).rejects.toThrow(/inventory\.csv does not exist/);
  });
});
