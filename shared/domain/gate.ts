import type { Device } from './device';
import {
  APPROVING_STATUSES,
  type CoverageTarget,
  checkCoverage,
  isIsoDate,
  missingEvidenceFields,
  ValidationRecord,
} from './validation';
import type { Action, MatchConfidence, ValidationStatus } from './vocabulary';

/**
 * THE validation gate (DESIGN §2): MedPatch never asks for a patch on a medical device unless an unexpired
 * manufacturer validation with evidence covers that device's manufacturer, model, software version and advisory.
 *
 * The gate trusts nothing it is handed: it re-parses the record, re-checks coverage, expiry and evidence, and
 * treats anything it cannot confirm as "no validation". Policy can only exempt non-medical IT assets.
 */

export interface GatePolicy {
  /**
   * Device types (compared case- and space-insensitively) of NON-medical assets that may be patched without a
   * manufacturer validation, e.g. an enterprise workstation class. Ignored for medical devices.
   */
  exemptAssetClasses?: readonly string[];
}

export interface GateInput {
  device: Device;
  matchConfidence: MatchConfidence;
  /** The covering record the caller found (findCoveringValidation); re-checked here, never trusted. */
  validation: ValidationRecord | null;
  /** The advisory the finding is about: a record only counts if it covers this advisory. */
  advisoryId: string;
  /** The patch the caller intends to apply, when it knows it (change enrichment). */
  patchId?: string;
  /** The advisory or manufacturer gives mitigations / workarounds for the matched product. */
  hasInterimGuidance: boolean;
  policy?: GatePolicy;
  now: string;
}

export interface GateDecision {
  action: Action;
  /** The status the gate acted on: the record's status when it was usable, otherwise UNKNOWN. */
  validationStatus: ValidationStatus;
  reason: string;
}

export type PatchValidationVerdict =
  | { validated: true; reason: string }
  | { validated: false; reason: string };

function assetClassKey(value: string): string {
  return value.trim().toLowerCase().replace(/\s+/g, ' ');
}

/**
 * Only a device that is explicitly not medical (`isMedicalDevice === false`, not merely falsy) and whose type is
 * listed may skip manufacturer validation. No policy value can exempt a medical device.
 */
export function isExemptFromValidation(device: Device, policy: GatePolicy | undefined): boolean {
  if (device.isMedicalDevice !== false) return false;
  const type = assetClassKey(device.deviceType ?? '');
  if (type === '') return false;
  const classes: unknown = policy?.exemptAssetClasses;
  if (!Array.isArray(classes)) return false;
  return classes.some((c) => typeof c === 'string' && assetClassKey(c) === type);
}

/**
 * Why a record cannot be used for this device and advisory at `now`, or undefined when it can.
 * Checks schema (re-parsed, so hand-built or mutated objects get no shortcut), coverage and expiry.
 */
function unusableBecause(
  record: ValidationRecord,
  device: Device,
  target: CoverageTarget,
  now: string,
): string | undefined {
  if (!isIsoDate(now)) return `"now" (${String(now)}) is not an ISO date`;
  const parsed = ValidationRecord.safeParse(record);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return `record ${String(record?.recordId)} is malformed (${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'})`;
  }
  const coverage = checkCoverage(parsed.data, device, target, now);
  if (!coverage.covered)
    return `record ${parsed.data.recordId} does not cover this device: ${coverage.reason}`;
  return undefined;
}

/**
 * True only when `validation` is a VALIDATED / VALIDATED_WITH_CONDITIONS record with complete evidence
 * (source, reference, date not after `now`, recordedBy) that covers this device and advisory and is unexpired.
 */
export function checkPatchValidation(input: {
  device: Device;
  advisoryId: string;
  patchId?: string;
  validation: ValidationRecord | null;
  now: string;
}): PatchValidationVerdict {
  const { device, validation, now } = input;
  if (validation === null || validation === undefined) {
    return { validated: false, reason: 'no manufacturer validation record covers this device' };
  }
  const target: CoverageTarget = {
    advisoryId: input.advisoryId,
    ...(input.patchId === undefined ? {} : { patchId: input.patchId }),
  };
  const unusable = unusableBecause(validation, device, target, now);
  if (unusable !== undefined) return { validated: false, reason: unusable };
  if (!APPROVING_STATUSES.has(validation.status)) {
    return { validated: false, reason: `validation status is ${validation.status}` };
  }
  const missing = missingEvidenceFields(validation.evidence);
  if (missing.length > 0) {
    return {
      validated: false,
      reason: `validation ${validation.recordId} lacks evidence: ${missing.join(', ')}`,
    };
  }
  if (Date.parse(validation.evidence.date) > Date.parse(now)) {
    return {
      validated: false,
      reason: `validation evidence is dated in the future (${validation.evidence.date})`,
    };
  }
  return {
    validated: true,
    reason: `manufacturer ${validation.status === 'VALIDATED' ? 'validated' : 'validated with conditions'} (${validation.evidence.source} ${validation.evidence.reference}, ${validation.evidence.date})`,
  };
}

