import * as z from 'zod';
import type { DevicePage, DeviceSource } from '../../application/ports';
import { Device } from '../../domain/device';
import { readCsvRecords } from '../../domain/validation';
import { DeviceStatus } from '../../domain/vocabulary';
import { ValidationError } from '../../errors';
import { normalizeModel, normalizeVersion } from '../normalize';

/**
 * A column-map file, version 1: the hospital's headers → canonical columns, e.g.
 * `{"version":1,"columns":{"Control #":"asset_tag","Mfr":"manufacturer","Serial #":"serial_number","Dept":"department"}}`.
 * Optional `statuses` maps the export's status words to MedPatch statuses (`{"Active":"in_service"}`).
 */
export const ColumnMapFile = z.object({
  version: z.literal(1),
  columns: z.record(z.string().min(1), z.string()),
  statuses: z.record(z.string(), DeviceStatus).default({}),
});
export type ColumnMapFile = z.infer<typeof ColumnMapFile>;

/** Parses and checks a column-map file: every target must be a canonical column, and none may be mapped twice. */
export function parseColumnMap(text: string, where = 'column map'): ColumnMapFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${where}: not JSON (${(error as Error).message})`);
  }
  const parsed = ColumnMapFile.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new ValidationError(`${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  const issues: { path: string; message: string }[] = [];
  const targets = new Map<string, string>();
  for (const [from, to] of Object.entries(parsed.data.columns)) {
    const canonical = to.trim().toLowerCase();
    if (!(INVENTORY_COLUMNS as readonly string[]).includes(canonical)) {
      issues.push({
        path: `columns.${from}`,
        message: `"${to}" is not an inventory column (${INVENTORY_COLUMNS.join(', ')})`,
      });
    } else if (targets.has(canonical)) {
      issues.push({
        path: `columns.${from}`,
        message: `${canonical} is already mapped from "${targets.get(canonical)}"`,
      });
    } else targets.set(canonical, from);
  }
  if (issues.length > 0)
    throw new ValidationError(`${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  return {
    ...parsed.data,
    columns: Object.fromEntries(
      Object.entries(parsed.data.columns).map(([k, v]) => [k.trim(), v.trim().toLowerCase()]),
    ),
  };
}

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
  'connected_to',
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
  connected_to: 'connectedTo',
};

export interface InventoryRowError {
  line: number;
  column?: string;
  message: string;
  /** The row's asset tag when it has one (so a rejected row is not mistaken for a device gone from the CMMS). */
  assetTag?: string;
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
  options: {
    sourceName?: string;
    columnMap?: Readonly<Record<string, string>>;
    statuses?: Readonly<Record<string, DeviceStatus>>;
  } = {},
): InventoryParseResult {
  const source = options.sourceName ?? 'csv';
  const { rows, errors: csvErrors } = readCsvRecords(text);
  const errors: InventoryRowError[] = csvErrors.map((e) => ({ line: e.line, message: e.message }));
  const [header, ...body] = rows;
  if (!header)
    return { devices: [], errors: [{ line: 1, message: 'the file is empty; expected a header row' }] };
  const statuses = new Map(
    Object.entries(options.statuses ?? {}).map(([k, v]) => [k.trim().toLowerCase(), v]),
  );
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
        assetTag,
      });
      continue;
    }
    const input: Record<string, unknown> = {
      deviceId: `${source}:${assetTag}`,
      source,
      sourceRecordId: assetTag,
    };
    for (const column of INVENTORY_COLUMNS) {
      if (column === 'connected_to') continue;
      const value = cell(column);
      const lowerCased =
        column === 'clinical_criticality' || column === 'network_zone' || column === 'status';
      const normalized =
        column === 'model' || column === 'model_number'
          ? normalizeModel(value)
          : column === 'software_version'
            ? normalizeVersion(value)
            : column === 'status'
              ? (statuses.get(value.toLowerCase()) ?? value.toLowerCase().replace(/[\s-]+/g, '_'))
              : lowerCased
                ? value.toLowerCase()
                : value;
      if (value !== '' || !lowerCased) input[FIELD_OF[column]] = normalized;
    }
    const connected = cell('connected_to');
    if (connected !== '') {
      // Asset tags separated by ";" or "|": the other devices (or systems) this one talks to.
      const tags = [
        ...new Set(
          connected
            .split(/[;|]/)
            .map((t) => t.trim())
            .filter(Boolean),
        ),
      ].sort();
      input.connectedTo = tags.map((tag) => ({
        ref: `${source}:${tag}`,
        name: tag,
        type: 'Connects to',
        direction: 'parent',
      }));
    }
    const parsed = Device.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue?.path[0] ?? '');
      const column = INVENTORY_COLUMNS.find((c) => FIELD_OF[c] === field);
      errors.push({
        line: row.line,
        assetTag,
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
      statuses?: Readonly<Record<string, DeviceStatus>>;
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
      ...(e.assetTag ? { sourceRecordId: e.assetTag } : {}),
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
