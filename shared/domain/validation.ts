import * as z from 'zod';
import type { Device } from './device';
import { sha256Hex, stableStringify } from './digest';
import { normalizeManufacturer } from './manufacturer';
import { parseVersionSpec, versionSatisfies } from './version-spec';
import { EvidenceSource, ValidationStatus } from './vocabulary';

/**
 * Manufacturer validation records: what a manufacturer said about a patch or advisory for a product and version
 * range, with the evidence that it said so. The validation gate (gate.ts) only ever opens on one of these.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * ISO 8601 calendar date or date-time. A date-time must carry a zone (Z or offset) so that it means the same
 * instant on every machine; impossible dates such as 2024-02-30 are rejected rather than rolled over.
 */
export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [, y, mo, d] = m;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (
    day.getUTCFullYear() !== Number(y) ||
    day.getUTCMonth() !== Number(mo) - 1 ||
    day.getUTCDate() !== Number(d)
  ) {
    return false;
  }
  return !Number.isNaN(Date.parse(value));
}

const IsoDate = z
  .string()
  .refine(isIsoDate, { message: 'must be an ISO 8601 date (YYYY-MM-DD or date-time with zone)' });
const OptionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const ValidationEvidence = z.object({
  /** Absent only for records that claim nothing needing proof (UNKNOWN, UNDER_REVIEW, ...). */
  source: EvidenceSource.optional(),
  /** Where the statement can be found again: bulletin id, letter number, ticket, URL. */
  reference: z.string().trim().default(''),
  /** When the manufacturer made the statement (ISO 8601). */
  date: z
    .string()
    .trim()
    .default('')
    .refine((v) => v === '' || isIsoDate(v), { message: 'must be an ISO 8601 date' }),
  recordedBy: z.string().trim().default(''),
});
export type ValidationEvidence = z.infer<typeof ValidationEvidence>;

/** Statuses that say "this patch may be installed": they need complete evidence. */
export const APPROVING_STATUSES: ReadonlySet<ValidationStatus> = new Set([
  'VALIDATED',
  'VALIDATED_WITH_CONDITIONS',
]);

export const ValidationRecord = z
  .object({
    recordId: z.string().min(1),
    /** Manufacturer as the operator or manufacturer wrote it. */
    manufacturer: z.string().trim().min(1),
    /** normalizeManufacturer(manufacturer): what coverage compares. */
    manufacturerKey: z.string().trim().min(1),
    /** Model name or model number the statement is about. */
    product: z.string().trim().min(1),
    /** Version spec text (`vers:` or comparators); '' = all versions. */
    versions: z.string().trim().default(''),
    advisoryId: OptionalText,
    patchId: OptionalText,
    status: ValidationStatus,
    evidence: ValidationEvidence,
    conditions: OptionalText,
    /** After this instant the record no longer covers anything. */
    expires: IsoDate.optional(),
    recordedAt: z
      .string()
      .default('')
      .refine((v) => v === '' || isIsoDate(v), { message: 'must be an ISO 8601 date' }),
  })
  .superRefine((r, ctx) => {
    if (r.advisoryId === undefined && r.patchId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['advisoryId'],
        message: 'advisory_id or patch_id is required (a record must say what it is about)',
      });
    }
    if (!APPROVING_STATUSES.has(r.status)) return;
    for (const field of missingEvidenceFields(r.evidence)) {
      ctx.addIssue({
        code: 'custom',
        path: ['evidence', field],
        message: `evidence ${field} is required when status is ${r.status}`,
      });
    }
    if (r.status === 'VALIDATED_WITH_CONDITIONS' && r.conditions === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['conditions'],
        message: 'conditions are required when status is VALIDATED_WITH_CONDITIONS',
      });
    }
  });
export type ValidationRecord = z.infer<typeof ValidationRecord>;

