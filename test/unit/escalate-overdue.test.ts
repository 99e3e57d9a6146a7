import { describe, expect, it } from 'vitest';
import { escalateOverdueWorkOrders } from '../../shared/application/escalate-overdue';
import type { AlertPublisher, StakeholderAlert, WorkOrderRepository } from '../../shared/application/ports';
import type { WorkOrder } from '../../shared/domain/work-order';

function workOrder(overrides: Partial<WorkOrder>): WorkOrder {
  return {
    correlationId: 'mp-1',
    kind: 'APPLY_MITIGATION',
    assetTags: ['MP-000001'],
    deviceIds: ['servicenow:1'],
    advisoryIds: ['ICSMA-20-049-01'],
    cves: ['CVE-2019-0708'],
    decision: 'OUT_OF_CYCLE',
    priority: 2,
    dueDate: '2026-11-20T00:00:00.000Z',
    validationStatus: 'UNKNOWN',
    shortDescription: 'segment the XTR',
    description: '',
    mitigation: '',
    validationEvidence: '',
    revision: 'r1',
    department: 'Cardiology',
    deviceType: 'Telemetry Receiver',
    ...overrides,
  };
}

/** A ledger-backed publisher stand-in: publishes once per event id, like SnsAlertPublisher. */
function recordingPublisher(): AlertPublisher & { sent: StakeholderAlert[] } {
  const seen = new Set<string>();
  const sent: StakeholderAlert[] = [];
  return {
    sent,
    async publishOnce(alert) {
      if (seen.has(alert.eventId)) return false;
      seen.add(alert.eventId);
      sent.push(alert);
      return true;
    },
  };
}

function repositoryOf(orders: WorkOrder[]): WorkOrderRepository {
  return {
    listAll: async () => orders,
    get: async () => null,
    savePlanned: async () => false,
    markDispatched: async () => undefined,
    dispatchedRevision: async () => null,
  };
}

describe('SLA escalation', () => {
  it('alerts once for an open work order past its due date, routed to its department', async () => {
    const alerts = recordingPublisher();
    const deps = { workOrders: repositoryOf([workOrder({})]), alerts };

    const first = await escalateOverdueWorkOrders(deps, '2026-11-29T07:00:00.000Z');
    const again = await escalateOverdueWorkOrders(deps, '2026-11-30T07:00:00.000Z');

    expect(first).toEqual({ overdue: 1, alerted: 1 });
    expect(again).toEqual({ overdue: 1, alerted: 0 });
    expect(alerts.sent[0]?.attributes.department).toBe('Cardiology');
    expect(alerts.sent[0]?.subject).toContain('overdue 9 day(s)');
  });

  it('does not escalate work orders that are due today or later, or already closed', async () => {
    const alerts = recordingPublisher();
    const orders = [
      workOrder({ correlationId: 'mp-today', dueDate: '2026-11-29T00:00:00.000Z' }),
      workOrder({ correlationId: 'mp-later', dueDate: '2026-12-31T00:00:00.000Z' }),
      workOrder({ correlationId: 'mp-closed', closedAt: '2026-11-21T10:00:00.000Z' }),
    ];

    const outcome = await escalateOverdueWorkOrders(
      { workOrders: repositoryOf(orders), alerts },
      '2026-11-29T07:00:00.000Z',
    );

    expect(outcome).toEqual({ overdue: 0, alerted: 0 });
  });

  it('alerts again when a re-planned due date is missed again', async () => {
    const alerts = recordingPublisher();
    await escalateOverdueWorkOrders(
      { workOrders: repositoryOf([workOrder({})]), alerts },
      '2026-11-29T07:00:00.000Z',
    );

    const replanned = workOrder({ dueDate: '2026-12-05T00:00:00.000Z' });
    const outcome = await escalateOverdueWorkOrders(
      { workOrders: repositoryOf([replanned]), alerts },
      '2026-12-07T07:00:00.000Z',
    );

    expect(outcome.alerted).toBe(1);
    expect(alerts.sent.map((a) => a.eventId)).toEqual([
      'sla-breach|mp-1|2026-11-20',
      'sla-breach|mp-1|2026-12-05',
    ]);
  });
});
