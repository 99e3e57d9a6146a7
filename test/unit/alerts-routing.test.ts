import { describe, expect, it } from 'vitest';
import {
  type AlertSubscriptionInput,
  DEMO_ALERT_ROUTING,
  filterPolicyFor,
  parseAlertRouting,
  subscriptionPlan,
} from '../../shared/domain/alert-routing';

const sub = (overrides: Partial<AlertSubscriptionInput> = {}): AlertSubscriptionInput => ({
  id: 'ce-email',
  role: 'clinical_engineering',
  channel: 'email',
  endpoint: 'ce@hospital.example',
  ...overrides,
});

describe('alert routing config', () => {
  it('limits SMS to IMMEDIATE and OUT_OF_CYCLE alerts', () => {
    const config = parseAlertRouting({
      subscriptions: [sub({ id: 'oncall', role: 'oncall_biomed', channel: 'sms', endpoint: '+15555550100' })],
    });
    const [only] = config.subscriptions;
    if (!only) throw new Error('parsed nothing');
    expect(filterPolicyFor(only)).toEqual({ channel: ['sms'], decision: ['IMMEDIATE', 'OUT_OF_CYCLE'] });
  });

  it('rejects an SMS subscription asking for SCHEDULED alerts, naming the field', () => {
    expect(() =>
      parseAlertRouting({
        subscriptions: [
          sub({ channel: 'sms', endpoint: '+15555550100', decisions: ['IMMEDIATE', 'SCHEDULED'] }),
        ],
      }),
    ).toThrow(/subscriptions\.0\.decisions: SMS is only for IMMEDIATE and OUT_OF_CYCLE, not SCHEDULED/);
  });

  it('gives a department manager only their departments and the departmental digest', () => {
    const config = parseAlertRouting({
      subscriptions: [sub({ id: 'icu', role: 'department_manager', departments: ['ICU', 'NICU'] })],
    });
    const [manager] = config.subscriptions;
    if (!manager) throw new Error('parsed nothing');
    expect(filterPolicyFor(manager)).toEqual({
      channel: ['email'],
      department: ['ICU', 'NICU'],
      digestScope: ['none', 'department'],
    });
  });

  it('requires departments for department managers', () => {
    expect(() => parseAlertRouting({ subscriptions: [sub({ role: 'department_manager' })] })).toThrow(
      /subscriptions\.0\.departments: department managers must name their departments/,
    );
  });

  it('rejects bad endpoints, duplicate ids and unknown fields', () => {
    expect(() => parseAlertRouting({ subscriptions: [sub({ endpoint: 'not-an-email' })] })).toThrow(
      /endpoint/,
    );
    expect(() =>
      parseAlertRouting({ subscriptions: [sub({ channel: 'sms', endpoint: '555-0100' })] }),
    ).toThrow(/E\.164/);
    expect(() => parseAlertRouting({ subscriptions: [sub(), sub()] })).toThrow(/duplicate id ce-email/);
    expect(() => parseAlertRouting({ subscriptions: [{ ...sub(), phone: '+1' }] })).toThrow(/phone/);
    expect(() => parseAlertRouting('{not json')).toThrow(/not valid JSON/);
  });

  it('rejects a filter policy beyond the SNS limits (5 keys)', () => {
    expect(() =>
      parseAlertRouting({
        subscriptions: [
          sub({
            decisions: ['IMMEDIATE'],
            departments: ['ICU'],
            actions: ['APPLY_PATCH'],
            sites: ['North Tower'],
          }),
        ],
      }),
    ).toThrow(/6 keys/);
  });

  it('plans one SNS subscription per entry with its protocol, endpoint and filter policy', () => {
    const plan = subscriptionPlan(DEMO_ALERT_ROUTING);
    expect(plan.map((p) => p.id)).toEqual(DEMO_ALERT_ROUTING.subscriptions.map((s) => s.id));
    for (const entry of plan) {
      expect(entry.filterPolicy.channel).toEqual([entry.protocol]);
      if (entry.protocol === 'sms')
        expect(entry.filterPolicy.decision).toEqual(['IMMEDIATE', 'OUT_OF_CYCLE']);
    }
    expect(new Set(plan.map((p) => p.role))).toEqual(
      new Set(['clinical_engineering', 'it_security', 'department_manager', 'oncall_biomed']),
    );
  });
});
