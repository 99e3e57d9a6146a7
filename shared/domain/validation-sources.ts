import type { Advisory, AdvisoryProduct } from './advisory';
import { sha256Hex, stableStringify } from './digest';
import { manufacturerKeysOf, normalizeManufacturer } from './manufacturer';
import {
  isIsoDate,
  readCsvRecords,
  type ValidationParseError,
  type ValidationParseResult,
  ValidationRecord,
} from './validation';
import { parseVersionSpec } from './version-spec';
import type { EvidenceSource, ValidationStatus } from './vocabulary';

/**
 * Where validation records come from besides manual entry: a manufacturer's OWN CSAF document, and a
 * manufacturer's published list of validated patches.
 */

/** CSAF publisher categories whose vendor_fix is the manufacturer speaking for its own products. */
const MANUFACTURER_CATEGORIES = new Set(['vendor']);

export interface CsafValidationResult {
  records: ValidationRecord[];
  /** Why vendor_fix remediations of this document did not become validations (coordinator, other vendor, …). */
  skipped: string[];
}

function productOwnedBy(product: AdvisoryProduct, publisherKey: string): boolean {
  return (product.manufacturerKeys ?? [product.manufacturerKey]).includes(publisherKey);
}

const MODEL_SUFFIX = /^(.*?)[\s,(]*\bmodel(?:\s+(?:number|no\.?|#))?\s*:?\s*([A-Za-z0-9][\w.-]*)\)?\s*$/i;

/**
 * The names a record should be keyed under so that a CMMS device record can be covered: the product name, its
 * model numbers, and for names like "Alaris PC Unit Model 8015" also "Alaris PC Unit" and "8015".
 */
export function productNamesOf(product: Pick<AdvisoryProduct, 'productName' | 'modelNumbers'>): string[] {
  const names = [product.productName, ...product.modelNumbers];
  const m = MODEL_SUFFIX.exec(product.productName.trim());
  if (m?.[1] && m[2]) names.push(m[1].trim(), m[2]);
  return [...new Set(names.map((n) => n.trim()).filter((n) => n !== ''))];
}

/**
 * A manufacturer's own CSAF (publisher category `vendor`, publisher name normalizing to the product's
 * manufacturer) whose `vendor_fix` names a product is that manufacturer's statement that the fix is validated for
 * it: one VALIDATED record per product (and per model number), evidenced by the document itself.
 * A coordinator's document (CISA, a CERT) or a vendor_fix for another company's product yields nothing: the gate
 * then asks for validation (REQUEST_VALIDATION) until the manufacturer confirms.
 */
export function validationsFromManufacturerCsaf(
  advisory: Advisory,
  recordedAt: string,
): CsafValidationResult {
  const skipped: string[] = [];
  const category = advisory.publisherCategory.trim().toLowerCase();
  const hasVendorFix = advisory.vulnerabilities.some((v) =>
    v.remediations.some((r) => r.category === 'vendor_fix'),
  );
  if (!hasVendorFix) return { records: [], skipped };
  if (!MANUFACTURER_CATEGORIES.has(category)) {
    skipped.push(
      `${advisory.advisoryId}: publisher "${advisory.publisherName}" is a ${category || 'unknown'}, not the manufacturer: vendor_fix is not a manufacturer validation`,
    );
    return { records: [], skipped };
  }
  const publisherKeys = manufacturerKeysOf(advisory.publisherName);
  const publisherKey = publisherKeys.length === 1 ? publisherKeys[0] : undefined;
  if (publisherKey === undefined || publisherKey === '') {
    skipped.push(
      `${advisory.advisoryId}: publisher name "${advisory.publisherName}" is not one manufacturer`,
    );
    return { records: [], skipped };
  }
  const date = advisory.currentReleaseDate || advisory.initialReleaseDate;
  if (!isIsoDate(date)) {
    skipped.push(`${advisory.advisoryId}: release date "${date}" is not an ISO date; no evidence date`);
    return { records: [], skipped };
  }
  const reference =
    advisory.selfUrl ??
    `${advisory.publisherNamespace ?? advisory.publisherName} ${advisory.advisoryId} version ${advisory.trackingVersion}`;
  const byId = new Map(advisory.products.map((p) => [p.productId, p]));
  const records = new Map<string, ValidationRecord>();
  for (const vuln of advisory.vulnerabilities) {
    for (const rem of vuln.remediations) {
      if (rem.category !== 'vendor_fix') continue;
      const ids = rem.productIds.length > 0 ? rem.productIds : vuln.affectedProductIds;
      for (const id of ids) {
        const product = byId.get(id);
        if (!product) continue;
        if (!productOwnedBy(product, publisherKey)) {
          skipped.push(
            `${advisory.advisoryId}: ${product.fullName} is not a product of ${advisory.publisherName}`,
          );
          continue;
        }
        const spec = parseVersionSpec(product.versionSpec.raw);
        if (product.versionSpec.kind === 'free_text' || spec.kind === 'free_text') {
          skipped.push(
            `${advisory.advisoryId}: ${product.fullName}: version "${product.versionSpec.raw}" not evaluable`,
          );
          continue;
        }
        const versions = product.versionSpec.kind === 'all' ? '' : product.versionSpec.raw;
        const manufacturer =
          normalizeManufacturer(product.vendor) === publisherKey ? product.vendor : advisory.publisherName;
        for (const name of productNamesOf(product)) {
          if (name.trim() === '') continue;
          const candidate = {
            manufacturer,
            manufacturerKey: publisherKey,
            product: name,
            versions,
            advisoryId: advisory.advisoryId,
            patchId: undefined,
            status: 'VALIDATED' as const,
            evidence: {
              source: 'manufacturer_csaf' as const,
              reference,
              date,
              recordedBy: 'medpatch-advisory-ingest',
            },
            conditions: undefined,
            expires: undefined,
            recordedAt,
          };
          const parsed = ValidationRecord.safeParse({
            ...candidate,
            recordId: `val-${sha256Hex(stableStringify({ ...candidate, recordedAt: '' })).slice(0, 20)}`,
          });
          if (!parsed.success) {
            skipped.push(
              `${advisory.advisoryId}: ${product.fullName}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
            );
            continue;
          }
          records.set(parsed.data.recordId, parsed.data);
        }
      }
    }
  }
  return { records: [...records.values()], skipped };
}

// ---------------------------------------------------------------------------------------------------------------
// A manufacturer's validated-patch list: manufacturer, product, versions, patch id, status, date, reference
// ---------------------------------------------------------------------------------------------------------------

export const PATCH_LIST_COLUMNS = [
  'manufacturer',
  'product',
  'versions',
  'patch_id',
  'status',
  'date',
  'reference',
] as const;

/** The words manufacturers use in their approved-patch lists, mapped to validation statuses. */
export function patchListStatus(raw: string): ValidationStatus | undefined {
  const t = raw
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
  if (/^(validated|approved|tested|qualified|compatible|supported)( for install(ation)?)?$/.test(t))
    return 'VALIDATED';
  if (/^(validated|approved|tested) with conditions?$/.test(t) || /^conditionally approved$/.test(t))
    return 'VALIDATED_WITH_CONDITIONS';
  if (/^(not approved|not validated|rejected|not supported|do not install|incompatible|blocked)$/.test(t))
    return 'NOT_APPROVED';
  if (/^(under (review|evaluation|test(ing)?)|pending|in (review|testing|evaluation))$/.test(t))
    return 'UNDER_REVIEW';
  if (/^(not applicable|not affected|n\/?a)$/.test(t)) return 'NOT_AFFECTED';
  if (/^(fix planned|planned)$/.test(t)) return 'FIX_PLANNED';
  if (/^(no fix( available)?|none available)$/.test(t)) return 'NO_FIX_AVAILABLE';
  if (/^unknown$/.test(t)) return 'UNKNOWN';
  return undefined;
}

export function isPatchListHeader(headerCells: readonly string[]): boolean {
  const names = new Set(headerCells.map((c) => c.trim().toLowerCase().replace(/\s+/g, '_')));
  return names.has('reference') && names.has('date') && !names.has('evidence_source');
}

/**
 * Parses a manufacturer's validated-patch list (CSV header `manufacturer,product,versions,patch_id,status,date,
 * reference`, any order, `patch id` with a space accepted). Each line becomes a record about that patch (patch-level:
 * it covers any advisory the patch fixes) with `source` as evidence source and `recordedBy` as recorder.
 */
export function parsePatchListCsv(
  text: string,
  options: { recordedBy: string; source?: EvidenceSource; recordedAt: string },
): ValidationParseResult {
  const { rows, errors } = readCsvRecords(text);
  const errs: ValidationParseError[] = [...errors];
  const [header, ...body] = rows;
  if (header === undefined)
    return { records: [], errors: [{ line: 1, message: 'empty file: expected a header row' }] };
  const names = header.cells.map((c) => c.trim().toLowerCase().replace(/\s+/g, '_'));
  const missing = PATCH_LIST_COLUMNS.filter((c) => !names.includes(c) && c !== 'versions');
  if (missing.length > 0) {
    return {
      records: [],
      errors: missing.map((c) => ({ line: header.line, column: c, message: `header: missing column ${c}` })),
    };
  }
  const get = (cells: string[], c: string) => {
    const i = names.indexOf(c);
    return i < 0 ? '' : (cells[i] ?? '').trim();
  };
  const records: ValidationRecord[] = [];
  for (const row of body) {
    if (row.cells.every((c) => c.trim() === '')) continue;
    const manufacturer = get(row.cells, 'manufacturer');
    const statusText = get(row.cells, 'status');
    const status = patchListStatus(statusText);
    if (status === undefined) {
      errs.push({
        line: row.line,
        column: 'status',
        message: `status: "${statusText}" is not a known approval status`,
      });
      continue;
    }
    const versions = get(row.cells, 'versions');
    if (versions !== '' && parseVersionSpec(versions).kind === 'free_text') {
      errs.push({
        line: row.line,
        column: 'versions',
        message: `versions: "${versions}" is not an evaluable version spec`,
      });
      continue;
    }
    const candidate = {
      manufacturer,
      manufacturerKey: manufacturer === '' ? '' : normalizeManufacturer(manufacturer),
      product: get(row.cells, 'product'),
      versions,
      advisoryId: undefined,
      patchId: get(row.cells, 'patch_id') || undefined,
      status,
      evidence: {
        source: options.source ?? 'manufacturer_portal',
        reference: get(row.cells, 'reference'),
        date: get(row.cells, 'date'),
        recordedBy: options.recordedBy,
      },
      conditions:
        status === 'VALIDATED_WITH_CONDITIONS' ? get(row.cells, 'conditions') || undefined : undefined,
      expires: undefined,
      recordedAt: options.recordedAt,
    };
    const parsed = ValidationRecord.safeParse({
      ...candidate,
      recordId: `val-${sha256Hex(stableStringify({ ...candidate, recordedAt: '' })).slice(0, 20)}`,
    });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.map(String).join('.');
        const column =
          field === 'evidence.reference'
            ? 'reference'
            : field === 'evidence.date'
              ? 'date'
              : field === 'advisoryId'
                ? 'patch_id'
                : field;
        errs.push({
          line: row.line,
          ...(column ? { column } : {}),
          message: `${column || 'record'}: ${issue.message}`,
        });
      }
      continue;
    }
    records.push(parsed.data);
  }
  return { records, errors: errs };
}
