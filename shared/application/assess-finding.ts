import type { Finding } from '../domain/finding';
import { decideAction } from '../domain/gate';
import { deviceManufacturerKey } from '../domain/matching';
import { mds2NotesFor } from '../domain/mds2';
import {
  correlationIdFor,
  followUpCorrelationIdFor,
  groupCorrelationIdFor,
  interimGuidanceFor,
  mergeIntoReviewGroup,
  planWorkOrder,
  removeFromReviewGroup,
  resolvedWorkOrder,
  reviewGroupKeyFor,
  revisionOf,
  sanitizeText,
} from '../domain/planning';
import { gatePolicyOf, maintenanceWindowsFor, policyNotesFor, preconditionsFor } from '../domain/policy';
import { prioritizeFinding } from '../domain/prioritize';
import { findCoveringValidation } from '../domain/validation';
import type { RemediationState } from '../domain/vocabulary';
import type { WorkOrder } from '../domain/work-order';
import { alertFindingChange } from './alerts-for-finding';
import type { PrioritizeMessage } from './messages';
import type {
  Actor,
  AdvisoryRepository,
  AlertDigestStore,
  AlertPublisher,
  DeviceRepository,
  EnrichmentRepository,
  FindingRepository,
  Mds2ProfileRepository,
  PolicyRepository,
  ValidationRepository,
  WorkOrderQueue,
  WorkOrderRepository,
} from './ports';

export interface AssessFindingDeps {
  devices: DeviceRepository;
  advisories: AdvisoryRepository;
  findings: FindingRepository;
  validations: ValidationRepository;
  enrichment: EnrichmentRepository;
  workOrders: WorkOrderRepository;
  workOrderQueue: WorkOrderQueue;
  alerts: AlertPublisher;
  /** The hospital policy (SLA days, exempt non-medical asset classes); absent = built-in defaults. */
  policy?: Pick<PolicyRepository, 'getActive'>;
  /** MDS2 profiles: how the model is patched (who installs, approval notices, review cycle) on the work order. */
  profiles?: Pick<Mds2ProfileRepository, 'get'>;
  /** SCHEDULED / DEFER alert events wait here for the daily digest. */
  digest?: AlertDigestStore;
  /** Link to a work order's CMMS record in alert emails. */
  cmmsLink?: (correlationId: string) => string | null;
}

export interface AssessOutcome {
  finding: Finding | null;
  workOrderQueued: boolean;
  alerted: boolean;
}

const STATE_FOR_ACTION: Partial<Record<NonNullable<Finding['action']>, RemediationState>> = {
  REQUEST_VALIDATION: 'AWAITING_VALIDATION',
  APPLY_MITIGATION: 'AWAITING_VALIDATION',
  REVIEW_MATCH: 'OPEN',
  APPLY_PATCH: 'OPEN',
};

/** States a technician or the CMMS moved the finding into; re-assessment must not undo them. */
const SETTLED_STATES = new Set<RemediationState>([
  'PATCHED',
  'VERIFIED',
  'RISK_ACCEPTED',
  'MITIGATED',
  'PATCH_SCHEDULED',
]);

/**
 * Prioritizes one finding (SSVC), passes it through the validation gate, plans its work order and alerts the
 * stakeholders when something they must act on is new. Idempotent: a replay plans the same revision and sends
 * no second alert.
 */
