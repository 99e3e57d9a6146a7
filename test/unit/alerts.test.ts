import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AssessedState,
  cmmsRecordLink,
  DIGEST_MAX_LINES,
  type DigestEntry,
  deliveryFor,
  detectAlertEvents,
  digestEntryOf,
  findingAlertAttributes,
  formatDigest,
  formatEmail,
  formatSms,
  SMS_MAX_CHARS,
  siteOf,
} from '../../shared/domain/alerts';
import { isGsm7Safe } from '../../shared/domain/sanitize';
import type { Action, Decision, ValidationStatus } from '../../shared/domain/vocabulary';
import { aFacts } from './alerts-builders';

const NOW = '2025-06-01T12:00:00.000Z';
const FINDING = 'servicenow:abc|ICSMA-20-317-01';

function assessed(
  decision: Decision,
  action: Action,
  validationStatus: ValidationStatus = 'UNKNOWN',
  updatedAt = '2025-05-01T00:00:00.000Z',
): AssessedState & { decision: Decision; action: Action } {
  return { decision, action, validationStatus, remediationState: 'OPEN', updatedAt };
}

const detect = (
  previous: AssessedState | null,
  current: AssessedState & { decision: Decision; action: Action },
  dueDate: string | null = null,
) => detectAlertEvents({ findingId: FINDING, previous, current, dueDate, now: NOW });

describe('alert events: only on change, with stable domain event ids', () => {
  it('a finding assessed for the first time is a NEW_FINDING; its id does not depend on the decision', () => {
    const matcherOutput: AssessedState = { validationStatus: 'UNKNOWN', updatedAt: '2025-05-01T00:00:00Z' };
    const a = detect(matcherOutput, assessed('IMMEDIATE', 'REQUEST_VALIDATION'));
    const b = detect(null, assessed('DEFER', 'APPLY_MITIGATION'));
    expect(a.map((e) => e.kind)).toEqual(['NEW_FINDING']);
    expect(b.map((e) => e.kind)).toEqual(['NEW_FINDING']);
    expect(a[0]?.eventId).toBe(b[0]?.eventId);
  });

  it('re-assessing to the same state raises nothing (a replay sends nothing new)', () => {
    const state = assessed('OUT_OF_CYCLE', 'APPLY_MITIGATION', 'UNDER_REVIEW');
    expect(detect(state, { ...state, updatedAt: NOW })).toEqual([]);
  });

  it('an upgraded decision alerts, a downgraded one does not', () => {
    const up = detect(
      assessed('SCHEDULED', 'REQUEST_VALIDATION'),
      assessed('IMMEDIATE', 'REQUEST_VALIDATION'),
    );
    expect(up.map((e) => e.kind)).toEqual(['DECISION_UPGRADED']);
    expect(up[0]?.summary).toContain('SCHEDULED to IMMEDIATE');
    expect(
      detect(assessed('IMMEDIATE', 'REQUEST_VALIDATION'), assessed('DEFER', 'REQUEST_VALIDATION')),
    ).toEqual([]);
  });

  it('a validation that flips alerts, in either direction', () => {
    const granted = detect(
      assessed('SCHEDULED', 'REQUEST_VALIDATION', 'UNKNOWN'),
      assessed('SCHEDULED', 'APPLY_PATCH', 'VALIDATED'),
    );
    expect(granted.map((e) => e.kind)).toEqual(['VALIDATION_FLIPPED']);
    const withdrawn = detect(
      assessed('SCHEDULED', 'APPLY_PATCH', 'VALIDATED'),
      assessed('SCHEDULED', 'APPLY_MITIGATION', 'NOT_APPROVED'),
    );
    expect(withdrawn.map((e) => e.kind)).toEqual(['VALIDATION_FLIPPED']);
    expect(withdrawn[0]?.eventId).not.toBe(granted[0]?.eventId);
  });

  it('the same transition always has the same id; the same flip later (from a newer stored version) a new one', () => {
    const before = assessed('SCHEDULED', 'REQUEST_VALIDATION', 'UNKNOWN', '2025-05-01T00:00:00Z');
    const after = assessed('SCHEDULED', 'APPLY_PATCH', 'VALIDATED');
    const first = detect(before, after);
    expect(detect(before, after)).toEqual(first);
    const again = detect({ ...before, updatedAt: '2025-05-20T00:00:00Z' }, after);
    expect(again[0]?.eventId).not.toBe(first[0]?.eventId);
  });

  it('an open finding past its due date is an SLA breach, once per due date; a closed one is not', () => {
    const state = assessed('OUT_OF_CYCLE', 'APPLY_MITIGATION');
    const breach = detect(state, state, '2025-05-30T00:00:00Z');
    expect(breach.map((e) => e.kind)).toEqual(['SLA_BREACHED']);
    expect(detect(state, state, '2025-05-30T00:00:00Z')[0]?.eventId).toBe(breach[0]?.eventId);
    expect(detect(state, state, '2025-05-31T00:00:00Z')[0]?.eventId).not.toBe(breach[0]?.eventId);
    expect(detect(state, { ...state, remediationState: 'PATCHED' }, '2025-05-30T00:00:00Z')).toEqual([]);
    expect(detect(state, state, '2025-06-30T00:00:00Z')).toEqual([]);
  });

  it('urgent decisions and SLA breaches go out at once, SCHEDULED and DEFER into the daily digest', () => {
    const [event] = detect(null, assessed('SCHEDULED', 'APPLY_PATCH'));
    if (!event) throw new Error('expected an event');
    expect(deliveryFor(event, 'IMMEDIATE')).toBe('immediate');
    expect(deliveryFor(event, 'OUT_OF_CYCLE')).toBe('immediate');
    expect(deliveryFor(event, 'SCHEDULED')).toBe('digest');
    expect(deliveryFor(event, 'DEFER')).toBe('digest');
    expect(deliveryFor({ ...event, kind: 'SLA_BREACHED' }, 'DEFER')).toBe('immediate');
  });
});

