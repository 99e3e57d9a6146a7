import type { Advisory } from './advisory';
import type { Device } from './device';
import { sha256Hex, stableStringify } from './digest';
import { GateViolationError, PlanningInputError } from './errors';
import type { Finding } from './finding';
import { checkPatchValidation, type GatePolicy, isExemptFromValidation } from './gate';
import type { Mds2Profile } from './mds2';
import type { MaintenanceWindow } from './policy';
import { dueDateFor, priorityOf } from './prioritize';
import type { ValidationRecord } from './validation';
import type { Decision } from './vocabulary';
import type { WorkOrder } from './work-order';

/**
 * Work-order planning: one work order per device × advisory. The correlation id depends on identity only
 * (device and advisory, not the kind), so when a REQUEST_VALIDATION later becomes an APPLY_PATCH the CMMS updates
 * the same record instead of opening a second one. `revision` hashes what the CMMS shows, so a replay is a no-op.
 */

export const MAX_GUIDANCE_ITEM_CHARS = 600;
export const MAX_GUIDANCE_CHARS = 4000;
const MAX_SHORT_DESCRIPTION_CHARS = 160;

/** `mp-` + the first 32 hex digits (128 bits) of SHA-256("deviceId|advisoryId"). */
export function correlationIdFor(deviceId: string, advisoryId: string): string {
  return `mp-${sha256Hex(`${deviceId}|${advisoryId}`).slice(0, 32)}`;
}

/**
 * Makes advisory or operator prose safe to hand to a CMMS: drops markup and control characters, collapses
 * whitespace, caps the length (with an ellipsis).
 */
export function sanitizeText(text: string, maxChars: number): string {
  const cleaned = text
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<\/?[a-z][^>]*>/gi, ' ')
    .replace(/&(lt|gt|amp|quot|#39|nbsp);/g, (_, e: string) =>
      e === 'nbsp' ? ' ' : e === 'amp' ? '&' : e === 'quot' ? '"' : e === '#39' ? "'" : ' ',
    )
    .replace(/[<>]/g, ' ')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (cleaned.length <= maxChars) return cleaned;
  return `${cleaned.slice(0, Math.max(0, maxChars - 1)).trimEnd()}…`;
}

/**
 * Interim guidance for the matched product: the advisory's `mitigation` and `workaround` remediations that name
 * the product (or name no product at all), de-duplicated, sanitized, one per line, capped.
 */
export function interimGuidanceFor(advisory: Advisory, productId: string): string[] {
  const seen = new Set<string>();
  const items: string[] = [];
  let total = 0;
  for (const vuln of advisory.vulnerabilities) {
    for (const rem of vuln.remediations) {
      if (rem.category !== 'mitigation' && rem.category !== 'workaround') continue;
      if (rem.productIds.length > 0 && !rem.productIds.includes(productId)) continue;
      const text = sanitizeText(rem.details, MAX_GUIDANCE_ITEM_CHARS);
      const key = text.toLowerCase();
      if (text === '' || seen.has(key)) continue;
      if (total + text.length + 3 > MAX_GUIDANCE_CHARS) return items;
      seen.add(key);
      items.push(text);
      total += text.length + 3;
    }
  }
  return items;
}

/**
 * The candidate patch for the matched product: the advisory's `vendor_fix` remediations that name the product (or
 * name none), de-duplicated, sanitized, capped. It tells the hospital which fix the manufacturer named; it is NOT a
 * validation: only a manufacturer validation record lets the gate plan APPLY_PATCH.
 */
export function candidatePatchFor(advisory: Advisory, productId: string): string[] {
  const seen = new Set<string>();
  const items: string[] = [];
  let total = 0;
  for (const vuln of advisory.vulnerabilities) {
    for (const rem of vuln.remediations) {
      if (rem.category !== 'vendor_fix') continue;
      if (rem.productIds.length > 0 && !rem.productIds.includes(productId)) continue;
      const text = sanitizeText(
        rem.url ? `${rem.details} (${rem.url})` : rem.details,
        MAX_GUIDANCE_ITEM_CHARS,
      );
      const key = text.toLowerCase();
      if (text === '' || seen.has(key)) continue;
      if (total + text.length + 3 > MAX_GUIDANCE_CHARS) return items;
      seen.add(key);
      items.push(text);
      total += text.length + 3;
    }
  }
  return items;
}