/** Evidence fields that are missing or unusable; empty means the evidence is complete. */
export function missingEvidenceFields(evidence: {
  source?: string | undefined;
  reference?: string | undefined;
  date?: string | undefined;
  recordedBy?: string | undefined;
}): Array<'source' | 'reference' | 'date' | 'recordedBy'> {
  const missing: Array<'source' | 'reference' | 'date' | 'recordedBy'> = [];
  if (evidence.source === undefined || !EvidenceSource.safeParse(evidence.source).success)
    missing.push('source');
  if ((evidence.reference ?? '').trim() === '') missing.push('reference');
  if (!isIsoDate((evidence.date ?? '').trim())) missing.push('date');
  if ((evidence.recordedBy ?? '').trim() === '') missing.push('recordedBy');
  return missing;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing: CSV (DESIGN §5) and JSON
// ---------------------------------------------------------------------------------------------------------------

export interface ValidationParseError {
  /** CSV: physical line where the record starts (header = 1). JSON: 1-based item number. */
  line: number;
  /** CSV column name (or JSON field name) at fault, when one is. */
  column?: string;
  message: string;
}

export interface ValidationParseResult {
  records: ValidationRecord[];
  errors: ValidationParseError[];
}

export interface ValidationParseOptions {
  /** Stamped as recordedAt when the input has none; defaults to the evidence date. */
  recordedAt?: string;
}

export const VALIDATION_CSV_COLUMNS = [
  'manufacturer',
  'product',
  'versions',
  'advisory_id',
  'patch_id',
  'status',
  'evidence_source',
  'evidence_ref',
  'evidence_date',
  'recorded_by',
  'conditions',
  'expires',
] as const;
type CsvColumn = (typeof VALIDATION_CSV_COLUMNS)[number];

/** Flat, camelCase input form (the JSON form of a CSV line). */
interface FlatValidationInput {
  recordId?: unknown;
  manufacturer?: unknown;
  manufacturerKey?: unknown;
  product?: unknown;
  versions?: unknown;
  advisoryId?: unknown;
  patchId?: unknown;
  status?: unknown;
  evidenceSource?: unknown;
  evidenceRef?: unknown;
  evidenceDate?: unknown;
  recordedBy?: unknown;
  evidence?: unknown;
  conditions?: unknown;
  expires?: unknown;
  recordedAt?: unknown;
}

const FIELD_TO_CSV: Record<string, CsvColumn> = {
  manufacturer: 'manufacturer',
  manufacturerKey: 'manufacturer',
  product: 'product',
  versions: 'versions',
  advisoryId: 'advisory_id',
  patchId: 'patch_id',
  status: 'status',
  'evidence.source': 'evidence_source',
  'evidence.reference': 'evidence_ref',
  'evidence.date': 'evidence_date',
  'evidence.recordedBy': 'recorded_by',
  conditions: 'conditions',
  expires: 'expires',
};

const FIELD_TO_JSON: Record<string, string> = {
  'evidence.source': 'evidenceSource',
  'evidence.reference': 'evidenceRef',
  'evidence.date': 'evidenceDate',
  'evidence.recordedBy': 'recordedBy',
};

/** Reads RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. */
export function readCsvRecords(text: string): {
  rows: Array<{ line: number; cells: string[] }>;
  errors: ValidationParseError[];
} {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: Array<{ line: number; cells: string[] }> = [];
  const errors: ValidationParseError[] = [];
  let line = 1;
  let startLine = 1;
  let cells: string[] = [];
  let cell = '';
  let inQuotes = false;
  let quotedCell = false;
  let rowHasContent = false;
  const endRow = (): void => {
    cells.push(cell);
    if (rowHasContent || cells.length > 1 || cell !== '') rows.push({ line: startLine, cells });
    cells = [];
    cell = '';
    rowHasContent = false;
    quotedCell = false;
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (inQuotes) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell === '' && !quotedCell) {
      inQuotes = true;
      quotedCell = true;
      rowHasContent = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      quotedCell = false;
      rowHasContent = true;
    } else if (ch === '\r' && src[i + 1] === '\n') {
      // handled by the \n
    } else if (ch === '\n' || ch === '\r') {
      endRow();
      line++;
      startLine = line;
    } else {
      cell += ch;
      rowHasContent = true;
    }
  }
  if (inQuotes) {
    errors.push({ line: startLine, message: 'unterminated quoted field (missing closing ")' });
    return { rows, errors };
  }
  if (cell !== '' || cells.length > 0 || rowHasContent) endRow();
  return { rows, errors };
}

