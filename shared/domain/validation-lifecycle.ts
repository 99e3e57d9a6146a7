import type { Device } from './device';
import { sha256Hex, stableStringify } from './digest';
import { normalizeManufacturer } from './manufacturer';
import { APPROVING_STATUSES, missingEvidenceFields, productKey, type ValidationRecord } from './validation';
import { parseVersionSpec, versionSatisfies } from './version-spec';
import type { ValidationStatus } from './vocabulary';

/**
 * The life of a validation record: one record per scope (manufacturer × product × versions × advisory/patch),
 * whose status changes over time. Every change keeps the previous version in history; the transition table below
 * says which changes are allowed and what they need.
 */

/** The scope a record speaks about; two statements about the same scope are versions of one record. */
export function validationScopeOf(record: ValidationRecord): string {
  return stableStringify({
    manufacturerKey: record.manufacturerKey,
    product: productKey(record.product),
    versions: record.versions.trim().replace(/\s+/g, ' '),
    advisoryId: record.advisoryId?.trim().toUpperCase() ?? null,
    patchId: record.patchId?.trim().toUpperCase() ?? null,
  });
}

/** Stable record id for a scope: `val-` + 20 hex digits of SHA-256 of the scope. */
export function scopeRecordId(record: ValidationRecord): string {
  return `val-${sha256Hex(validationScopeOf(record)).slice(0, 20)}`;
}

export type TransitionVerdict =
  | { kind: 'create' }
  | { kind: 'change'; from: ValidationStatus; to: ValidationStatus }
  | { kind: 'unchanged' }
  | { kind: 'rejected'; reason: string };

/**
 * Which status may follow which. A statement may be replaced by any later statement except:
 * - nothing goes back to UNKNOWN once the manufacturer has said something (UNKNOWN means "no statement");
 * - NOT_APPROVED → VALIDATED / VALIDATED_WITH_CONDITIONS needs NEW evidence (another reference or a later date):
 *   the statement that blocked patching cannot be flipped by re-using it.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<ValidationStatus, readonly ValidationStatus[]>> = {
  UNKNOWN: [
    'UNDER_REVIEW',
    'VALIDATED',
    'VALIDATED_WITH_CONDITIONS',
    'NOT_APPROVED',
    'FIX_PLANNED',
    'NO_FIX_AVAILABLE',
    'NOT_AFFECTED',
  ],
  UNDER_REVIEW: [
    'VALIDATED',
    'VALIDATED_WITH_CONDITIONS',
    'NOT_APPROVED',
    'FIX_PLANNED',
    'NO_FIX_AVAILABLE',
    'NOT_AFFECTED',
  ],
  FIX_PLANNED: [
    'UNDER_REVIEW',
    'VALIDATED',
    'VALIDATED_WITH_CONDITIONS',
    'NOT_APPROVED',
    'NO_FIX_AVAILABLE',
    'NOT_AFFECTED',
  ],
  NO_FIX_AVAILABLE: [
    'UNDER_REVIEW',
    'FIX_PLANNED',
    'VALIDATED',
    'VALIDATED_WITH_CONDITIONS',
    'NOT_APPROVED',
    'NOT_AFFECTED',
  ],
  VALIDATED: ['VALIDATED_WITH_CONDITIONS', 'NOT_APPROVED', 'UNDER_REVIEW', 'NOT_AFFECTED'],
  VALIDATED_WITH_CONDITIONS: ['VALIDATED', 'NOT_APPROVED', 'UNDER_REVIEW', 'NOT_AFFECTED'],
  NOT_APPROVED: [
    'UNDER_REVIEW',
    'VALIDATED',
    'VALIDATED_WITH_CONDITIONS',
    'FIX_PLANNED',
    'NO_FIX_AVAILABLE',
    'NOT_AFFECTED',
  ],
  NOT_AFFECTED: ['UNDER_REVIEW', 'VALIDATED', 'VALIDATED_WITH_CONDITIONS', 'NOT_APPROVED'],
};

/** What the manufacturer stated; recordedAt and recordId are bookkeeping and do not make a record different. */
function statementOf(record: ValidationRecord): string {
  const { recordedAt: _at, recordId: _id, ...rest } = record;
  return stableStringify(rest);
}

