import type { Advisory } from '../domain/advisory';
import { DEFAULT_POLICY, type HospitalPolicy, mayRecordValidations } from '../domain/policy';
import { ValidationRecord } from '../domain/validation';
import {
  checkTransition,
  recordAffectsDevice,
  recordConcernsAdvisory,
  scopeRecordId,
} from '../domain/validation-lifecycle';
import { validationsFromManufacturerCsaf } from '../domain/validation-sources';
import type { ValidationStatus } from '../domain/vocabulary';
import { AuthError, TransientError, ValidationError } from '../errors';
import type { PrioritizeMessage } from './messages';
import type {
  DeviceRepository,
  FindingRepository,
  PolicyRepository,
  PrioritizeQueue,
  ValidationStore,
} from './ports';

export interface RecordValidationDeps {
  validations: ValidationStore;
  devices: Pick<DeviceRepository, 'listByManufacturer'>;
  findings: Pick<FindingRepository, 'listByDevice'>;
  /** Where re-assessments go; without it nothing is re-assessed (e.g. loading records before any device exists). */
  prioritizeQueue?: PrioritizeQueue;
  policy?: Pick<PolicyRepository, 'getActive'>;
}

/**
 * Who records: a person or role (checked against the policy's validationRecorderRoles), or MedPatch itself
 * (`system`: a manufacturer's own CSAF read by the ingest path) — never reachable from the API.
 */
export type Principal = { actor: string; roles: readonly string[] } | { system: string };

export type RecordOutcome =
  | {
      status: 'created' | 'changed' | 'unchanged';
      recordId: string;
      version: number;
      from: ValidationStatus | null;
      to: ValidationStatus;
      /** Findings sent back to the prioritizer because this record may change their action. */
      reassessed: number;
    }
  | { status: 'rejected'; recordId: string; reason: string };

const MAX_ATTEMPTS = 3;

async function activePolicy(deps: RecordValidationDeps): Promise<HospitalPolicy> {
  return (await deps.policy?.getActive())?.policy ?? DEFAULT_POLICY;
}

/** Throws AuthError unless the principal may record validations under the active policy. */
export async function authorizeRecorder(deps: RecordValidationDeps, principal: Principal): Promise<void> {
  if ('system' in principal) return;
  const policy = await activePolicy(deps);
  if (!mayRecordValidations(policy, principal.roles)) {
    throw new AuthError(
      `${principal.actor} (roles: ${principal.roles.join(', ') || 'none'}) may not record validations; policy ${policy.policyVersion} allows ${policy.validationRecorderRoles.join(', ')}`,
    );
  }
}

function actorName(principal: Principal): string {
  return 'system' in principal ? principal.system : principal.actor;
}

/**
 * Records one manufacturer statement: one record per scope (its id is derived from the scope), checked against
 * the transition table, written as the next version with the previous one kept in history and an audit event in
 * the same transaction, then every finding the record may affect is sent back to the prioritizer so its work
 * order follows (e.g. REQUEST_VALIDATION → APPLY_PATCH). A concurrent change is re-read and re-checked.
 */