function normalizeEnumText(value: string, upper: boolean): string {
  const t = value.trim().replace(/[\s-]+/g, '_');
  return upper ? t.toUpperCase() : t.toLowerCase();
}

function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function buildRecord(
  flat: FlatValidationInput,
  options: ValidationParseOptions,
): { ok: true; record: ValidationRecord } | { ok: false; issues: Array<{ field: string; message: string }> } {
  const nested =
    typeof flat.evidence === 'object' && flat.evidence !== null
      ? (flat.evidence as Record<string, unknown>)
      : {};
  const manufacturer = (asText(flat.manufacturer) ?? '').trim();
  const statusText = asText(flat.status);
  const sourceText = asText(flat.evidenceSource) ?? asText(nested.source);
  const evidenceDate = (asText(flat.evidenceDate) ?? asText(nested.date) ?? '').trim();
  const candidate = {
    manufacturer,
    manufacturerKey:
      asText(flat.manufacturerKey) ?? (manufacturer === '' ? '' : normalizeManufacturer(manufacturer)),
    product: asText(flat.product) ?? '',
    versions: asText(flat.versions) ?? '',
    advisoryId: asText(flat.advisoryId),
    patchId: asText(flat.patchId),
    status: statusText === undefined ? undefined : normalizeEnumText(statusText, true),
    evidence: {
      source:
        sourceText === undefined || sourceText.trim() === ''
          ? undefined
          : normalizeEnumText(sourceText, false),
      reference: asText(flat.evidenceRef) ?? asText(nested.reference) ?? '',
      date: evidenceDate,
      recordedBy: asText(flat.recordedBy) ?? asText(nested.recordedBy) ?? '',
    },
    conditions: asText(flat.conditions),
    expires: (() => {
      const e = asText(flat.expires)?.trim();
      return e === undefined || e === '' ? undefined : e;
    })(),
    recordedAt:
      asText(flat.recordedAt) ?? options.recordedAt ?? (isIsoDate(evidenceDate) ? evidenceDate : ''),
  };
  const recordId =
    asText(flat.recordId)?.trim() ||
    `val-${sha256Hex(stableStringify({ ...candidate, recordedAt: '' })).slice(0, 20)}`;
  const parsed = ValidationRecord.safeParse({ ...candidate, recordId });
  const issues: Array<{ field: string; message: string }> = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.map(String).join('.');
      issues.push({ field, message: `${field || 'record'}: ${issue.message}` });
    }
    return { ok: false, issues };
  }
  const record = parsed.data;
  if (record.versions !== '' && parseVersionSpec(record.versions).kind === 'free_text') {
    return {
      ok: false,
      issues: [
        { field: 'versions', message: `versions: "${record.versions}" is not an evaluable version spec` },
      ],
    };
  }
  return { ok: true, record };
}

/**
 * Parses the validations CSV of DESIGN §5. The header row names the columns (any order, extra columns ignored).
 * Every bad row is reported with the line it starts on and kept out; every good row is kept.
 */
export function parseValidationCsv(
  text: string,
  options: ValidationParseOptions = {},
): ValidationParseResult {
  const { rows, errors } = readCsvRecords(text);
  const records: ValidationRecord[] = [];
  const [header, ...body] = rows;
  if (header === undefined) {
    return { records, errors: [...errors, { line: 1, message: 'empty file: expected a header row' }] };
  }
  const index = new Map<string, number>();
  header.cells.forEach((name, i) => {
    index.set(name.trim().toLowerCase(), i);
  });
  const missing = VALIDATION_CSV_COLUMNS.filter(
    (c) => !index.has(c) && c !== 'conditions' && c !== 'expires',
  );
  if (missing.length > 0) {
    return {
      records,
      errors: [
        ...errors,
        ...missing.map((c) => ({ line: header.line, column: c, message: `header: missing column ${c}` })),
      ],
    };
  }
  for (const row of body) {
    if (row.cells.every((c) => c.trim() === '')) continue;
    if (row.cells.length > header.cells.length) {
      errors.push({
        line: row.line,
        message: `row has ${row.cells.length} fields, header has ${header.cells.length} (unquoted comma?)`,
      });
      continue;
    }
    const get = (c: CsvColumn): string | undefined => {
      const i = index.get(c);
      return i === undefined ? undefined : row.cells[i];
    };
    const result = buildRecord(
      {
        manufacturer: get('manufacturer'),
        product: get('product'),
        versions: get('versions'),
        advisoryId: get('advisory_id'),
        patchId: get('patch_id'),
        status: get('status'),
        evidenceSource: get('evidence_source'),
        evidenceRef: get('evidence_ref'),
        evidenceDate: get('evidence_date'),
        recordedBy: get('recorded_by'),
        conditions: get('conditions'),
        expires: get('expires'),
      },
      options,
    );
    if (result.ok) {
      records.push(result.record);
    } else {
      for (const issue of result.issues) {
        const column = FIELD_TO_CSV[issue.field];
        errors.push({ line: row.line, ...(column ? { column } : {}), message: issue.message });
      }
    }
  }
  return { records, errors };
}