export async function assessFinding(
  deps: AssessFindingDeps,
  message: PrioritizeMessage,
  now: string,
  actor: Actor,
): Promise<AssessOutcome> {
  const previous = await deps.findings.get(message.deviceId, message.advisoryId);
  if (!previous || previous.remediationState === 'NOT_AFFECTED') {
    if (previous) await leaveReviewGroup(deps, previous, now, actor);
    const resolved = previous
      ? await resolveWorkOrder(
          deps,
          correlationIdFor(previous.deviceId, previous.advisoryId),
          'the device is no longer affected (no longer matches the advisory)',
          now,
          actor,
        )
      : false;
    return { finding: previous, workOrderQueued: resolved, alerted: false };
  }
  const [device, advisory] = await Promise.all([
    deps.devices.get(message.deviceId),
    deps.advisories.get(message.advisoryId),
  ]);
  if (!device || !advisory) return { finding: previous, workOrderQueued: false, alerted: false };

  const productId = previous.matchReason.productId;
  const vulnerabilities = advisory.vulnerabilities.filter(
    (v) => v.affectedProductIds.includes(productId) || v.affectedProductIds.length === 0,
  );
  const [records, kevCves, epss] = await Promise.all([
    deps.validations.listByManufacturer(deviceManufacturerKey(device)),
    deps.enrichment.kevCves(previous.cves),
    deps.enrichment.epssScores?.(previous.cves),
  ]);
  const covering = findCoveringValidation(device, previous, records, now);
  const policy = (await deps.policy?.getActive())?.policy;
  const profile = deps.profiles
    ? ((await deps.profiles.get(deviceManufacturerKey(device), device.model)) ??
      (device.modelNumber
        ? await deps.profiles.get(deviceManufacturerKey(device), device.modelNumber)
        : null))
    : null;
  const prioritization = prioritizeFinding({
    device,
    cves: previous.cves,
    cvss: vulnerabilities.flatMap((v) => v.cvss),
    exploitReported: vulnerabilities.some((v) => v.exploitReported),
    kevCves,
    ...(epss && epss.size > 0 ? { epss } : {}),
    advisoryReleaseDate: advisory.initialReleaseDate,
    now,
  });
  const gate = decideAction({
    device,
    matchConfidence: previous.matchConfidence,
    validation: covering?.record ?? null,
    advisoryId: advisory.advisoryId,
    hasInterimGuidance: interimGuidanceFor(advisory, productId).length > 0,
    ...(policy ? { policy: gatePolicyOf(policy) } : {}),
    now,
  });
  const finding: Finding = {
    ...previous,
    validationStatus: gate.validationStatus,
    action: gate.action,
    prioritization,
    remediationState: SETTLED_STATES.has(previous.remediationState)
      ? previous.remediationState
      : (STATE_FOR_ACTION[gate.action] ?? previous.remediationState),
    updatedAt: now,
  };
  let workOrder = planWorkOrder({
    finding,
    device,
    advisory,
    validation: covering?.record ?? null,
    slaStart: finding.firstSeenAt,
    ...(policy ? { policy: gatePolicyOf(policy), slaDays: policy.slaDays } : {}),
    notes: [
      ...(policy ? policyNotesFor(policy, device, prioritization.decision, gate.action) : []),
      ...(profile ? mds2NotesFor(profile) : []),
    ],
    ...(policy
      ? {
          maintenanceWindows: maintenanceWindowsFor(policy, device.department),
          preconditions: preconditionsFor(policy, device.deviceType),
          assignmentGroups: policy.assignmentGroups,
        }
      : {}),
    mds2: profile,
    now,
  });
  const grouping = policy?.reviewMatchGrouping ?? 'model';
  const groupKey =
    workOrder?.kind === 'REVIEW_MATCH' && grouping !== 'device'
      ? reviewGroupKeyFor(device, deviceManufacturerKey(device), advisory.advisoryId, grouping)
      : null;
  // Alert before saving: the events compare with the stored finding, so a crash after the save must not lose
  // them; a retry of the same transition repeats the same domain event ids and sends nothing new.
  const alerted = await alertFindingChange(deps, {
    previous,
    finding,
    device,
    advisory,
    validationEvidence: gate.reason,
    workOrder:
      workOrder && groupKey ? { ...workOrder, correlationId: groupCorrelationIdFor(groupKey) } : workOrder,
    now,
  });
  await deps.findings.save(finding, previous, actor);

  let workOrderQueued = false;
  if (!workOrder) {
    workOrderQueued = await resolveWorkOrder(
      deps,
      correlationIdFor(device.deviceId, advisory.advisoryId),
      `no action needed any more (${gate.reason})`,
      now,
      actor,
    );
  }
  if (previous.action === 'REVIEW_MATCH' && !groupKey) await leaveReviewGroup(deps, previous, now, actor);
  if (workOrder && groupKey) {
    workOrderQueued = await joinReviewGroup(
      deps,
      workOrder,
      groupKey,
      {
        model: sanitizeText(`${device.manufacturer} ${device.model || device.modelNumber}`, 200),
        advisoryTitle: advisory.title,
        matchLine: `Match: ${finding.matchConfidence} (${finding.matchReason.productRule})`,
      },
      actor,
    );
    // The device's own work order (planned before the match became uncertain) is now the group's review.
    await resolveWorkOrder(
      deps,
      workOrder.correlationId,
      `merged into the model review work order ${groupCorrelationIdFor(groupKey)}`,
      now,
      actor,
    );
    return { finding, workOrderQueued, alerted };
  }
  // A work order the CMMS closed (done or failed, see syncWorkOrderStatus) is final: re-assessment never
  // re-opens or overwrites it. One MedPatch resolved itself is re-opened when the work is needed again.
  let stored = workOrder ? await deps.workOrders.get(workOrder.correlationId) : null;
  // New work of another kind after the CMMS closed the previous one (a validated patch after the mitigation was
  // done) goes to a follow-up record derived from the closed one; the same kind again stays closed.
  for (
    let hop = 0;
    workOrder && stored?.cmmsOutcome !== undefined && stored.kind !== workOrder.kind && hop < 4;
    hop += 1
  ) {
    workOrder = {
      ...workOrder,
      correlationId: followUpCorrelationIdFor(stored.correlationId, workOrder.kind),
    };
    stored = await deps.workOrders.get(workOrder.correlationId);
  }
  if (workOrder && stored?.resolution !== undefined) workOrder = reopenedPlan(workOrder, stored);
  if (workOrder && stored?.cmmsOutcome === undefined) {
    await deps.workOrders.savePlanned(workOrder, actor);
    // Re-send until the dispatcher confirms this revision: a crash between save and send must not lose it.
    if ((await deps.workOrders.dispatchedRevision(workOrder.correlationId)) !== workOrder.revision) {
      await deps.workOrderQueue.send([workOrder]);
      workOrderQueued = true;
    }
  }

  return { finding, workOrderQueued, alerted };
}