export interface PlanWorkOrderInput {
  /** The finding with `action` (from the gate) and `prioritization` set. */
  finding: Finding;
  device: Device;
  advisory: Advisory;
  /** The covering validation record the gate decided with. */
  validation: ValidationRecord | null;
  /** Only used to re-check an APPLY_PATCH for a non-medical exempt asset; cannot exempt medical devices. */
  policy?: GatePolicy;
  /**
   * When the SLA clock started. Defaults to `finding.firstSeenAt` (else `now`), so the due date, and so the
   * revision, stay stable across nightly re-plans.
   */
  slaStart?: string;
  slaDays?: Partial<Readonly<Record<Decision, number>>>;
  /** Extra lines for the description: the hospital policy's stakeholders / windows / preconditions, MDS2 facts. */
  notes?: readonly string[];
  /** The department's maintenance windows (hospital policy): the planned start/end come from them. */
  maintenanceWindows?: readonly MaintenanceWindow[];
  /** The policy's patch preconditions for this device type. */
  preconditions?: { removeFromService: boolean; rollbackPlanRequired: boolean };
  /** The model's MDS2 profile: who may install patches. */
  mds2?: Mds2Profile | null;
  /** CMMS assignment group per performer; unset ones use DEFAULT_ASSIGNMENT_GROUPS. */
  assignmentGroups?: Partial<Readonly<Record<Performer, string>>>;
  now: string;
}

export type Performer = NonNullable<WorkOrder['performedBy']>;

/** Assignment groups until a hospital configures its own names. */
export const DEFAULT_ASSIGNMENT_GROUPS: Readonly<Record<Performer, string>> = {
  vendor_field_service: 'Vendor Field Service',
  manufacturer_remote: 'Manufacturer Remote Service',
  in_house_biomed: 'Clinical Engineering',
};

/**
 * Who installs a validated patch: the validation's conditions decide when they say so ("field service only",
 * "remote installation by the manufacturer", "may be installed by hospital biomed"), else the MDS2 profile
 * (CSUP-x.1 owner → in-house, x.2 vendor service, x.3 remote), else in-house biomed. Every other kind of work
 * (mitigations, validation requests, match reviews) is in-house.
 */
export function performerFor(
  kind: WorkOrder['kind'],
  conditions: string,
  mds2: Mds2Profile | null | undefined,
): { performer: Performer; reason: string } {
  if (kind !== 'APPLY_PATCH' && kind !== 'ROLLBACK')
    return { performer: 'in_house_biomed', reason: 'in-house work' };
  const text = conditions.toLowerCase();
  if (
    /field[- ]service|service engineer|authori[sz]ed service|on[- ]site (?:by|service)|vendor (?:technician|engineer)/.test(
      text,
    )
  )
    return { performer: 'vendor_field_service', reason: 'validation conditions' };
  if (/remote(?:ly)?\b/.test(text))
    return { performer: 'manufacturer_remote', reason: 'validation conditions' };
  if (/biomed|in[- ]house|hospital staff|owner|user[- ]install/.test(text))
    return { performer: 'in_house_biomed', reason: 'validation conditions' };
  const install = mds2?.summary.patchInstall;
  if (install?.owner === 'YES') return { performer: 'in_house_biomed', reason: 'MDS2 CSUP owner installs' };
  if (install?.vendorService === 'YES')
    return { performer: 'vendor_field_service', reason: 'MDS2 CSUP vendor service installs' };
  if (install?.remote === 'YES')
    return { performer: 'manufacturer_remote', reason: 'MDS2 CSUP remote install' };
  return { performer: 'in_house_biomed', reason: 'default' };
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Minutes the time zone is ahead of UTC at `utcMs`. */
function zoneOffsetMinutes(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(utcMs));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return (
    (Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute')) -
      Math.floor(utcMs / 60_000) * 60_000) /
    60_000
  );
}