/**
 * Parses a JSON array of validation records: the CSV fields in camelCase (`advisoryId`, `evidenceSource`,
 * `evidenceRef`, `evidenceDate`, `recordedBy`, ...) or the nested `evidence {source, reference, date, recordedBy}`
 * form. Accepts JSON text or an already-parsed value. `line` in errors is the 1-based item number.
 */
export function parseValidationJson(
  input: unknown,
  options: ValidationParseOptions = {},
): ValidationParseResult {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      return { records: [], errors: [{ line: 0, message: `not valid JSON: ${(cause as Error).message}` }] };
    }
  }
  if (!Array.isArray(value)) return { records: [], errors: [{ line: 0, message: 'expected a JSON array' }] };
  const records: ValidationRecord[] = [];
  const errors: ValidationParseError[] = [];
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      errors.push({ line: i + 1, message: `item ${i + 1}: expected an object` });
      return;
    }
    const result = buildRecord(item as FlatValidationInput, options);
    if (result.ok) {
      records.push(result.record);
      return;
    }
    for (const issue of result.issues) {
      const column = FIELD_TO_JSON[issue.field] ?? (issue.field || undefined);
      errors.push({ line: i + 1, ...(column ? { column } : {}), message: `item ${i + 1}: ${issue.message}` });
    }
  });
  return { records, errors };
}

// ---------------------------------------------------------------------------------------------------------------
// Coverage
// ---------------------------------------------------------------------------------------------------------------

/** What a validation must be about: the advisory of the finding and, optionally, one named patch. */
export interface CoverageTarget {
  advisoryId: string;
  patchId?: string;
}

export type CoverageResult = { covered: true } | { covered: false; reason: string };

/**
 * Product names compare case-, space- and punctuation-insensitively: "MX-450", "mx 450" and "MX450" are equal.
 * Deliberately no partial/token-subset matching: a validation for "Alaris 8015" must not cover "Alaris 8100".
 */
export function productKey(value: string): string {
  return value
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t !== '')
    .join('');
}

function sameId(a: string, b: string): boolean {
  return a.trim().toUpperCase() === b.trim().toUpperCase();
}

/** True when the record has an expiry at or before `now`. An unreadable expiry or `now` counts as expired. */
export function isValidationExpired(record: Pick<ValidationRecord, 'expires'>, now: string): boolean {
  if (record.expires === undefined) return false;
  const expires = Date.parse(record.expires);
  const at = Date.parse(now);
  if (Number.isNaN(expires) || Number.isNaN(at)) return true;
  return expires <= at;
}

/**
 * Does `record` speak about this device and this advisory at `now`? Fails closed on anything it cannot decide.
 *
 * Rules:
 * - manufacturer: `record.manufacturerKey` equals `normalizeManufacturer(device.manufacturer)` and
 *   `normalizeManufacturer(record.manufacturer)`;
 * - product: `productKey(record.product)` equals that of the device's model or its model number;
 * - versions: '' covers every version (even an unknown one); otherwise the device version must be known and
 *   `versionSatisfies` must say `inside` (`unknown` is not covered);
 * - advisory: a record with an advisoryId covers only that advisory. A patch-level record (patchId, no
 *   advisoryId) covers any advisory, because the manufacturer validated the patch as such; if the caller names a
 *   patch, the record's patch must be that one. A record with neither covers nothing;
 * - time: not expired at `now`.
 */
