import { describe, expect, it } from 'vitest';
import { buildMds2Profile } from '../../shared/domain/mds2';
import {
  closedWorkOrder,
  DEFAULT_ASSIGNMENT_GROUPS,
  groupCorrelationIdFor,
  mergeIntoReviewGroup,
  performerFor,
  plannedWindowFor,
  planRollback,
  planWorkOrder,
  removeFromReviewGroup,
  reopenedWorkOrder,
  reviewGroupKeyFor,
  rollbackCorrelationIdFor,
} from '../../shared/domain/planning';
import { WorkOrder } from '../../shared/domain/work-order';
import { aDevice, aFinding, anAdvisory, aValidation, NOW } from './domain-builders';

const patchOrder = (overrides: Partial<Parameters<typeof planWorkOrder>[0]> = {}): WorkOrder => {
  const order = planWorkOrder({
    finding: aFinding(),
    device: aDevice(),
    advisory: anAdvisory(),
    validation: aValidation({ patchId: 'SP4' }),
    now: NOW,
    ...overrides,
  });
  if (!order) throw new Error('expected a work order');
  return order;
};

const profile = (answers: Record<string, 'YES' | 'NO'>) =>
  buildMds2Profile(
    'Philips',
    'IntelliVue MX450',
    Object.fromEntries(Object.entries(answers).map(([id, answer]) => [id, { answer, note: '' }])),
  );

describe('who does the work', () => {
  it('follows the validation conditions first: field service, remote, in-house', () => {
    expect(performerFor('APPLY_PATCH', 'Install by Philips field service only', null).performer).toBe(
      'vendor_field_service',
    );
    expect(performerFor('APPLY_PATCH', 'Installed remotely by the manufacturer', null).performer).toBe(
      'manufacturer_remote',
    );
    expect(performerFor('APPLY_PATCH', 'May be installed by hospital biomed staff', null).performer).toBe(
      'in_house_biomed',
    );
  });

  it('falls back to the MDS2 profile (CSUP owner / vendor service / remote) and then to in-house', () => {
    expect(performerFor('APPLY_PATCH', '', profile({ 'CSUP-2.2': 'YES', 'CSUP-2.1': 'NO' })).performer).toBe(
      'vendor_field_service',
    );
    expect(
      performerFor('APPLY_PATCH', '', profile({ 'CSUP-2.3': 'YES', 'CSUP-2.1': 'NO', 'CSUP-2.2': 'NO' }))
        .performer,
    ).toBe('manufacturer_remote');
    expect(performerFor('APPLY_PATCH', '', null).performer).toBe('in_house_biomed');
    expect(performerFor('APPLY_MITIGATION', 'field service only', null).performer).toBe('in_house_biomed');
  });

  it('maps the performer to a configurable assignment group on the work order', () => {
    const order = patchOrder({
      validation: aValidation({ conditions: 'Field service only' }),
      assignmentGroups: { vendor_field_service: 'Philips FSE desk' },
    });
    expect(order.performedBy).toBe('vendor_field_service');
    expect(order.assignmentGroup).toBe('Philips FSE desk');
    expect(patchOrder().assignmentGroup).toBe(DEFAULT_ASSIGNMENT_GROUPS.in_house_biomed);
  });
});

describe('planned window', () => {
  const windows = [{ days: ['sat' as const], start: '22:00', end: '04:00', timeZone: 'America/New_York' }];

  it('picks the last maintenance window that ends by the due date, in the window time zone', () => {
    // Due Friday 2025-06-13 00:00Z; the last Saturday 22:00 New York (EDT, UTC-4) window ending before it is 7 June.
    const window = plannedWindowFor(windows, '2025-05-30T00:00:00.000Z', '2025-06-13T00:00:00.000Z');
    expect(window).toEqual({
      start: '2025-06-08T02:00:00.000Z',
      end: '2025-06-08T08:00:00.000Z',
      afterDue: false,
      fromPolicy: true,
    });
  });

  it('uses the first window after the due date and says so when none fits before it', () => {
    const window = plannedWindowFor(windows, '2025-06-09T00:00:00.000Z', '2025-06-10T00:00:00.000Z');
    expect(window.start).toBe('2025-06-15T02:00:00.000Z');
    expect(window.afterDue).toBe(true);
  });

  it('without windows spans SLA start to due date, and the revision stays stable across re-plans', () => {
    const order = patchOrder();
    expect(order.plannedStart).toBe(aFinding().firstSeenAt);
    expect(order.plannedEnd).toBe(order.dueDate);
    expect(patchOrder({ now: '2025-06-05T08:00:00.000Z' }).revision).toBe(order.revision);
  });
});