function evidenceKey(record: ValidationRecord): string {
  return `${record.evidence.source ?? ''}|${record.evidence.reference.trim().toUpperCase()}|${record.evidence.date}`;
}

/**
 * Decides whether `next` may replace `previous` (null: a new record). Pure; the use-case applies it to the
 * version it read and the repository makes the write conditional on that version.
 */
export function checkTransition(
  previous: ValidationRecord | null,
  next: ValidationRecord,
): TransitionVerdict {
  if (APPROVING_STATUSES.has(next.status)) {
    const missing = missingEvidenceFields(next.evidence);
    if (missing.length > 0) {
      return { kind: 'rejected', reason: `${next.status} needs evidence: missing ${missing.join(', ')}` };
    }
  }
  if (previous === null) return { kind: 'create' };
  if (validationScopeOf(previous) !== validationScopeOf(next)) {
    return { kind: 'rejected', reason: 'the new statement is about another scope than the stored record' };
  }
  if (statementOf(previous) === statementOf(next)) return { kind: 'unchanged' };
  const from = previous.status;
  const to = next.status;
  const prevDate = Date.parse(previous.evidence.date);
  const nextDate = Date.parse(next.evidence.date);
  if (!Number.isNaN(prevDate) && !Number.isNaN(nextDate) && nextDate < prevDate) {
    return {
      kind: 'rejected',
      reason: `the new statement (${next.evidence.date}) is older than the recorded one (${previous.evidence.date})`,
    };
  }
  if (from === to) return { kind: 'change', from, to };
  if (!ALLOWED_TRANSITIONS[from].includes(to)) {
    return {
      kind: 'rejected',
      reason:
        to === 'UNKNOWN'
          ? `a recorded ${from} statement cannot be reset to UNKNOWN; record UNDER_REVIEW or NOT_APPROVED instead`
          : `transition ${from} → ${to} is not allowed`,
    };
  }
  if (from === 'NOT_APPROVED' && APPROVING_STATUSES.has(to) && evidenceKey(previous) === evidenceKey(next)) {
    return {
      kind: 'rejected',
      reason: `NOT_APPROVED → ${to} needs new evidence (another reference or date than ${previous.evidence.reference})`,
    };
  }
  return { kind: 'change', from, to };
}

/**
 * Could this record change the gate's answer for this device (for some advisory)? True when manufacturer and
 * product are the record's and the device version is not known to be outside the record's range. Used to pick
 * the findings to re-assess; over-inclusion only costs a no-op re-assessment.
 */
export function recordAffectsDevice(
  record: Pick<ValidationRecord, 'manufacturerKey' | 'product' | 'versions'>,
  device: Pick<Device, 'manufacturer' | 'model' | 'modelNumber' | 'softwareVersion'>,
): boolean {
  if (normalizeManufacturer(device.manufacturer) !== record.manufacturerKey) return false;
  const product = productKey(record.product);
  const candidates = [device.model, device.modelNumber].map(productKey).filter((k) => k !== '');
  if (product === '' || !candidates.includes(product)) return false;
  const versions = record.versions.trim();
  const version = device.softwareVersion.trim();
  if (versions === '' || version === '') return true;
  return versionSatisfies(parseVersionSpec(versions), version) !== 'outside';
}

/** Does the record speak about this advisory (advisory-level) or about any (patch-level)? */
export function recordConcernsAdvisory(
  record: Pick<ValidationRecord, 'advisoryId'>,
  advisoryId: string,
): boolean {
  return (
    record.advisoryId === undefined ||
    record.advisoryId.trim().toUpperCase() === advisoryId.trim().toUpperCase()
  );
}