/** UTC ms of a local wall-clock time in a time zone (one correction step; DST gaps resolve forward). */
function zonedToUtc(y: number, m: number, d: number, hhmm: string, timeZone: string): number {
  const [h, min] = hhmm.split(':').map(Number);
  const wall = Date.UTC(y, m, d, h ?? 0, min ?? 0);
  const first = wall - zoneOffsetMinutes(wall, timeZone) * 60_000;
  return wall - zoneOffsetMinutes(first, timeZone) * 60_000;
}

/**
 * The planned window: the LAST maintenance window between the SLA start and the due date (searching 28 days
 * back), else the first one after the due date; depends only on the due date and the windows, so re-planning keeps the revision. Without
 * windows: SLA start → due date. `afterDue` says the window misses the SLA.
 */
export function plannedWindowFor(
  windows: readonly MaintenanceWindow[] | undefined,
  slaStart: string,
  dueDate: string,
): { start: string; end: string; afterDue: boolean; fromPolicy: boolean } {
  const due = Date.parse(dueDate);
  const valid = (windows ?? []).filter((w) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: w.timeZone });
      return true;
    } catch {
      return false;
    }
  });
  if (valid.length === 0 || Number.isNaN(due))
    return { start: slaStart, end: dueDate, afterDue: false, fromPolicy: false };
  const occurrences: { start: number; end: number }[] = [];
  for (let offset = -29; offset <= 29; offset += 1) {
    const day = new Date(due + offset * 86_400_000);
    for (const w of valid) {
      const local = new Date(day.getTime() + zoneOffsetMinutes(day.getTime(), w.timeZone) * 60_000);
      const [y, m, d] = [local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()];
      const weekday = WEEKDAYS[new Date(Date.UTC(y, m, d)).getUTCDay()] ?? 'sun';
      if (!w.days.includes(weekday)) continue;
      const start = zonedToUtc(y, m, d, w.start, w.timeZone);
      let end = zonedToUtc(y, m, d, w.end, w.timeZone);
      if (end <= start) end = zonedToUtc(y, m, d + 1, w.end, w.timeZone); // overnight window
      occurrences.push({ start, end });
    }
  }
  occurrences.sort((a, b) => a.start - b.start);
  const from = Date.parse(slaStart);
  const before = occurrences.filter((o) => o.end <= due && !(o.start < from)).at(-1);
  const chosen = before ?? occurrences.find((o) => o.start >= due);
  if (!chosen) return { start: slaStart, end: dueDate, afterDue: false, fromPolicy: false };
  return {
    start: new Date(chosen.start).toISOString(),
    end: new Date(chosen.end).toISOString(),
    afterDue: before === undefined,
    fromPolicy: true,
  };
}

/** "name (type)" of each connected device or system, sorted, unique. */
export function retestListFor(device: Pick<Device, 'connectedTo'>): string[] {
  return uniqueSorted(
    (device.connectedTo ?? []).map((c) =>
      sanitizeText(`${c.name || c.ref}${c.type ? ` (${c.type.split('::')[0]})` : ''}`, 160),
    ),
  );
}

function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values.filter((v) => v !== ''))].sort();
}

/**
 * Plans the CMMS work order for one finding, or null when the gate said NONE.
 * Throws GateViolationError when asked to plan an APPLY_PATCH that the validation does not allow, and
 * PlanningInputError when the finding is not ready to plan.
 */
