import type { AlertPublisher, WorkOrderRepository } from './ports';

export interface EscalateDeps {
  workOrders: WorkOrderRepository;
  alerts: AlertPublisher;
}

/** Kinds that are still work for someone; NONE is never planned, and the rest stay open until closed in the CMMS. */
const ACTIONABLE = new Set([
  'APPLY_PATCH',
  'APPLY_MITIGATION',
  'REQUEST_VALIDATION',
  'REVIEW_MATCH',
  'ROLLBACK',
]);

/**
 * SLA escalation: every open work order past its due date raises one alert per due date (the event id includes
 * it), so a daily run does not repeat itself and a re-planned due date that is missed again alerts again.
 */
export async function escalateOverdueWorkOrders(
  deps: EscalateDeps,
  now: string,
): Promise<{ overdue: number; alerted: number }> {
  const overdue = (await deps.workOrders.listAll()).filter(
    (w) => ACTIONABLE.has(w.kind) && w.dueDate.slice(0, 10) < now.slice(0, 10) && w.closedAt === undefined,
  );
  let alerted = 0;
  for (const workOrder of overdue) {
    const days = Math.floor((Date.parse(now) - Date.parse(workOrder.dueDate)) / 86_400_000);
    const sent = await deps.alerts.publishOnce({
      eventId: `sla-breach|${workOrder.correlationId}|${workOrder.dueDate.slice(0, 10)}`,
      subject: `[MedPatch SLA breach] ${workOrder.cmmsRef ?? workOrder.correlationId} overdue ${days} day(s)`,
      body: [
        `${workOrder.kind} for ${workOrder.assetTags.join(', ')} (${workOrder.advisoryIds.join(', ')}) was due ${workOrder.dueDate.slice(0, 10)}.`,
        `Decision ${workOrder.decision}, priority ${workOrder.priority}. CMMS record: ${workOrder.cmmsRef ?? 'not yet created'}.`,
        workOrder.shortDescription,
      ].join('\n'),
      attributes: {
        decision: workOrder.decision,
        action: workOrder.kind,
        department: workOrder.department ?? '',
        deviceType: workOrder.deviceType ?? '',
        severity: 'sla_breach',
      },
    });
    if (sent) alerted += 1;
  }
  return { overdue: overdue.length, alerted };
}
