import type { Finding } from '../domain/finding';
import { closedWorkOrder, planRollback, reopenedWorkOrder } from '../domain/planning';
import type { RemediationState } from '../domain/vocabulary';
import type { WorkOrder } from '../domain/work-order';
import type {
  Actor,
  AlertPublisher,
  FindingRepository,
  PolicyRepository,
  WorkOrderQueue,
  WorkOrderRepository,
  WorkOrderStateSource,
} from './ports';

export interface SyncStatusDeps {
  source: WorkOrderStateSource;
  workOrders: WorkOrderRepository;
  findings: Pick<FindingRepository, 'get' | 'save'>;
  workOrderQueue: WorkOrderQueue;
  alerts: AlertPublisher;
  /** SLA days for the due date of ROLLBACK work orders; absent = built-in defaults. */
  policy?: Pick<PolicyRepository, 'getActive'>;
}

export interface SyncStatusOutcome {
  /** Open work orders whose current revision is in the CMMS (the ones asked about). */
  checked: number;
  stillOpen: number;
  /** Open in MedPatch but not found in the CMMS (the dispatcher will (re)create them). */
  missing: number;
  completed: number;
  failed: number;
  cancelled: number;
  findingsMoved: number;
  rollbacksPlanned: number;
  reopened: number;
}

/** Where a completed work order moves its findings. REVIEW_MATCH / REQUEST_VALIDATION answers come by other paths. */
const STATE_ON_COMPLETION: Partial<Record<WorkOrder['kind'], RemediationState>> = {
  APPLY_PATCH: 'PATCHED',
  APPLY_MITIGATION: 'MITIGATED',
  ROLLBACK: 'ROLLED_BACK',
};

/**
 * Status back-sync (scheduled): reads the CMMS state of every open work order whose current revision reached
 * the CMMS and acts on closures. Completed → the work order gets `closedAt` and its findings move to PATCHED /
 * MITIGATED / ROLLED_BACK; a failed APPLY_PATCH (close code unsuccessful) → a ROLLBACK work order on its own
 * record plus an alert; cancelled → re-opened with a new revision and dispatched again, so the work is not lost.
 * Every change is written with its audit event; a second run finds nothing open to act on and changes nothing.
 */
export async function syncWorkOrderStatus(
  deps: SyncStatusDeps,
  now: string,
  actor: Actor,
): Promise<SyncStatusOutcome> {
  const outcome: SyncStatusOutcome = {
    checked: 0,
    stillOpen: 0,
    missing: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    findingsMoved: 0,
    rollbacksPlanned: 0,
    reopened: 0,
  };
  const open: WorkOrder[] = [];
  for (const workOrder of await deps.workOrders.listAll()) {
    if (workOrder.closedAt !== undefined || workOrder.kind === 'NONE') continue;
    // Only a revision the CMMS already holds: a pending re-plan must reach the CMMS before its state means anything.
    if ((await deps.workOrders.dispatchedRevision(workOrder.correlationId)) !== workOrder.revision) continue;
    open.push(workOrder);
  }
  outcome.checked = open.length;
  if (open.length === 0) return outcome;
  const states = await deps.source.readWorkOrderStates(open.map((w) => w.correlationId));
  const slaDays = (await deps.policy?.getActive())?.policy.slaDays;

  for (const workOrder of open) {
    const state = states.get(workOrder.correlationId);
    if (!state) {
      outcome.missing += 1;
      continue;
    }
    if (state.outcome === 'open') {
      outcome.stillOpen += 1;
      continue;
    }
    const ref = state.cmmsRef || workOrder.cmmsRef || workOrder.correlationId;
    const why = `CMMS ${ref} state ${state.state}${state.closeCode ? ` (${state.closeCode})` : ''}`;
    const stepActor: Actor = { actor: actor.actor, reason: `${actor.reason}: ${why}` };

    if (state.outcome === 'cancelled') {
      const reopened = reopenedWorkOrder(workOrder, ref, now);
      await deps.workOrders.savePlanned(reopened, stepActor);
      await deps.workOrderQueue.send([reopened]);
      outcome.cancelled += 1;
      outcome.reopened += 1;
      continue;
    }

    const notes = [state.closeCode, state.closeNotes].filter((s) => s !== '').join(': ');
    await deps.workOrders.savePlanned(closedWorkOrder(workOrder, state.outcome, notes, now), stepActor);

    if (state.outcome === 'completed') {
      outcome.completed += 1;
      const target = STATE_ON_COMPLETION[workOrder.kind];
      if (target) outcome.findingsMoved += await moveFindings(deps, workOrder, target, now, stepActor);
      continue;
    }

    outcome.failed += 1;
    if (workOrder.kind !== 'APPLY_PATCH') {
      await deps.alerts.publishOnce(failureAlert(workOrder, ref, notes, null));
      continue;
    }
    const rollback = planRollback({ ...workOrder, cmmsRef: ref }, notes, now, slaDays);
    if (await deps.workOrders.savePlanned(rollback, stepActor)) outcome.rollbacksPlanned += 1;
    if ((await deps.workOrders.dispatchedRevision(rollback.correlationId)) !== rollback.revision) {
      await deps.workOrderQueue.send([rollback]);
    }
    await deps.alerts.publishOnce(failureAlert(workOrder, ref, notes, rollback));
  }
  return outcome;
}

async function moveFindings(
  deps: Pick<SyncStatusDeps, 'findings'>,
  workOrder: WorkOrder,
  target: RemediationState,
  now: string,
  actor: Actor,
): Promise<number> {
  let moved = 0;
  for (const deviceId of workOrder.deviceIds) {
    for (const advisoryId of workOrder.advisoryIds) {
      const previous = await deps.findings.get(deviceId, advisoryId);
      if (!previous || previous.remediationState === target || previous.remediationState === 'NOT_AFFECTED')
        continue;
      const finding: Finding = { ...previous, remediationState: target, updatedAt: now };
      if (await deps.findings.save(finding, previous, actor)) moved += 1;
    }
  }
  return moved;
}

function failureAlert(
  workOrder: WorkOrder,
  ref: string,
  notes: string,
  rollback: WorkOrder | null,
): Parameters<AlertPublisher['publishOnce']>[0] {
  const devices = workOrder.assetTags.join(', ');
  return {
    eventId: `work-order-failed|${workOrder.correlationId}|${workOrder.revision}`,
    subject: `[MedPatch] ${workOrder.kind} failed on ${devices} (${ref})`,
    body: [
      `The technician closed ${ref} (${workOrder.kind}, ${workOrder.advisoryIds.join(', ')}) as unsuccessful: ${notes || 'no close notes'}.`,
      rollback
        ? `A ROLLBACK work order was opened (due ${rollback.dueDate.slice(0, 10)}). Keep ${devices} out of clinical use until the rollback is verified.`
        : 'The finding stays open.',
    ].join('\n'),
    sms: `MedPatch: ${workOrder.kind} failed on ${devices}${rollback ? '; rollback opened' : ''}`.slice(
      0,
      160,
    ),
    attributes: {
      decision: workOrder.decision,
      action: rollback ? 'ROLLBACK' : workOrder.kind,
      department: workOrder.department ?? '',
      deviceType: workOrder.deviceType ?? '',
      severity: 'work_order_failed',
    },
  };
}