export function checkCoverage(
  record: ValidationRecord,
  device: Pick<Device, 'manufacturer' | 'model' | 'modelNumber' | 'softwareVersion'>,
  target: CoverageTarget,
  now: string,
): CoverageResult {
  const deviceKey = normalizeManufacturer(device.manufacturer);
  if (record.manufacturerKey.trim() === '' || record.manufacturerKey !== deviceKey) {
    return {
      covered: false,
      reason: `manufacturer ${record.manufacturerKey} is not the device's (${deviceKey})`,
    };
  }
  // The stored key must still agree with the name the manufacturer was recorded under, so a record edited to carry
  // another manufacturer's key (or keyed by an outdated alias table) fails closed instead of covering.
  if (normalizeManufacturer(record.manufacturer) !== record.manufacturerKey) {
    return {
      covered: false,
      reason: `record manufacturer "${record.manufacturer}" does not normalize to its key ${record.manufacturerKey}`,
    };
  }
  const recordProduct = productKey(record.product);
  const candidates = [device.model, device.modelNumber].map(productKey).filter((k) => k !== '');
  if (recordProduct === '' || !candidates.includes(recordProduct)) {
    return {
      covered: false,
      reason: `product "${record.product}" is not the device's model or model number`,
    };
  }
  const versions = record.versions.trim();
  if (versions !== '') {
    const version = device.softwareVersion.trim();
    if (version === '') {
      return { covered: false, reason: `device software version unknown; record covers only ${versions}` };
    }
    const verdict = versionSatisfies(parseVersionSpec(versions), version);
    if (verdict !== 'inside') {
      return { covered: false, reason: `device version ${version} is ${verdict} of ${versions}` };
    }
  }
  if (record.advisoryId !== undefined) {
    if (!sameId(record.advisoryId, target.advisoryId)) {
      return { covered: false, reason: `record is about ${record.advisoryId}, not ${target.advisoryId}` };
    }
  } else if (record.patchId === undefined) {
    return { covered: false, reason: 'record names neither an advisory nor a patch' };
  }
  if (
    target.patchId !== undefined &&
    record.patchId !== undefined &&
    !sameId(record.patchId, target.patchId)
  ) {
    return { covered: false, reason: `record is about patch ${record.patchId}, not ${target.patchId}` };
  }
  if (isValidationExpired(record, now)) {
    return { covered: false, reason: `record expired (${record.expires ?? 'unreadable'})` };
  }
  return { covered: true };
}

/** Most cautious first, for ties between equally recent records. */
const CAUTION_RANK: Record<ValidationStatus, number> = {
  NOT_APPROVED: 0,
  NOT_AFFECTED: 7,
  UNDER_REVIEW: 2,
  FIX_PLANNED: 3,
  NO_FIX_AVAILABLE: 1,
  UNKNOWN: 4,
  VALIDATED_WITH_CONDITIONS: 5,
  VALIDATED: 6,
};

function statementTime(record: ValidationRecord): number {
  const t = Date.parse(record.evidence.date || record.recordedAt);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/**
 * The validation record that covers this device for this finding at `now`, or null.
 * When several cover it, the manufacturer's latest statement wins (evidence date, else recordedAt); on a tie the
 * more cautious status wins (NOT_APPROVED first), then the advisory-specific record over a patch-level one.
 */
export function findCoveringValidation(
  device: Pick<Device, 'manufacturer' | 'model' | 'modelNumber' | 'softwareVersion'>,
  finding: { advisoryId: string; cves?: readonly string[]; product?: string; patchId?: string },
  records: readonly ValidationRecord[],
  now: string,
): { record: ValidationRecord; status: ValidationStatus } | null {
  const target: CoverageTarget = {
    advisoryId: finding.advisoryId,
    ...(finding.patchId === undefined ? {} : { patchId: finding.patchId }),
  };
  const covering = records.filter((r) => checkCoverage(r, device, target, now).covered);
  covering.sort(
    (a, b) =>
      statementTime(b) - statementTime(a) ||
      CAUTION_RANK[a.status] - CAUTION_RANK[b.status] ||
      Number(b.advisoryId !== undefined) - Number(a.advisoryId !== undefined) ||
      (a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0),
  );
  const best = covering[0];
  return best === undefined ? null : { record: best, status: best.status };
}
