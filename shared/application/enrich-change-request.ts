import * as z from 'zod';
import type { Finding } from '../domain/finding';
import { checkPatchValidation } from '../domain/gate';
import { deviceManufacturerKey } from '../domain/matching';
import { sanitizeLine } from '../domain/sanitize';
import { findCoveringValidation } from '../domain/validation';
import type { DeviceRepository, FindingRepository, ValidationRepository } from './ports';

/**
 * Change-request enrichment: before a change manager approves a ServiceNow change, MedPatch says whether the
 * patch it applies is covered by a manufacturer validation — using the same gate functions as the planner — and
 * writes the verdict as a work note on the change.
 */

const SYS_ID = /^[0-9a-f]{32}$/;

/** The request ServiceNow sends (field names as in the change_request table). */
export const ChangeEnrichmentRequest = z
  .object({
    sys_id: z.string().regex(SYS_ID, 'must be a 32-hex-digit sys_id'),
    number: z.string().trim().min(1).max(40),
    cmdb_ci: z.union([z.string().regex(SYS_ID, 'must be a 32-hex-digit sys_id'), z.literal('')]).default(''),
    short_description: z.string().max(2000).default(''),
    description: z.string().max(20_000).default(''),
  })
  .strip();
export type ChangeEnrichmentRequest = z.infer<typeof ChangeEnrichmentRequest>;

export interface EnrichmentEvidence {
  advisoryId: string;
  recordId: string;
  status: string;
  source: string;
  reference: string;
  date: string;
  recordedBy: string;
  conditions?: string;
}

export interface EnrichmentFinding {
  findingId: string;
  advisoryId: string;
  cves: string[];
  decision: string | null;
  action: string | null;
  remediationState: string;
  validationStatus: string;
  /** A covering, evidenced, unexpired validation allows patching for this finding. */
  validated: boolean;
  reason: string;
}

export interface ChangeVerdict {
  allowed: boolean;
  reason: string;
  /** VALIDATED / VALIDATED_WITH_CONDITIONS when every finding is covered, else the first uncovered status; NOT_APPLICABLE when nothing needs a validation. */
  validationStatus: string;
  evidence: EnrichmentEvidence[];
  openFindings: EnrichmentFinding[];
  deviceId: string | null;
}

/** Writes a work note on a CMMS record (ServiceNow journal field `work_notes`). */
export interface WorkNoteWriter {
  appendWorkNote(table: string, sysId: string, text: string): Promise<void>;
}

/** Accepts each signed request once (replay protection). */
export interface ReplayGuard {
  /** True the first time an id is claimed; false for a replay. */
  claim(replayId: string, expiresAt: number): Promise<boolean>;
}

export interface EnrichChangeDeps {
  devices: DeviceRepository;
  findings: FindingRepository;
  validations: ValidationRepository;
  workNotes: WorkNoteWriter;
}

const CLOSED_STATES = new Set(['PATCHED', 'VERIFIED', 'NOT_AFFECTED', 'RISK_ACCEPTED']);
const ADVISORY_OR_CVE = /\b(ICSM?A-\d{2}-\d{3}-\d{2}|CVE-\d{4}-\d{4,})\b/gi;
const MAX_NOTE_CHARS = 4000;