export function planWorkOrder(input: PlanWorkOrderInput): WorkOrder | null {
  const { finding, device, advisory, validation, now } = input;
  const context = {
    findingId: finding.findingId,
    deviceId: device.deviceId,
    advisoryId: advisory.advisoryId,
  };
  if (finding.action === undefined)
    throw new PlanningInputError('finding has no action: run the gate first', { context });
  if (finding.prioritization === undefined) {
    throw new PlanningInputError('finding has no prioritization: run prioritizeFinding first', { context });
  }
  if (finding.deviceId !== device.deviceId || finding.advisoryId !== advisory.advisoryId) {
    throw new PlanningInputError('finding does not belong to this device and advisory', {
      context: { ...context, findingDeviceId: finding.deviceId, findingAdvisoryId: finding.advisoryId },
    });
  }
  const kind = finding.action;
  if (kind === 'NONE') return null;

  let validationEvidence = '';
  if (kind === 'APPLY_PATCH') {
    const verdict = checkPatchValidation({ device, advisoryId: advisory.advisoryId, validation, now });
    if (verdict.validated && validation !== null) {
      const e = validation.evidence;
      validationEvidence = sanitizeText(
        [
          `${validation.status} by ${validation.manufacturer} for ${validation.product}` +
            (validation.versions ? ` ${validation.versions}` : ' (all versions)'),
          `evidence: ${e.source} ${e.reference}, dated ${e.date}, recorded by ${e.recordedBy}`,
          validation.patchId ? `patch: ${validation.patchId}` : '',
          validation.conditions ? `conditions: ${validation.conditions}` : '',
          validation.expires ? `valid until ${validation.expires}` : '',
          `record ${validation.recordId}`,
        ]
          .filter((s) => s !== '')
          .join('; '),
        MAX_GUIDANCE_CHARS,
      );
    } else if (isExemptFromValidation(device, input.policy)) {
      validationEvidence = `exempt by policy: non-medical asset class "${sanitizeText(device.deviceType, 80)}"`;
    } else {
      throw new GateViolationError(
        `refusing to plan APPLY_PATCH for ${device.assetTag} / ${advisory.advisoryId}: ${verdict.reason}`,
        { context: { ...context, recordId: validation?.recordId, isMedicalDevice: device.isMedicalDevice } },
      );
    }
  }

  const decision = finding.prioritization.decision;
  const guidance = interimGuidanceFor(advisory, finding.matchReason.productId);
  const mitigation = guidance.join('\n');
  const cves = uniqueSorted(finding.cves);
  const product = sanitizeText(finding.product || finding.matchReason.productFullName, 120);
  const shortDescription = sanitizeText(
    `[${kind}] ${advisory.advisoryId} ${device.assetTag}: ${product}`,
    MAX_SHORT_DESCRIPTION_CHARS,
  );
  const description = [
    `${kindSentence(kind)}`,
    `Device: ${device.assetTag} (${sanitizeText(`${device.manufacturer} ${device.model} ${device.modelNumber}`, 200)}, software ${sanitizeText(device.softwareVersion || 'unknown', 60)})${device.department ? `, ${sanitizeText(device.department, 80)}` : ''}`,
    `Advisory: ${advisory.advisoryId} ${sanitizeText(advisory.title, 200)}`,
    `CVEs: ${cves.join(', ') || 'none listed'}`,
    `Match: ${finding.matchConfidence} (${sanitizeText(`${finding.matchReason.productRule}; ${finding.matchReason.versionRule}`, 300)})`,
    `Validation: ${finding.validationStatus}`,
    ...candidatePatchLine(kind, advisory, finding.matchReason.productId),
    `Priority: ${sanitizeText(finding.prioritization.reason, 600)} [${finding.prioritization.tableId} ${finding.prioritization.tableVersion}]`,
    ...(input.notes ?? []).map((note) => sanitizeText(note, MAX_GUIDANCE_ITEM_CHARS)).filter((n) => n !== ''),
  ].join('\n');

  const slaStart = input.slaStart ?? (finding.firstSeenAt || now);
  const dueDate = dueDateFor(decision, slaStart, input.slaDays);
  const window = plannedWindowFor(input.maintenanceWindows, slaStart, dueDate);
  const { performer, reason: performerReason } = performerFor(kind, validation?.conditions ?? '', input.mds2);
  const retest = kind === 'APPLY_PATCH' ? retestListFor(device) : [];
  const plans =
    kind === 'APPLY_PATCH' ? patchPlansFor(device, validation, retest, input.preconditions) : null;
  const assignmentGroup = sanitizeText(
    input.assignmentGroups?.[performer] || DEFAULT_ASSIGNMENT_GROUPS[performer],
    80,
  );
  const fullDescription = [
    description,
    `Planned: ${window.start.slice(0, 16)}Z to ${window.end.slice(0, 16)}Z (${window.fromPolicy ? `maintenance window${window.afterDue ? ', AFTER the due date: schedule out of window or escalate' : ''}` : 'detection to due date'})`,
    `Work by: ${assignmentGroup} (${performer.replace(/_/g, ' ')}; ${performerReason})`,
    ...(retest.length > 0 ? [`Re-test after the work and inform their owners: ${retest.join('; ')}`] : []),
  ].join('\n');

  const body = {
    kind,
    plannedStart: window.start,
    plannedEnd: window.end,
    performedBy: performer,
    assignmentGroup,
    ...(plans ? { backoutPlan: plans.backout, testPlan: plans.test } : {}),
    ...(retest.length > 0 ? { retest } : {}),
    assetTags: [device.assetTag],
    deviceIds: [device.deviceId],
    advisoryIds: [advisory.advisoryId],
    cves,
    decision,
    priority: priorityOf(decision),
    dueDate,
    validationStatus: finding.validationStatus,
    shortDescription,
    description: fullDescription,
    mitigation,
    validationEvidence,
    department: device.department,
    deviceType: device.deviceType,
  };
  return {
    correlationId: correlationIdFor(device.deviceId, advisory.advisoryId),
    ...body,
    revision: sha256Hex(stableStringify(body)).slice(0, 32),
  };
}

