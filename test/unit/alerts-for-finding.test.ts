import { describe, expect, it } from 'vitest';
import { alertFindingChange } from '../../shared/application/alerts-for-finding';
import type { AlertDigestStore, AlertPublisher, StakeholderAlert } from '../../shared/application/ports';
import type { DigestEntry } from '../../shared/domain/alerts';
import type { Finding } from '../../shared/domain/finding';
import { aDevice, aFinding, anAdvisory, NOW } from './domain-builders';

class Recorder implements AlertPublisher, AlertDigestStore {
  readonly published: StakeholderAlert[] = [];
  readonly filed: { day: string; entry: DigestEntry }[] = [];
  private readonly seen = new Set<string>();
  async publishOnce(alert: StakeholderAlert): Promise<boolean> {
    if (this.seen.has(alert.eventId)) return false;
    this.seen.add(alert.eventId);
    this.published.push(alert);
    return true;
  }
  async addToDigest(day: string, entry: DigestEntry): Promise<boolean> {
    if (this.seen.has(entry.eventId)) return false;
    this.seen.add(entry.eventId);
    this.filed.push({ day, entry });
    return true;
  }
  async entriesOf(day: string): Promise<DigestEntry[]> {
    return this.filed.filter((f) => f.day === day).map((f) => f.entry);
  }
}

const unassessed = (f: Finding): Finding => {
  const { prioritization: _p, action: _a, ...rest } = f;
  return { ...rest, validationStatus: 'UNKNOWN' };
};
const withDecision = (
  f: Finding,
  decision: 'IMMEDIATE' | 'OUT_OF_CYCLE' | 'SCHEDULED' | 'DEFER',
): Finding => ({
  ...f,
  prioritization: { ...(f.prioritization as NonNullable<Finding['prioritization']>), decision },
});

async function run(recorder: Recorder, previous: Finding | null, finding: Finding) {
  return alertFindingChange(
    { alerts: recorder, digest: recorder, cmmsLink: (id) => `https://cmms.example/${id}` },
    {
      previous,
      finding,
      device: aDevice(),
      advisory: anAdvisory(),
      validationEvidence: 'manufacturer validated (manufacturer_letter PHL-2025-0042, 2025-05-20)',
      workOrder: null,
      now: NOW,
    },
  );
}

describe('alerting one assessment', () => {
  it('sends an urgent new finding as email + SMS with routing attributes, and only once', async () => {
    const recorder = new Recorder();
    const finding = withDecision(aFinding(), 'IMMEDIATE');
    expect(await run(recorder, unassessed(finding), finding)).toBe(true);
    expect(await run(recorder, unassessed(finding), finding)).toBe(false);
    expect(recorder.published).toHaveLength(1);
    const [alert] = recorder.published;
    expect(alert?.sms?.length).toBeLessThanOrEqual(160);
    expect(alert?.sms).toContain('BIO-0001');
    expect(alert?.body).toContain('Isolate the monitors on a dedicated VLAN.');
    expect(alert?.attributes).toMatchObject({
      decision: 'IMMEDIATE',
      department: 'ICU',
      eventKind: 'NEW_FINDING',
    });
    expect(recorder.filed).toEqual([]);
  });

  it('files a SCHEDULED change for the digest of its day instead of emailing it', async () => {
    const recorder = new Recorder();
    const finding = withDecision(aFinding(), 'SCHEDULED');
    await run(recorder, unassessed(finding), finding);
    expect(recorder.published).toEqual([]);
    expect(recorder.filed.map((f) => [f.day, f.entry.assetTag, f.entry.decision])).toEqual([
      ['2025-06-01', 'BIO-0001', 'SCHEDULED'],
    ]);
  });

  it('alerts on an upgrade to OUT_OF_CYCLE but not on a re-assessment that changes nothing', async () => {
    const recorder = new Recorder();
    const before = withDecision(aFinding({ updatedAt: '2025-05-01T00:00:00Z' }), 'SCHEDULED');
    const after = withDecision(aFinding(), 'OUT_OF_CYCLE');
    await run(recorder, before, after);
    await run(recorder, after, after);
    expect(recorder.published.map((a) => a.attributes.eventKind)).toEqual(['DECISION_UPGRADED']);
  });

  it('sends nothing for a finding whose action is NONE', async () => {
    const recorder = new Recorder();
    const finding = withDecision(aFinding({ action: 'NONE' }), 'IMMEDIATE');
    expect(await run(recorder, unassessed(finding), finding)).toBe(false);
    expect(recorder.published).toEqual([]);
  });
});