/**
 * Closes the open work order of a finding that no longer needs it: stored closed with the reason and, when the
 * CMMS already holds it, sent so the dispatcher resolves the record there (never deletes it). True when queued.
 */
async function resolveWorkOrder(
  deps: Pick<AssessFindingDeps, 'workOrders' | 'workOrderQueue'>,
  correlationId: string,
  reason: string,
  now: string,
  actor: Actor,
): Promise<boolean> {
  const stored = await deps.workOrders.get(correlationId);
  if (!stored || stored.closedAt !== undefined) return false;
  const resolved = resolvedWorkOrder(stored, reason, now);
  await deps.workOrders.savePlanned(resolved, actor);
  if ((await deps.workOrders.dispatchedRevision(correlationId)) === null) return false;
  await deps.workOrderQueue.send([resolved]);
  return true;
}

/** A new plan for a record MedPatch had resolved: re-opened in the CMMS (reopenCount), not left cancelled. */
function reopenedPlan(workOrder: WorkOrder, stored: WorkOrder): WorkOrder {
  const plan: WorkOrder = { ...workOrder, reopenCount: (stored.reopenCount ?? 0) + 1 };
  return { ...plan, revision: revisionOf(plan) };
}

/**
 * Adds the device to its model's REVIEW_MATCH work order, compare-and-set on the stored revision (concurrent
 * assessments of the same model retry with the fresh group). True when the new revision was queued.
 */
async function joinReviewGroup(
  deps: Pick<AssessFindingDeps, 'workOrders' | 'workOrderQueue'>,
  member: WorkOrder,
  groupKey: string,
  header: Parameters<typeof mergeIntoReviewGroup>[3],
  actor: Actor,
): Promise<boolean> {
  const id = groupCorrelationIdFor(groupKey);
  for (let attempt = 0; ; attempt += 1) {
    const stored = await deps.workOrders.get(id);
    if (stored?.cmmsOutcome !== undefined) return false; // the CMMS closed the review: final
    let group = mergeIntoReviewGroup(stored?.resolution ? null : stored, member, groupKey, header);
    if (stored?.resolution !== undefined) group = reopenedPlan(group, stored);
    try {
      await deps.workOrders.savePlanned(group, actor, stored?.revision ?? null);
    } catch (error) {
      if (attempt >= 9) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * (attempt + 1)));
      continue;
    }
    if ((await deps.workOrders.dispatchedRevision(id)) === group.revision) return false;
    await deps.workOrderQueue.send([group]);
    return true;
  }
}

/** Takes the device out of its model's REVIEW_MATCH work order (resolved when nobody is left to review). */
async function leaveReviewGroup(
  deps: Pick<AssessFindingDeps, 'workOrders' | 'workOrderQueue' | 'devices' | 'policy'>,
  finding: Finding,
  now: string,
  actor: Actor,
): Promise<void> {
  const device = await deps.devices.get(finding.deviceId);
  const grouping = (await deps.policy?.getActive())?.policy.reviewMatchGrouping ?? 'model';
  if (!device || grouping === 'device') return;
  const id = groupCorrelationIdFor(
    reviewGroupKeyFor(device, deviceManufacturerKey(device), finding.advisoryId, grouping),
  );
  for (let attempt = 0; ; attempt += 1) {
    const stored = await deps.workOrders.get(id);
    if (!stored || stored.closedAt !== undefined || !stored.deviceIds.includes(device.deviceId)) return;
    const next =
      removeFromReviewGroup(stored, device.deviceId) ??
      resolvedWorkOrder(stored, 'no device of this model is left to review', now);
    try {
      await deps.workOrders.savePlanned(next, actor, stored.revision);
    } catch (error) {
      if (attempt >= 9) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * (attempt + 1)));
      continue;
    }
    if ((await deps.workOrders.dispatchedRevision(id)) !== null) await deps.workOrderQueue.send([next]);
    return;
  }
}