/** Boolean form of checkPatchValidation, for assertions (the planner re-checks with it). */
export function isPatchValidated(input: {
  device: Device;
  advisoryId: string;
  patchId?: string;
  validation: ValidationRecord | null;
  now: string;
}): boolean {
  return checkPatchValidation(input).validated;
}

function interimOr(hasInterimGuidance: boolean): Action {
  return hasInterimGuidance ? 'APPLY_MITIGATION' : 'REQUEST_VALIDATION';
}

function interimText(hasInterimGuidance: boolean): string {
  return hasInterimGuidance
    ? 'apply the interim guidance (mitigations / compensating controls)'
    : 'ask the manufacturer to validate a patch';
}

/** The validation gate. Pure and total: every input yields an action, and APPLY_PATCH only as documented above. */
export function decideAction(input: GateInput): GateDecision {
  const { device, matchConfidence, validation, hasInterimGuidance, policy, now } = input;
  const target: CoverageTarget = {
    advisoryId: input.advisoryId,
    ...(input.patchId === undefined ? {} : { patchId: input.patchId }),
  };

  // A record the gate cannot confirm is treated as absent, whatever its status says.
  let usable: ValidationRecord | null = null;
  let ignoredBecause = '';
  if (validation !== null && validation !== undefined) {
    const unusable = unusableBecause(validation, device, target, now);
    if (unusable === undefined) usable = validation;
    else ignoredBecause = `; ignored ${unusable}`;
  }
  const status: ValidationStatus = usable?.status ?? 'UNKNOWN';

  if (matchConfidence === 'possible') {
    return {
      action: 'REVIEW_MATCH',
      validationStatus: status,
      reason: `uncertain match (possible): a person must confirm the device is affected before anything else${ignoredBecause}`,
    };
  }
  if (matchConfidence !== 'confirmed' && matchConfidence !== 'probable') {
    return {
      action: 'REVIEW_MATCH',
      validationStatus: status,
      reason: `unrecognised match confidence ${String(matchConfidence)}: review`,
    };
  }

  if (status === 'NOT_AFFECTED') {
    return {
      action: 'NONE',
      validationStatus: status,
      reason: `manufacturer states this model/version is not affected (record ${usable?.recordId})`,
    };
  }
  if (status === 'NOT_APPROVED') {
    return {
      action: interimOr(hasInterimGuidance),
      validationStatus: status,
      reason: `manufacturer has NOT approved the patch for this device (record ${usable?.recordId}): do not patch; ${interimText(hasInterimGuidance)}`,
    };
  }

  if (usable !== null && APPROVING_STATUSES.has(status)) {
    const verdict = checkPatchValidation({ ...target, device, validation: usable, now });
    if (verdict.validated) {
      const conditions = usable.conditions ? `; conditions: ${usable.conditions}` : '';
      return { action: 'APPLY_PATCH', validationStatus: status, reason: `${verdict.reason}${conditions}` };
    }
    if (isExemptFromValidation(device, policy)) {
      return {
        action: 'APPLY_PATCH',
        validationStatus: status,
        reason: `non-medical asset class "${device.deviceType}" exempt from manufacturer validation by policy`,
      };
    }
    return {
      action: interimOr(hasInterimGuidance),
      validationStatus: 'UNKNOWN',
      reason: `validation record not usable: ${verdict.reason}; ${interimText(hasInterimGuidance)}`,
    };
  }

  if (isExemptFromValidation(device, policy)) {
    return {
      action: 'APPLY_PATCH',
      validationStatus: status,
      reason: `non-medical asset class "${device.deviceType}" exempt from manufacturer validation by policy${ignoredBecause}`,
    };
  }
  const statusText = usable === null ? 'no usable manufacturer validation' : `manufacturer status ${status}`;
  return {
    action: interimOr(hasInterimGuidance),
    validationStatus: status,
    reason: `${statusText}: ${interimText(hasInterimGuidance)}${ignoredBecause}`,
  };
}