describe('SMS format', () => {
  it('names the asset tag, the decision and the work-order number within 160 characters', () => {
    const sms = formatSms(aFacts({ workOrderRef: 'CHG0030042' }));
    expect(sms).toContain('ICU-IP-0042');
    expect(sms).toContain('IMMEDIATE');
    expect(sms).toContain('CHG0030042');
    expect(sms).toContain('APPLY_PATCH');
    expect(sms.length).toBeLessThanOrEqual(SMS_MAX_CHARS);
  });

  it('keeps asset tag, decision and work order even when the optional parts do not fit', () => {
    const sms = formatSms(
      aFacts({ device: { assetTag: 'T'.repeat(400) }, advisory: { advisoryId: 'A'.repeat(400) } }),
    );
    expect(sms.length).toBeLessThanOrEqual(SMS_MAX_CHARS);
    expect(sms).toContain('IMMEDIATE');
    expect(sms).toContain('mp-0123456789abcdef0123456789abcdef');
    expect(sms).toMatch(/T{20,}/);
  });

  it('any input yields one GSM-7 segment (property)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 600 });
    fc.assert(
      fc.property(
        text,
        text,
        text,
        fc.option(text, { nil: null }),
        fc.constantFrom<Decision>('IMMEDIATE', 'OUT_OF_CYCLE', 'SCHEDULED', 'DEFER'),
        (assetTag, advisoryId, department, workOrderRef, decision) => {
          const sms = formatSms(
            aFacts({ device: { assetTag, department }, advisory: { advisoryId }, workOrderRef, decision }),
          );
          return sms.length <= SMS_MAX_CHARS && isGsm7Safe(sms) && sms.includes(decision);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('email format', () => {
  it('has a subject and a plain-text body with every fact a stakeholder acts on', () => {
    const email = formatEmail(
      aFacts({
        cmmsLink: 'https://hospital.service-now.com/change_request.do?sysparm_query=correlation_id=mp-1',
      }),
    );
    expect(email.subject).toBe('[MedPatch IMMEDIATE] ICU-IP-0042: ICSMA-20-317-01 APPLY_PATCH');
    for (const fact of [
      'Device: ICU-IP-0042 (Becton Dickinson Alaris PC Unit 8015 9.33.1)',
      'Location: ICU / North Tower / Floor 4',
      'Advisory: ICSMA-20-317-01 BD Alaris PC Unit',
      'CVEs: CVE-2020-25165',
      'Validation status: VALIDATED',
      'Validation evidence: manufacturer validated (manufacturer_letter BD-2020-11, 2020-11-20)',
      'Action: APPLY_PATCH',
      'Due date: 2025-06-03',
      '  - Segment the pump network',
      'CMMS record: https://hospital.service-now.com/change_request.do?sysparm_query=correlation_id=mp-1',
      'Event: NEW_FINDING NEW_FINDING:abc',
    ])
      expect(email.body).toContain(fact);
    expect(email.body).not.toMatch(/<[a-z]/i);
  });

  it('says so when there is no work order, mitigation or due date', () => {
    const email = formatEmail(aFacts({ workOrderRef: null, interimMitigation: [], dueDate: null }));
    expect(email.body).toContain('Work order: none planned');
    expect(email.body).toContain('Due date: none');
    expect(email.body).toContain('none given by the advisory');
  });

  it('sets the routing attributes, never empty, with the site taken from the location', () => {
    const attributes = findingAlertAttributes(aFacts({ device: { deviceType: '' } }));
    expect(attributes).toMatchObject({
      decision: 'IMMEDIATE',
      action: 'APPLY_PATCH',
      department: 'ICU',
      deviceType: 'unknown',
      site: 'North Tower',
      severity: 'critical',
      digestScope: 'none',
      eventKind: 'NEW_FINDING',
    });
    expect(Object.keys(attributes).length).toBeLessThanOrEqual(8);
    expect(siteOf('Main Campus > ICU > Bed 4')).toBe('Main Campus');
  });
});

describe('daily digest', () => {
  const entry = (n: number, decision: Decision, department = 'ICU'): DigestEntry => ({
    ...digestEntryOf(
      aFacts({ decision, device: { assetTag: `TAG-${String(n).padStart(4, '0')}`, department } }),
    ),
    eventId: `NEW_FINDING:${n}`,
    dueDate: `2025-07-${String((n % 28) + 1).padStart(2, '0')}T00:00:00Z`,
  });

  it('lists one line per finding, SCHEDULED before DEFER, with counts per event kind', () => {
    const digest = formatDigest({
      day: '2025-06-01',
      department: null,
      entries: [entry(1, 'DEFER'), entry(2, 'SCHEDULED')],
    });
    expect(digest.subject).toBe('[MedPatch digest] 2025-06-01 all departments: 2 finding change(s)');
    const lines = digest.body.split('\n').filter((l) => l.startsWith('- '));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('TAG-0002 ICSMA-20-317-01 SCHEDULED');
    expect(lines[1]).toContain('TAG-0001 ICSMA-20-317-01 DEFER');
    expect(digest.body).toContain('NEW_FINDING 2');
  });

  it('caps a long digest and says how many were left out', () => {
    const entries = Array.from({ length: DIGEST_MAX_LINES + 25 }, (_, i) => entry(i, 'DEFER'));
    const digest = formatDigest({ day: '2025-06-01', department: 'ICU', entries });
    expect(digest.body.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(DIGEST_MAX_LINES);
    expect(digest.body).toContain('… and 25 more');
    expect(digest.subject).toContain('ICU');
  });
});

describe('CMMS record link', () => {
  it('points at the ServiceNow work-order list filtered on the correlation id, and at nothing for other CMMS', () => {
    expect(
      cmmsRecordLink(
        { kind: 'servicenow', baseUrl: 'https://h.service-now.com/', workOrderTable: 'wm_order' },
        'mp-1',
      ),
    ).toBe('https://h.service-now.com/wm_order_list.do?sysparm_query=correlation_id%3Dmp-1');
    expect(
      cmmsRecordLink(
        { kind: 'servicenow', baseUrl: 'https://h.service-now.com', workOrderTable: 'x;y' },
        'mp-1',
      ),
    ).toContain('/change_request_list.do');
    expect(cmmsRecordLink({ kind: 'csv', baseUrl: 'file:///tmp/outbox' }, 'mp-1')).toBeNull();
  });
});
