import { sha256Hex } from './digest';
import { sanitizeLine, sanitizeSubject, sanitizeUntrusted, toGsm7Safe } from './sanitize';
import type { Action, Decision, ValidationStatus } from './vocabulary';

/**
 * Stakeholder alerts, pure: which domain events alert (only on change, each with a stable domain event id that
 * makes retries and replays send nothing new), who gets them on which channel, and what the messages say.
 * Everything taken from advisories or the CMMS is untrusted and goes through sanitize.ts.
 */

export const ALERT_ROLES = [
  'clinical_engineering',
  'it_security',
  'department_manager',
  'oncall_biomed',
] as const;
export type AlertRole = (typeof ALERT_ROLES)[number];

export const ALERT_CHANNELS = ['email', 'sms'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

export const ALERT_EVENT_KINDS = [
  'NEW_FINDING',
  'DECISION_UPGRADED',
  'VALIDATION_FLIPPED',
  'SLA_BREACHED',
] as const;
export type AlertEventKind = (typeof ALERT_EVENT_KINDS)[number];

export const SMS_MAX_CHARS = 160;
const EMAIL_SUBJECT_MAX = 99;

const DECISION_RANK: Record<Decision, number> = { DEFER: 0, SCHEDULED: 1, OUT_OF_CYCLE: 2, IMMEDIATE: 3 };
const URGENT = new Set<Decision>(['IMMEDIATE', 'OUT_OF_CYCLE']);
/** Remediation states in which an overdue finding is no longer a breach (the work is done or accepted). */
const CLOSED_STATES = new Set(['PATCHED', 'VERIFIED', 'RISK_ACCEPTED', 'NOT_AFFECTED', 'MITIGATED']);

/** The assessed state of a finding that alerting compares before and after a change. */
export interface AssessedState {
  decision?: Decision | undefined;
  action?: Action | undefined;
  validationStatus: ValidationStatus;
  remediationState?: string | undefined;
  /** Version stamp of the stored state (the finding's updatedAt): makes a transition's event id unique. */
  updatedAt?: string | undefined;
}

export interface AlertEvent {
  kind: AlertEventKind;
  /** Stable domain event id: the same transition always yields the same id (retries, replays, redeliveries). */
  eventId: string;
  findingId: string;
  /** One line saying what happened, for the message body. */
  summary: string;
}

export interface DetectAlertEventsInput {
  findingId: string;
  /** The stored finding before this assessment (null or never assessed → a new finding). */
  previous: AssessedState | null;
  current: AssessedState & { decision: Decision; action: Action };
  /** Due date of the finding's work order, when one is planned. */
  dueDate: string | null;
  now: string;
}

function eventId(kind: AlertEventKind, ...parts: string[]): string {
  // Readable prefix, hashed tail: ids stay short enough for a DynamoDB key and an SNS attribute.
  return `${kind}:${sha256Hex([kind, ...parts].join('\u001f')).slice(0, 32)}`;
}

/**
 * The domain events of one assessment: a finding assessed for the first time, a decision that went up, a
 * validation status that flipped (or an action that moved into or out of APPLY_PATCH), a due date passed while
 * the finding is still open. Ids derive from the finding, the previous stored version and the new value, so a
 * retry of the same transition repeats the id, and a later, genuinely new transition gets a new one.
 */
export function detectAlertEvents(input: DetectAlertEventsInput): AlertEvent[] {
  const { findingId, previous, current } = input;
  const events: AlertEvent[] = [];
  const wasAssessed = previous?.decision !== undefined && previous.action !== undefined;
  const since = previous?.updatedAt ?? '';
  if (!wasAssessed) {
    events.push({
      kind: 'NEW_FINDING',
      eventId: eventId('NEW_FINDING', findingId),
      findingId,
      summary: `New finding: decision ${current.decision}, action ${current.action}`,
    });
  } else if (previous) {
    const before = previous.decision as Decision;
    if (DECISION_RANK[current.decision] > DECISION_RANK[before]) {
      events.push({
        kind: 'DECISION_UPGRADED',
        eventId: eventId('DECISION_UPGRADED', findingId, since, before, current.decision),
        findingId,
        summary: `Decision upgraded from ${before} to ${current.decision}`,
      });
    }
    const patchBefore = previous.action === 'APPLY_PATCH';
    const patchNow = current.action === 'APPLY_PATCH';
    if (previous.validationStatus !== current.validationStatus || patchBefore !== patchNow) {
      events.push({
        kind: 'VALIDATION_FLIPPED',
        eventId: eventId(
          'VALIDATION_FLIPPED',
          findingId,
          since,
          previous.validationStatus,
          current.validationStatus,
          current.action,
        ),
        findingId,
        summary: `Manufacturer validation changed from ${previous.validationStatus} to ${current.validationStatus}; action now ${current.action}`,
      });
    }
  }
  if (
    input.dueDate !== null &&
    current.action !== 'NONE' &&
    !CLOSED_STATES.has(current.remediationState ?? '') &&
    Date.parse(input.dueDate) < Date.parse(input.now)
  ) {
    events.push({
      kind: 'SLA_BREACHED',
      eventId: eventId('SLA_BREACHED', findingId, input.dueDate),
      findingId,
      summary: `SLA breached: due ${input.dueDate.slice(0, 10)} and still open`,
    });
  }
  return events;
}

/**
 * Urgent decisions and SLA breaches are sent at once (email, and SMS where routing allows); SCHEDULED and DEFER
 * go into the daily digest instead of one email per finding.
 */
export function deliveryFor(event: AlertEvent, decision: Decision): 'immediate' | 'digest' {
  return URGENT.has(decision) || event.kind === 'SLA_BREACHED' ? 'immediate' : 'digest';
}

export function severityOf(decision: Decision): 'critical' | 'high' | 'medium' | 'low' {
  return decision === 'IMMEDIATE'
    ? 'critical'
    : decision === 'OUT_OF_CYCLE'
      ? 'high'
      : decision === 'SCHEDULED'
        ? 'medium'
        : 'low';
}

/** Everything a finding alert says. Device and advisory text are untrusted and sanitized by the formatters. */
export interface FindingAlertFacts {
  event: AlertEvent;
  device: {
    assetTag: string;
    manufacturer: string;
    model: string;
    softwareVersion: string;
    deviceType: string;
    department: string;
    location: string;
  };
  advisory: { advisoryId: string; title: string };
  cves: readonly string[];
  decision: Decision;
  action: Action;
  validationStatus: ValidationStatus;
  /** The gate's reason: which record and evidence it acted on, or why none counts. */
  validationEvidence: string;
  dueDate: string | null;
  interimMitigation: readonly string[];
  /** CMMS work-order number when known, otherwise the correlation id it is filed under. */
  workOrderRef: string | null;
  /** Link to the CMMS record, when the deployment knows the CMMS URL. */
  cmmsLink: string | null;
}

export interface EmailMessage {
  subject: string;
  body: string;
}

const oneLine = (value: string, max: number) => sanitizeLine(value, max) || 'unknown';

/** Site of a device: the first segment of its location ("Main Campus / ICU / Bed 4" → "Main Campus"). */
export function siteOf(location: string): string {
  const first = location.slice(0, 400).split(/\s*(?:\/|>|\||,)\s*/)[0] ?? '';
  return sanitizeLine(first, 64);
}

/**
 * SMS: one GSM-7 segment (≤ 160 characters), always with the asset tag, the decision and the work-order
 * reference; the action, due date and advisory follow while there is room.
 */
export function formatSms(facts: FindingAlertFacts): string {
  const tag = toGsm7Safe(oneLine(facts.device.assetTag, 32));
  const ref = toGsm7Safe(facts.workOrderRef ? oneLine(facts.workOrderRef, 40) : 'no work order');
  const head = `MedPatch ${facts.decision}: ${tag} WO ${ref}`;
  const optional = [
    facts.event.kind === 'SLA_BREACHED' ? 'SLA BREACHED' : facts.action,
    facts.dueDate ? `due ${facts.dueDate.slice(0, 10)}` : '',
    toGsm7Safe(oneLine(facts.advisory.advisoryId, 40)),
  ].filter(Boolean);
  let text = head.slice(0, SMS_MAX_CHARS);
  for (const part of optional) {
    const next = `${text} ${part}`;
    if (next.length > SMS_MAX_CHARS) break;
    text = next;
  }
  return text;
}

/** Email: an ASCII subject SNS accepts, and a plain-text body with every fact a stakeholder needs to act. */
export function formatEmail(facts: FindingAlertFacts): EmailMessage {
  const d = facts.device;
  const tag = oneLine(d.assetTag, 40);
  const subject = sanitizeSubject(
    `[MedPatch ${facts.decision}] ${tag}: ${oneLine(facts.advisory.advisoryId, 40)} ${facts.event.kind === 'SLA_BREACHED' ? 'SLA BREACHED' : facts.action}`,
    EMAIL_SUBJECT_MAX,
  );
  const mitigation = facts.interimMitigation
    .map((m) => sanitizeUntrusted(m, { maxChars: 600 }))
    .filter(Boolean)
    .slice(0, 10);
  const lines = [
    sanitizeLine(facts.event.summary, 300),
    '',
    `Device: ${tag} (${oneLine(d.manufacturer, 80)} ${sanitizeLine(d.model, 80)} ${sanitizeLine(d.softwareVersion, 40)})`.replace(
      / \)/g,
      ')',
    ),
    `Device type: ${oneLine(d.deviceType, 80)}`,
    `Location: ${oneLine(d.department, 80)} / ${oneLine(d.location, 120)}`,
    `Advisory: ${oneLine(facts.advisory.advisoryId, 40)} ${sanitizeLine(facts.advisory.title, 200)}`.trimEnd(),
    `CVEs: ${facts.cves.map((c) => sanitizeLine(c, 30)).join(', ') || 'none listed'}`,
    `Validation status: ${facts.validationStatus}`,
    `Validation evidence: ${sanitizeLine(facts.validationEvidence, 500) || 'none'}`,
    `Decision: ${facts.decision} (severity ${severityOf(facts.decision)})`,
    `Action: ${facts.action}`,
    `Due date: ${facts.dueDate ? facts.dueDate.slice(0, 10) : 'none'}`,
    'Interim mitigation:',
    ...(mitigation.length > 0 ? mitigation.map((m) => `  - ${m}`) : ['  none given by the advisory']),
    `Work order: ${facts.workOrderRef ? sanitizeLine(facts.workOrderRef, 60) : 'none planned'}`,
    `CMMS record: ${facts.cmmsLink ? sanitizeLine(facts.cmmsLink, 500) : facts.workOrderRef ? `correlation_id=${sanitizeLine(facts.workOrderRef, 60)}` : 'none'}`,
    '',
    `Event: ${facts.event.kind} ${facts.event.eventId}`,
  ];
  return { subject, body: lines.join('\n') };
}