/** Backout and test plans of a validated patch, with the policy's preconditions and the re-test list. */
function patchPlansFor(
  device: Device,
  validation: ValidationRecord | null,
  retest: readonly string[],
  preconditions: PlanWorkOrderInput['preconditions'],
): { backout: string; test: string } {
  const version = sanitizeText(device.softwareVersion || 'the installed version', 60);
  const conditions = validation?.conditions ? sanitizeText(validation.conditions, 400) : '';
  const backout = [
    preconditions?.removeFromService
      ? 'Take the device out of clinical service before patching (policy); keep it out until the test plan passes.'
      : 'Patch when the device is not in clinical use.',
    `Record the installed software version (${version}) and configuration before patching.`,
    `If the update fails or post-update checks fail: roll back to ${version} per the manufacturer's instructions${validation?.patchId ? ` for ${sanitizeText(validation.patchId, 80)}` : ''}, and close this change as unsuccessful (MedPatch then opens a ROLLBACK work order and alerts).`,
    preconditions?.rollbackPlanRequired
      ? "Policy: attach the manufacturer's documented rollback procedure before work starts."
      : '',
  ]
    .filter((line) => line !== '')
    .join('\n');
  const test = [
    "Run the manufacturer's post-update checks and verify device function before returning it to clinical use.",
    conditions ? `Validation conditions to confirm: ${conditions}` : '',
    retest.length > 0
      ? `Re-test the connected devices and systems and tell their owners: ${retest.join('; ')}.`
      : 'No connected devices or systems recorded in the CMDB.',
  ]
    .filter((line) => line !== '')
    .join('\n');
  return { backout, test };
}

/** "Candidate patch (not validated): …" for work orders that are not themselves the validated patch. */
function candidatePatchLine(kind: WorkOrder['kind'], advisory: Advisory, productId: string): string[] {
  if (kind === 'APPLY_PATCH' || kind === 'ROLLBACK') return [];
  const candidate = candidatePatchFor(advisory, productId);
  if (candidate.length === 0) return [];
  return [
    `Candidate patch named by the advisory (NOT validated; do not install before the manufacturer validates it): ${sanitizeText(candidate.join(' '), 800)}`,
  ];
}

function kindSentence(kind: WorkOrder['kind']): string {
  switch (kind) {
    case 'APPLY_PATCH':
      return 'Apply the manufacturer-validated patch (see validation evidence); verify and be ready to roll back.';
    case 'APPLY_MITIGATION':
      return 'No validated patch yet: apply the interim guidance below. Do NOT install unvalidated patches.';
    case 'REQUEST_VALIDATION':
      return 'Ask the manufacturer whether a patch is validated for this model and version; record the answer.';
    case 'REVIEW_MATCH':
      return 'Confirm whether this device is the affected product before any other action.';
    case 'ROLLBACK':
      return 'Roll back the patch on this device and record why.';
    case 'NONE':
      return 'No action.';
  }
}