/** The verdict for one change, from the device's open findings and its manufacturer's validation records. */
export async function decideChange(
  deps: Omit<EnrichChangeDeps, 'workNotes'>,
  request: ChangeEnrichmentRequest,
  now: string,
): Promise<ChangeVerdict> {
  const none = (reason: string, deviceId: string | null): ChangeVerdict => ({
    allowed: true,
    reason,
    validationStatus: 'NOT_APPLICABLE',
    evidence: [],
    openFindings: [],
    deviceId,
  });
  if (request.cmdb_ci === '') return none('the change names no configuration item', null);
  const deviceId = `servicenow:${request.cmdb_ci}`;
  const device = await deps.devices.get(deviceId);
  if (!device) return none('the configuration item is not a device MedPatch tracks', null);
  if (device.isMedicalDevice === false)
    return none(`${device.assetTag} is not a medical device: no manufacturer validation required`, deviceId);

  const open = (await deps.findings.listByDevice(deviceId)).filter(
    (f) => !CLOSED_STATES.has(f.remediationState),
  );
  if (open.length === 0)
    return none(
      `${device.assetTag} has no open MedPatch findings: no advisory to validate against`,
      deviceId,
    );

  // A change that names advisories or CVEs is judged on those findings; otherwise on every open one.
  const mentioned = new Set(
    [...`${request.short_description}\n${request.description}`.matchAll(ADVISORY_OR_CVE)].map((m) =>
      (m[1] ?? '').toUpperCase(),
    ),
  );
  const named = open.filter(
    (f) => mentioned.has(f.advisoryId.toUpperCase()) || f.cves.some((c) => mentioned.has(c.toUpperCase())),
  );
  const considered = named.length > 0 ? named : open;

  const records = await deps.validations.listByManufacturer(deviceManufacturerKey(device));
  const evidence: EnrichmentEvidence[] = [];
  const openFindings: EnrichmentFinding[] = [];
  for (const finding of sortFindings(considered)) {
    const covering = findCoveringValidation(device, finding, records, now);
    const verdict = checkPatchValidation({
      device,
      advisoryId: finding.advisoryId,
      validation: covering?.record ?? null,
      now,
    });
    openFindings.push({
      findingId: finding.findingId,
      advisoryId: finding.advisoryId,
      cves: finding.cves,
      decision: finding.prioritization?.decision ?? null,
      action: finding.action ?? null,
      remediationState: finding.remediationState,
      validationStatus: covering?.status ?? 'UNKNOWN',
      validated: verdict.validated,
      reason: verdict.reason,
    });
    if (verdict.validated && covering) {
      const r = covering.record;
      evidence.push({
        advisoryId: finding.advisoryId,
        recordId: r.recordId,
        status: r.status,
        source: r.evidence.source ?? '',
        reference: r.evidence.reference,
        date: r.evidence.date,
        recordedBy: r.evidence.recordedBy,
        ...(r.conditions ? { conditions: r.conditions } : {}),
      });
    }
  }
  const uncovered = openFindings.filter((f) => !f.validated);
  const allowed = uncovered.length === 0;
  const validationStatus = allowed
    ? evidence.some((e) => e.status === 'VALIDATED_WITH_CONDITIONS')
      ? 'VALIDATED_WITH_CONDITIONS'
      : 'VALIDATED'
    : (uncovered[0]?.validationStatus ?? 'UNKNOWN');
  const reason = allowed
    ? `manufacturer validation covers ${device.assetTag} for ${openFindings.map((f) => f.advisoryId).join(', ')}`
    : `do not patch ${device.assetTag}: no covering manufacturer validation for ${uncovered.map((f) => f.advisoryId).join(', ')}`;
  return { allowed, reason, validationStatus, evidence, openFindings, deviceId };
}

function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) =>
    a.advisoryId < b.advisoryId ? -1 : a.advisoryId > b.advisoryId ? 1 : 0,
  );
}

/** The work note: the same facts as the verdict, plain text, sanitized, bounded. */
export function workNoteFor(request: ChangeEnrichmentRequest, verdict: ChangeVerdict): string {
  const line = (text: string) => sanitizeLine(text, 400);
  const lines = [
    `MedPatch validation verdict for ${line(request.number)}: ${verdict.allowed ? 'ALLOWED' : 'NOT ALLOWED'}`,
    `Reason: ${line(verdict.reason)}`,
    `Validation status: ${verdict.validationStatus}`,
    ...(verdict.evidence.length > 0
      ? [
          'Evidence:',
          ...verdict.evidence.map(
            (e) =>
              `- ${line(e.advisoryId)}: ${e.status} record ${line(e.recordId)} (${line(e.source)} ${line(e.reference)}, ${line(e.date)}, recorded by ${line(e.recordedBy)})${e.conditions ? `; conditions: ${line(e.conditions)}` : ''}`,
          ),
        ]
      : []),
    ...(verdict.openFindings.length > 0
      ? [
          'Open findings:',
          ...verdict.openFindings.map(
            (f) =>
              `- ${line(f.advisoryId)} ${f.cves.map(line).join(' ')} decision ${f.decision ?? 'none'} action ${f.action ?? 'none'}: ${f.validated ? 'validated' : line(f.reason)}`,
          ),
        ]
      : []),
  ];
  const text = lines.join('\n');
  return text.length <= MAX_NOTE_CHARS ? text : `${text.slice(0, MAX_NOTE_CHARS - 1)}…`;
}

/**
 * Decides the change, then writes the verdict as a work note on it. The verdict is returned even when the note
 * cannot be written (the caller reports `workNoteWritten: false`), because the change manager is waiting for it.
 */
export async function enrichChangeRequest(
  deps: EnrichChangeDeps,
  request: ChangeEnrichmentRequest,
  now: string,
  options: { table?: string } = {},
): Promise<ChangeVerdict & { workNoteWritten: boolean; workNoteError?: string }> {
  const verdict = await decideChange(deps, request, now);
  try {
    await deps.workNotes.appendWorkNote(
      options.table ?? 'change_request',
      request.sys_id,
      workNoteFor(request, verdict),
    );
    return { ...verdict, workNoteWritten: true };
  } catch (error) {
    return {
      ...verdict,
      workNoteWritten: false,
      workNoteError: error instanceof Error ? error.message : String(error),
    };
  }
}