/** One finding waiting for the daily digest. Stored as data; the digest formatter sanitizes it again. */
export interface DigestEntry {
  eventId: string;
  eventKind: AlertEventKind;
  assetTag: string;
  department: string;
  advisoryId: string;
  advisoryTitle: string;
  decision: Decision;
  action: Action;
  validationStatus: ValidationStatus;
  dueDate: string | null;
  workOrderRef: string | null;
}

export const DIGEST_MAX_LINES = 200;

export function digestEntryOf(facts: FindingAlertFacts): DigestEntry {
  return {
    eventId: facts.event.eventId,
    eventKind: facts.event.kind,
    assetTag: oneLine(facts.device.assetTag, 40),
    department: sanitizeLine(facts.device.department, 80),
    advisoryId: oneLine(facts.advisory.advisoryId, 40),
    advisoryTitle: sanitizeLine(facts.advisory.title, 160),
    decision: facts.decision,
    action: facts.action,
    validationStatus: facts.validationStatus,
    dueDate: facts.dueDate,
    workOrderRef: facts.workOrderRef,
  };
}

/**
 * The daily digest for SCHEDULED / DEFER findings: one email per day per scope (the whole hospital, or one
 * department for its manager), most urgent and earliest due first, capped with a count of what was left out.
 */
export function formatDigest(input: {
  day: string;
  department: string | null;
  entries: readonly DigestEntry[];
}): EmailMessage {
  const scope = input.department === null ? 'all departments' : oneLine(input.department, 80);
  const sorted = [...input.entries].sort(
    (a, b) =>
      DECISION_RANK[b.decision] - DECISION_RANK[a.decision] ||
      (a.dueDate ?? '9999').localeCompare(b.dueDate ?? '9999') ||
      a.assetTag.localeCompare(b.assetTag) ||
      a.eventId.localeCompare(b.eventId),
  );
  const shown = sorted.slice(0, DIGEST_MAX_LINES);
  const counts = ALERT_EVENT_KINDS.map(
    (kind) => `${kind} ${input.entries.filter((e) => e.eventKind === kind).length}`,
  ).join(', ');
  const lines = [
    `MedPatch daily digest for ${input.day.slice(0, 10)} (${scope}): ${input.entries.length} change(s) to SCHEDULED or DEFER findings.`,
    `By event: ${counts}`,
    '',
    ...shown.map((e) =>
      `- ${oneLine(e.assetTag, 40)} ${oneLine(e.advisoryId, 40)} ${e.decision} ${e.action} validation ${e.validationStatus} due ${e.dueDate ? e.dueDate.slice(0, 10) : 'none'} WO ${e.workOrderRef ? sanitizeLine(e.workOrderRef, 60) : 'none'} [${e.eventKind}] ${sanitizeLine(e.advisoryTitle, 100)}`.trimEnd(),
    ),
    ...(sorted.length > shown.length ? [`… and ${sorted.length - shown.length} more`] : []),
  ];
  return {
    subject: sanitizeSubject(
      `[MedPatch digest] ${input.day.slice(0, 10)} ${scope}: ${input.entries.length} finding change(s)`,
      EMAIL_SUBJECT_MAX,
    ),
    body: lines.join('\n'),
  };
}