// --- Status back-sync: closing, re-opening and rolling back work orders -------------------------------------

/** The revision of a work order's content (everything but its identity, revision and CMMS reference). */
export function revisionOf(workOrder: Omit<WorkOrder, 'revision'> & { revision?: string }): string {
  const { correlationId: _id, revision: _rev, cmmsRef: _ref, ...body } = workOrder;
  return sha256Hex(stableStringify(body)).slice(0, 32);
}

/** A follow-up record for new work of another kind after the CMMS closed `closedCorrelationId`. */
export function followUpCorrelationIdFor(closedCorrelationId: string, kind: WorkOrder['kind']): string {
  return `mp-${sha256Hex(`${closedCorrelationId}|follow-up|${kind}`).slice(0, 32)}`;
}

/** The ROLLBACK work order of a failed patch: its own record, derived from the original's identity. */
export function rollbackCorrelationIdFor(originCorrelationId: string): string {
  return `mp-${sha256Hex(`${originCorrelationId}|rollback`).slice(0, 32)}`;
}

/** The work order as the CMMS closed it: closedAt, outcome and the technician's close code and notes. */
export function closedWorkOrder(
  workOrder: WorkOrder,
  outcome: NonNullable<WorkOrder['cmmsOutcome']>,
  closeNotes: string,
  now: string,
): WorkOrder {
  const closed: WorkOrder = {
    ...workOrder,
    closedAt: now,
    cmmsOutcome: outcome,
    closeNotes: sanitizeText(closeNotes, MAX_GUIDANCE_ITEM_CHARS),
  };
  return { ...closed, revision: revisionOf(closed) };
}

/**
 * A work order cancelled in the CMMS while its finding is still open is re-planned, not lost: the same record
 * (same correlation id) is re-opened with a new revision that says why.
 */
export function reopenedWorkOrder(workOrder: WorkOrder, cmmsRef: string, now: string): WorkOrder {
  const { closedAt: _c, cmmsOutcome: _o, closeNotes: _n, cmmsRef: _r, ...open } = workOrder;
  const reopenCount = (workOrder.reopenCount ?? 0) + 1;
  const note = `Re-opened by MedPatch on ${now.slice(0, 10)}: ${cmmsRef || 'the record'} was cancelled in the CMMS but the finding is still open.`;
  const reopened: WorkOrder = {
    ...open,
    reopenCount,
    description: `${note}\n${open.description.replace(/^Re-opened by MedPatch on [^\n]*\n/, '')}`,
    revision: '',
  };
  return { ...reopened, revision: revisionOf(reopened) };
}

/**
 * The ROLLBACK work order for an APPLY_PATCH the technician closed as unsuccessful: same devices and advisory,
 * priority 1 and due within the IMMEDIATE SLA from now (a half-patched medical device may be unsafe to use).
 */