describe('patch plans and re-test list', () => {
  const connected = aDevice({
    connectedTo: [
      {
        ref: 'servicenow:abc',
        name: 'PIIC iX Central Station',
        type: 'Connects to::Connected by',
        direction: 'parent',
      },
      {
        ref: 'servicenow:def',
        name: 'HL7 interface engine',
        type: 'Depends on::Used by',
        direction: 'parent',
      },
    ],
  });

  it('names the connected devices and systems to re-test in the test plan and the description', () => {
    const order = patchOrder({ device: connected });
    expect(order.retest).toEqual([
      'HL7 interface engine (Depends on)',
      'PIIC iX Central Station (Connects to)',
    ]);
    expect(order.testPlan).toContain('PIIC iX Central Station (Connects to)');
    expect(order.description).toContain(
      'Re-test after the work and inform their owners: HL7 interface engine',
    );
  });

  it('writes backout and test plans with the policy preconditions and validation conditions', () => {
    const order = patchOrder({
      validation: aValidation({ patchId: 'SP4', conditions: 'Run the alarm self-test' }),
      preconditions: { removeFromService: true, rollbackPlanRequired: true },
    });
    expect(order.backoutPlan).toContain('out of clinical service');
    expect(order.backoutPlan).toContain('roll back to M.00.03');
    expect(order.backoutPlan).toContain("manufacturer's documented rollback procedure");
    expect(order.testPlan).toContain('Run the alarm self-test');
  });

  it('gives mitigation work orders no backout plan and no re-test list', () => {
    const order = planWorkOrder({
      finding: aFinding({ action: 'APPLY_MITIGATION', validationStatus: 'UNKNOWN' }),
      device: connected,
      advisory: anAdvisory(),
      validation: null,
      now: NOW,
    });
    expect(order?.backoutPlan).toBeUndefined();
    expect(order?.retest).toBeUndefined();
  });
});

describe('closing, re-opening and rolling back', () => {
  it('a closed work order keeps its identity and gets a new revision with the outcome', () => {
    const order = patchOrder();
    const closed = closedWorkOrder(order, 'completed', 'successful: done', NOW);
    expect(closed.correlationId).toBe(order.correlationId);
    expect(closed.revision).not.toBe(order.revision);
    expect(closed).toMatchObject({ closedAt: NOW, cmmsOutcome: 'completed', closeNotes: 'successful: done' });
    expect(WorkOrder.safeParse(closed).success).toBe(true);
  });

  it('re-opening after a cancellation counts up and changes the revision each time', () => {
    const order = patchOrder();
    const once = reopenedWorkOrder(closedWorkOrder(order, 'cancelled', '', NOW), 'CHG0030001', NOW);
    const twice = reopenedWorkOrder(once, 'CHG0030001', '2025-06-02T00:00:00.000Z');
    expect(once.closedAt).toBeUndefined();
    expect([once.reopenCount, twice.reopenCount]).toEqual([1, 2]);
    expect(new Set([order.revision, once.revision, twice.revision]).size).toBe(3);
    expect(twice.description.match(/Re-opened by MedPatch/g)).toHaveLength(1);
  });

  it('a failed patch yields a ROLLBACK on its own derived record, priority 1, same devices', () => {
    const order = { ...patchOrder(), cmmsRef: 'CHG0030007' };
    const rollback = planRollback(order, 'unsuccessful: self-test failed', NOW);
    expect(rollback.correlationId).toBe(rollbackCorrelationIdFor(order.correlationId));
    expect(rollback.correlationId).not.toBe(order.correlationId);
    expect(rollback).toMatchObject({
      kind: 'ROLLBACK',
      priority: 1,
      assetTags: order.assetTags,
      originCorrelationId: order.correlationId,
    });
    expect(rollback.description).toContain(
      'CHG0030007 was closed as unsuccessful: unsuccessful: self-test failed',
    );
    expect(Date.parse(rollback.dueDate)).toBeGreaterThan(Date.parse(NOW));
    expect(planRollback(order, 'unsuccessful: self-test failed', NOW).revision).toBe(rollback.revision);
  });
});

