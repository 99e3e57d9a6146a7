import type { WorkOrder } from '../domain/work-order';
import { ValidationError } from '../errors';
import type { WorkOrderRepository, WorkOrderSink } from './ports';

export interface DispatchDeps {
  sink: WorkOrderSink;
  workOrders: WorkOrderRepository;
}

export type DispatchOutcome =
  | { status: 'created' | 'updated'; cmmsRef: string }
  | { status: 'already-dispatched' | 'superseded' };

/**
 * Upserts one work order into the CMMS. The queue message only names the work order: what is sent is the stored,
 * planner-made version, so a forged or stale message cannot push an unvalidated APPLY_PATCH.
 */
export async function dispatchWorkOrder(
  deps: DispatchDeps,
  message: Pick<WorkOrder, 'correlationId' | 'revision'>,
): Promise<DispatchOutcome> {
  const stored = await deps.workOrders.get(message.correlationId);
  if (!stored) {
    throw new ValidationError(
      `No planned work order ${message.correlationId}; refusing to dispatch an unknown one`,
    );
  }
  if (stored.revision !== message.revision) return { status: 'superseded' };
  if ((await deps.workOrders.dispatchedRevision(stored.correlationId)) === stored.revision) {
    return { status: 'already-dispatched' };
  }
  if (stored.kind === 'APPLY_PATCH' && stored.validationEvidence.trim() === '') {
    throw new ValidationError(
      `Work order ${stored.correlationId} is APPLY_PATCH without validation evidence`,
    );
  }
  const { cmmsRef, created } = await deps.sink.upsertWorkOrder(stored);
  await deps.workOrders.markDispatched(stored.correlationId, stored.revision, cmmsRef);
  return { status: created ? 'created' : 'updated', cmmsRef };
}