export function planRollback(
  failed: WorkOrder,
  closeNotes: string,
  now: string,
  slaDays?: Partial<Readonly<Record<Decision, number>>>,
): WorkOrder {
  const notes = sanitizeText(closeNotes || 'no close notes', MAX_GUIDANCE_ITEM_CHARS);
  const rollback: WorkOrder = {
    correlationId: rollbackCorrelationIdFor(failed.correlationId),
    kind: 'ROLLBACK',
    assetTags: failed.assetTags,
    deviceIds: failed.deviceIds,
    advisoryIds: failed.advisoryIds,
    cves: failed.cves,
    decision: failed.decision,
    priority: 1,
    dueDate: dueDateFor('IMMEDIATE', now, slaDays),
    validationStatus: failed.validationStatus,
    shortDescription: sanitizeText(
      `[ROLLBACK] ${failed.advisoryIds.join(', ')} ${failed.assetTags.join(', ')}: patch failed`,
      MAX_SHORT_DESCRIPTION_CHARS,
    ),
    description: [
      kindSentence('ROLLBACK'),
      `The patch work order ${failed.cmmsRef ?? failed.correlationId} was closed as unsuccessful: ${notes}`,
      `Devices: ${failed.assetTags.join(', ')}. Keep them out of clinical use until the rollback is verified.`,
      `Original work order:\n${failed.description}`,
    ].join('\n'),
    mitigation: failed.mitigation,
    validationEvidence: failed.validationEvidence,
    originCorrelationId: failed.correlationId,
    plannedStart: now,
    plannedEnd: dueDateFor('IMMEDIATE', now, slaDays),
    ...(failed.performedBy !== undefined ? { performedBy: failed.performedBy } : {}),
    ...(failed.assignmentGroup !== undefined ? { assignmentGroup: failed.assignmentGroup } : {}),
    ...(failed.testPlan !== undefined ? { testPlan: failed.testPlan } : {}),
    ...(failed.retest !== undefined ? { retest: failed.retest } : {}),
    ...(failed.department !== undefined ? { department: failed.department } : {}),
    ...(failed.deviceType !== undefined ? { deviceType: failed.deviceType } : {}),
    revision: '',
  };
  return { ...rollback, revision: revisionOf(rollback) };
}

/**
 * The work order MedPatch itself closes because its finding no longer needs the work (no longer affected, or the
 * gate now says NONE): resolved in the CMMS with the reason, never deleted.
 */
export function resolvedWorkOrder(workOrder: WorkOrder, reason: string, now: string): WorkOrder {
  const resolved: WorkOrder = {
    ...workOrder,
    closedAt: now,
    resolution: sanitizeText(`Closed by MedPatch on ${now.slice(0, 10)}: ${reason}`, MAX_GUIDANCE_ITEM_CHARS),
  };
  return { ...resolved, revision: revisionOf(resolved) };
}

// --- Grouping: one REVIEW_MATCH work order per model × advisory (× department) -------------------------------

/** How REVIEW_MATCH work orders are grouped: one per device, per model × advisory, or per model × advisory × department. */
export type ReviewGrouping = 'device' | 'model' | 'model_department';

const MAX_LISTED_DEVICES = 100;

/** The group's identity: manufacturer, model, advisory (and department). The correlation id is derived from it. */
export function reviewGroupKeyFor(
  device: Pick<Device, 'manufacturer' | 'model' | 'modelNumber' | 'department'>,
  manufacturerKey: string,
  advisoryId: string,
  grouping: Exclude<ReviewGrouping, 'device'>,
): string {
  const model = (device.model || device.modelNumber || '(no model)')
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ');
  const department = grouping === 'model_department' ? `|${device.department.trim().toLowerCase()}` : '';
  return `review|${manufacturerKey}|${model}|${advisoryId}${department}`;
}

export function groupCorrelationIdFor(groupKey: string): string {
  return `mp-${sha256Hex(groupKey).slice(0, 32)}`;
}

const PRIORITY_RANK = (w: Pick<WorkOrder, 'priority'>) => w.priority;

function devicesLine(assetTags: readonly string[]): string {
  const listed = assetTags.slice(0, MAX_LISTED_DEVICES).join(', ');
  const more =
    assetTags.length > MAX_LISTED_DEVICES ? ` and ${assetTags.length - MAX_LISTED_DEVICES} more` : '';
  return `Devices (${assetTags.length}): ${listed}${more}`;
}

function sameOr(values: readonly (string | undefined)[], mixed: string): string {
  const distinct = [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];
  return distinct.length === 1 ? (distinct[0] ?? '') : distinct.length === 0 ? '' : mixed;
}

/**
 * Adds one device's REVIEW_MATCH plan to its group work order (created when absent). One human review confirms
 * the whole model: the group lists every device (assetTags / deviceIds, sorted by tag), the union of CVEs, the
 * most urgent decision and the earliest due date among the members it has seen. A member already in the group
 * with nothing new leaves the revision unchanged, so replays and nightly re-plans dispatch nothing.
 */