describe('REVIEW_MATCH grouped per model × advisory', () => {
  const review = (tag: string, overrides: Partial<Parameters<typeof planWorkOrder>[0]> = {}): WorkOrder => {
    const order = planWorkOrder({
      finding: aFinding({
        deviceId: `csv:${tag}`,
        assetTag: tag,
        action: 'REVIEW_MATCH',
        matchConfidence: 'possible',
        validationStatus: 'UNKNOWN',
      }),
      device: aDevice({ deviceId: `csv:${tag}`, assetTag: tag }),
      advisory: anAdvisory(),
      validation: null,
      now: NOW,
      ...overrides,
    });
    if (!order) throw new Error('expected a work order');
    return order;
  };
  const header = {
    model: 'Philips IntelliVue MX450',
    advisoryTitle: 'Test advisory',
    matchLine: 'Match: possible',
  };
  const key = reviewGroupKeyFor(aDevice(), 'philips', 'ICSMA-20-049-01', 'model');

  it('derives one correlation id from the model and advisory, whatever the device', () => {
    const other = aDevice({ deviceId: 'csv:BIO-0002', assetTag: 'BIO-0002', department: 'Oncology ward 7' });
    expect(reviewGroupKeyFor(other, 'philips', 'ICSMA-20-049-01', 'model')).toBe(key);
    expect(reviewGroupKeyFor(other, 'philips', 'ICSMA-20-049-01', 'model_department')).not.toBe(
      reviewGroupKeyFor(aDevice(), 'philips', 'ICSMA-20-049-01', 'model_department'),
    );
    expect(groupCorrelationIdFor(key)).toMatch(/^mp-[0-9a-f]{32}$/);
  });

  it('lists every device once, sorted, and a replayed member changes nothing', () => {
    const one = mergeIntoReviewGroup(null, review('BIO-0003'), key, header);
    const two = mergeIntoReviewGroup(one, review('BIO-0001'), key, header);
    const replay = mergeIntoReviewGroup(two, review('BIO-0003'), key, header);
    expect(two.assetTags).toEqual(['BIO-0001', 'BIO-0003']);
    expect(two.deviceIds).toEqual(['csv:BIO-0001', 'csv:BIO-0003']);
    expect(two.correlationId).toBe(groupCorrelationIdFor(key));
    expect(two.description).toContain('Devices (2): BIO-0001, BIO-0003');
    expect(two.shortDescription).toContain('2 device(s)');
    expect(replay.revision).toBe(two.revision);
    expect(WorkOrder.safeParse(two).success).toBe(true);
  });

  it('removing a device updates the list; removing the last one leaves nothing to review', () => {
    const two = mergeIntoReviewGroup(
      mergeIntoReviewGroup(null, review('BIO-0003'), key, header),
      review('BIO-0001'),
      key,
      header,
    );
    const one = removeFromReviewGroup(two, 'csv:BIO-0001');
    expect(one?.assetTags).toEqual(['BIO-0003']);
    expect(one?.description).toContain('Devices (1): BIO-0003');
    expect(one?.revision).not.toBe(two.revision);
    expect(one && removeFromReviewGroup(one, 'csv:BIO-0003')).toBeNull();
  });
});