/** Values SNS accepts as String attributes (no empty strings), bounded. */
export function attributeValue(value: string): string {
  const clean = sanitizeLine(value, 120);
  return clean === '' ? 'unknown' : clean;
}

/**
 * Message attributes that subscription filter policies route on (see alert-routing.ts). `digestScope` is `none`
 * for finding alerts, `hospital` or `department` for digests. With the publisher's `channel` and `eventId` that makes 10, the
 * most SNS accepts on one message.
 */
export function findingAlertAttributes(facts: FindingAlertFacts): {
  decision: string;
  action: string;
  department: string;
  deviceType: string;
  severity: string;
  [name: string]: string;
} {
  return {
    eventKind: facts.event.kind,
    decision: facts.decision,
    action: facts.action,
    department: attributeValue(facts.device.department),
    deviceType: attributeValue(facts.device.deviceType),
    site: attributeValue(siteOf(facts.device.location)),
    severity: severityOf(facts.decision),
    digestScope: 'none',
  };
}

/**
 * Link to a work order's CMMS record for an email, when the CMMS has a web UI MedPatch knows how to address
 * (ServiceNow: the list of the work-order table filtered on the correlation id); null otherwise.
 */
export function cmmsRecordLink(
  cmms: { kind: string; baseUrl: string; workOrderTable?: string | undefined },
  correlationId: string,
): string | null {
  if (cmms.kind !== 'servicenow' || !/^https?:\/\/[^\s/]+/.test(cmms.baseUrl)) return null;
  const table = /^[a-z][a-z0-9_]*$/.test(cmms.workOrderTable ?? '') ? cmms.workOrderTable : 'change_request';
  const query = encodeURIComponent(`correlation_id=${correlationId}`);
  return `${cmms.baseUrl.replace(/\/+$/, '')}/${table}_list.do?sysparm_query=${query}`;
}