export function mergeIntoReviewGroup(
  group: WorkOrder | null,
  member: WorkOrder,
  groupKey: string,
  header: { model: string; advisoryTitle: string; matchLine: string },
): WorkOrder {
  const byDevice = new Map<string, string>();
  group?.deviceIds.forEach((id, i) => {
    byDevice.set(id, group.assetTags[i] ?? id);
  });
  member.deviceIds.forEach((id, i) => {
    byDevice.set(id, member.assetTags[i] ?? id);
  });
  const members = [...byDevice.entries()].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const urgent = group && PRIORITY_RANK(group) <= PRIORITY_RANK(member) ? group : member;
  const dueDate = group && group.dueDate < member.dueDate ? group.dueDate : member.dueDate;
  const plannedStart =
    group?.plannedStart && member.plannedStart && group.plannedStart < member.plannedStart
      ? group.plannedStart
      : (member.plannedStart ?? group?.plannedStart);
  const advisoryId = member.advisoryIds[0] ?? '';
  const assetTags = members.map(([, tag]) => tag);
  const merged: WorkOrder = {
    correlationId: groupCorrelationIdFor(groupKey),
    kind: 'REVIEW_MATCH',
    assetTags,
    deviceIds: members.map(([id]) => id),
    advisoryIds: member.advisoryIds,
    cves: uniqueSorted([...(group?.cves ?? []), ...member.cves]),
    decision: urgent.decision,
    priority: urgent.priority,
    dueDate,
    // The first member's status, guidance and match line: members alternating must not flip the revision.
    validationStatus: group?.validationStatus ?? member.validationStatus,
    shortDescription: sanitizeText(
      `[REVIEW_MATCH] ${advisoryId} ${header.model}: ${assetTags.length} device(s)`,
      MAX_SHORT_DESCRIPTION_CHARS,
    ),
    description: [
      'Confirm whether this model is the affected product before any other action; one review covers every device listed.',
      `Model: ${sanitizeText(header.model, 200)}`,
      `Advisory: ${advisoryId} ${sanitizeText(header.advisoryTitle, 200)}`,
      `CVEs: ${uniqueSorted([...(group?.cves ?? []), ...member.cves]).join(', ') || 'none listed'}`,
      (group ? group.description.split('\n')[4] : undefined) ?? sanitizeText(header.matchLine, 400),
      devicesLine(assetTags),
    ].join('\n'),
    mitigation: group?.mitigation ?? member.mitigation,
    validationEvidence: '',
    department: sameOr([...(group ? [group.department] : []), member.department], 'multiple departments'),
    deviceType: sameOr([...(group ? [group.deviceType] : []), member.deviceType], 'multiple device types'),
    ...(plannedStart ? { plannedStart } : {}),
    plannedEnd: dueDate,
    ...(member.performedBy ? { performedBy: member.performedBy } : {}),
    ...(member.assignmentGroup ? { assignmentGroup: member.assignmentGroup } : {}),
    ...(group?.reopenCount !== undefined ? { reopenCount: group.reopenCount } : {}),
    revision: '',
  };
  return { ...merged, revision: revisionOf(merged) };
}

/** The group without one device (its finding left REVIEW_MATCH); null when nobody is left to review. */
export function removeFromReviewGroup(group: WorkOrder, deviceId: string): WorkOrder | null {
  const index = group.deviceIds.indexOf(deviceId);
  if (index < 0) return group;
  const deviceIds = group.deviceIds.filter((_, i) => i !== index);
  const assetTags = group.assetTags.filter((_, i) => i !== index);
  if (deviceIds.length === 0) return null;
  const reduced: WorkOrder = {
    ...group,
    deviceIds,
    assetTags,
    shortDescription: group.shortDescription.replace(/\d+ device\(s\)$/, `${assetTags.length} device(s)`),
    description: group.description.replace(/Devices \(\d+\): [^\n]*$/, devicesLine(assetTags)),
  };
  return { ...reduced, revision: revisionOf(reduced) };
}