export async function recordValidation(
  deps: RecordValidationDeps,
  input: ValidationRecord,
  principal: Principal,
  options: { reason: string; now: string; authorized?: boolean },
): Promise<RecordOutcome> {
  if (!options.authorized) await authorizeRecorder(deps, principal);
  const parsed = ValidationRecord.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      'invalid validation record',
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    );
  }
  const record: ValidationRecord = {
    ...parsed.data,
    recordId: scopeRecordId(parsed.data),
    recordedAt: parsed.data.recordedAt || options.now,
  };
  const actor = { actor: actorName(principal), reason: options.reason };
  for (let attempt = 1; ; attempt++) {
    const current = await deps.validations.get(record.manufacturerKey, record.recordId);
    const verdict = checkTransition(current?.record ?? null, record);
    if (verdict.kind === 'rejected')
      return { status: 'rejected', recordId: record.recordId, reason: verdict.reason };
    if (verdict.kind === 'unchanged' && current) {
      return {
        status: 'unchanged',
        recordId: record.recordId,
        version: current.version,
        from: current.record.status,
        to: record.status,
        reassessed: 0,
      };
    }
    try {
      const version = await deps.validations.put(record, current?.version ?? null, actor);
      const reassessed = await reassessAffectedFindings(deps, [record]);
      return {
        status: current ? 'changed' : 'created',
        recordId: record.recordId,
        version,
        from: current?.record.status ?? null,
        to: record.status,
        reassessed,
      };
    } catch (error) {
      if (!(error instanceof TransientError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/** Sends `finding-changed` for every open finding whose device and advisory one of the records may affect. */
export async function reassessAffectedFindings(
  deps: RecordValidationDeps,
  records: readonly ValidationRecord[],
): Promise<number> {
  if (!deps.prioritizeQueue || records.length === 0) return 0;
  const messages = new Map<string, PrioritizeMessage>();
  const byManufacturer = new Map<string, ValidationRecord[]>();
  for (const r of records)
    byManufacturer.set(r.manufacturerKey, [...(byManufacturer.get(r.manufacturerKey) ?? []), r]);
  for (const [manufacturerKey, group] of byManufacturer) {
    const devices = await deps.devices.listByManufacturer(manufacturerKey);
    for (const device of devices) {
      const relevant = group.filter((r) => recordAffectsDevice(r, device));
      if (relevant.length === 0) continue;
      for (const finding of await deps.findings.listByDevice(device.deviceId)) {
        if (finding.remediationState === 'NOT_AFFECTED') continue;
        if (!relevant.some((r) => recordConcernsAdvisory(r, finding.advisoryId))) continue;
        messages.set(finding.findingId, {
          type: 'finding-changed',
          deviceId: finding.deviceId,
          advisoryId: finding.advisoryId,
        });
      }
    }
  }
  if (messages.size > 0) await deps.prioritizeQueue.send([...messages.values()]);
  return messages.size;
}

export interface BatchOutcome {
  outcomes: RecordOutcome[];
  created: number;
  changed: number;
  unchanged: number;
  rejected: number;
  reassessed: number;
}

/** Records many statements (an import); a rejected one is reported and the others still go through. */
export async function recordValidations(
  deps: RecordValidationDeps,
  records: readonly ValidationRecord[],
  principal: Principal,
  options: { reason: string; now: string },
): Promise<BatchOutcome> {
  await authorizeRecorder(deps, principal);
  // Re-assess once for the whole batch, not once per record.
  const quiet: RecordValidationDeps = { ...deps, prioritizeQueue: undefined };
  const outcomes: RecordOutcome[] = [];
  const written: ValidationRecord[] = [];
  for (const record of records) {
    const outcome = await recordValidation(quiet, record, principal, { ...options, authorized: true });
    outcomes.push(outcome);
    if (outcome.status === 'created' || outcome.status === 'changed')
      written.push({ ...record, recordId: outcome.recordId });
  }
  const reassessed = await reassessAffectedFindings(deps, written);
  const count = (s: RecordOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  return {
    outcomes,
    created: count('created'),
    changed: count('changed'),
    unchanged: count('unchanged'),
    rejected: count('rejected'),
    reassessed,
  };
}

/**
 * The ingest path's hook: a manufacturer's own CSAF with vendor_fix becomes VALIDATED records evidenced by the
 * document; a coordinator's CSAF becomes nothing (the gate keeps asking for validation). Called before the
 * advisory is queued for matching, so the matcher's re-prioritization already sees the records.
 */
export async function recordManufacturerCsafValidations(
  deps: RecordValidationDeps,
  advisory: Advisory,
  now: string,
): Promise<{ batch: BatchOutcome; skipped: string[] }> {
  const { records, skipped } = validationsFromManufacturerCsaf(advisory, now);
  const batch = await recordValidations(
    deps,
    records,
    { system: 'medpatch-advisory-ingest' },
    {
      reason: `manufacturer CSAF ${advisory.advisoryId} version ${advisory.trackingVersion} (vendor_fix)`,
      now,
    },
  );
  return { batch, skipped };
}
