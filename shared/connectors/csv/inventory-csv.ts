import type { DevicePage, DeviceSource } from '../../application/ports';
import { Device } from '../../domain/device';
import { readCsvRecords } from '../../domain/validation';

/** The canonical inventory header (DESIGN.md §5). Extra columns are allowed and ignored. */
export const INVENTORY_COLUMNS = [
  'asset_tag',
  'serial_number',
  'manufacturer',
  'model',
  'model_number',
  'software_version',
  'device_type',
  'department',
  'location',
  'clinical_criticality',
  'network_zone',
  'status',
] as const;
type InventoryColumn = (typeof INVENTORY_COLUMNS)[number];

const REQUIRED: readonly InventoryColumn[] = ['asset_tag', 'manufacturer'];

const FIELD_OF: Record<InventoryColumn, keyof Device> = {
  asset_tag: 'assetTag',
  serial_number: 'serialNumber',
  manufacturer: 'manufacturer',
  model: 'model',
  model_number: 'modelNumber',
  software_version: 'softwareVersion',
  device_type: 'deviceType',
  department: 'department',
  location: 'location',
  clinical_criticality: 'clinicalCriticality',
  network_zone: 'networkZone',
  status: 'status',
};

export interface InventoryRowError {
  line: number;
  column?: string;
  message: string;
}

export interface InventoryParseResult {
  devices: Device[];
  errors: InventoryRowError[];
}

/**
 * Parses an inventory CSV. `columnMap` renames the hospital's headers to canonical ones (e.g. `{"Control #":
 * "asset_tag"}`). Each bad row is reported with its line, column and reason and kept out; every good row loads.
 */
export function parseInventoryCsv(
  text: string,
  options: { sourceName?: string; columnMap?: Readonly<Record<string, string>> } = {},
): InventoryParseResult {
  const source = options.sourceName ?? 'csv';
  const { rows, errors: csvErrors } = readCsvRecords(text);
  const errors: InventoryRowError[] = csvErrors.map((e) => ({ line: e.line, message: e.message }));
  const [header, ...body] = rows;
  if (!header)
    return { devices: [], errors: [{ line: 1, message: 'the file is empty; expected a header row' }] };
  const canonical = header.cells.map((name) => {
    const trimmed = name.trim();
    return (options.columnMap?.[trimmed] ?? trimmed).toLowerCase();
  });
  const missing = REQUIRED.filter((column) => !canonical.includes(column));
  if (missing.length > 0) {
    return {
      devices: [],
      errors: [{ line: header.line, message: `header lacks required column(s): ${missing.join(', ')}` }],
    };
  }
  const index = new Map(canonical.map((name, i) => [name, i]));
  const devices: Device[] = [];
  const seenTags = new Map<string, number>();
  for (const row of body) {
    const cell = (column: InventoryColumn) => {
      const i = index.get(column);
      return i === undefined ? '' : (row.cells[i] ?? '').trim();
    };
    const missingValue = REQUIRED.find((column) => cell(column) === '');
    if (missingValue) {
      errors.push({ line: row.line, column: missingValue, message: `${missingValue} is empty` });
      continue;
    }
    const assetTag = cell('asset_tag');
    const firstLine = seenTags.get(assetTag);
    if (firstLine !== undefined) {
      errors.push({
        line: row.line,
        column: 'asset_tag',
        message: `duplicate asset_tag ${assetTag} (first on line ${firstLine})`,
      });
      continue;
    }
    const input: Record<string, unknown> = {
      deviceId: `${source}:${assetTag}`,
      source,
      sourceRecordId: assetTag,
    };
    for (const column of INVENTORY_COLUMNS) {
      const value = cell(column);
      const lowerCased =
        column === 'clinical_criticality' || column === 'network_zone' || column === 'status';
      if (value !== '' || !lowerCased) input[FIELD_OF[column]] = lowerCased ? value.toLowerCase() : value;
    }
    const parsed = Device.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue?.path[0] ?? '');
      const column = INVENTORY_COLUMNS.find((c) => FIELD_OF[c] === field);
      errors.push({
        line: row.line,
        ...(column ? { column } : {}),
        message: `${column ?? field}: ${issue?.message ?? 'invalid'} (got "${column ? cell(column) : ''}")`,
      });
      continue;
    }
    seenTags.set(assetTag, row.line);
    devices.push(parsed.data);
  }
  return { devices, errors };
}

/** A device source over an inventory CSV export (AIMS, TMS, EQ2 and other CMMS without an API). */
export class CsvInventorySource implements DeviceSource {
  readonly sourceName: string;

  constructor(
    private readonly text: string,
    private readonly options: {
      sourceName?: string;
      columnMap?: Readonly<Record<string, string>>;
      pageSize?: number;
    } = {},
  ) {
    this.sourceName = options.sourceName ?? 'csv';
  }

  async *readDevices(_since: string | null): AsyncIterable<DevicePage> {
    // A CSV export is always a full snapshot: incremental reads re-read it, and unchanged devices write nothing.
    const { devices, errors } = parseInventoryCsv(this.text, this.options);
    const pageSize = this.options.pageSize ?? 500;
    const rejected = errors.map((e) => ({
      recordId: `line ${e.line}`,
      message: e.column ? `${e.column}: ${e.message}` : e.message,
    }));
    if (devices.length === 0) {
      yield { devices: [], rejected };
      return;
    }
    for (let i = 0; i < devices.length; i += pageSize) {
      yield { devices: devices.slice(i, i + pageSize), rejected: i === 0 ? rejected : [] };
    }
  }
}
