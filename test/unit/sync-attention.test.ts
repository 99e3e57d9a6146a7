import { describe, expect, it } from 'vitest';
import { describeSyncAttention } from '../../shared/application/sync-attention';
import type { SyncReport } from '../../shared/application/sync-devices';

const base: SyncReport = {
  read: 120,
  written: 3,
  unchanged: 110,
  created: 0,
  rejected: [],
  watermark: null,
  resent: 0,
};
const context = { source: 'servicenow', mode: 'full' as const };

describe('describeSyncAttention', () => {
  it('says nothing about a clean sync', () => {
    expect(describeSyncAttention(base, context)).toBeNull();
  });

  it('names the rejected records and why, and says they are not being matched', () => {
    const rejected = Array.from({ length: 12 }, (_, i) => ({
      recordId: `line ${i + 2}`,
      sourceRecordId: `sys-${i}`,
      message: 'manufacturer: required',
    }));
    const attention = describeSyncAttention({ ...base, rejected }, context);
    expect(attention?.subject).toBe('MedPatch sync needs attention: 12 record(s) rejected');
    expect(attention?.message).toContain('NOT matched against advisories');
    expect(attention?.message).toContain('- sys-0: manufacturer: required');
    expect(attention?.message).toContain('- sys-9: manufacturer: required');
    expect(attention?.message).not.toContain('sys-10');
    expect(attention?.message).toContain('… and 2 more');
  });

  it('reports devices marked missing and a reconciliation that refused, in the subject too', () => {
    const attention = describeSyncAttention(
      {
        ...base,
        reconciliation: {
          missing: ['servicenow:a', 'servicenow:b'],
          newDevices: [],
          newCount: 0,
          warnings: ['90 of 100 stored servicenow devices were not returned by the CMMS'],
        },
      },
      context,
    );
    expect(attention?.subject).toBe(
      'MedPatch sync needs attention: 2 device(s) marked missing, reconciliation refused',
    );
    expect(attention?.message).toContain('2 device(s) are no longer in the CMMS');
    expect(attention?.message).toContain('Reconciliation: 90 of 100');
    expect(attention?.subject.length).toBeLessThanOrEqual(100);
  });
});
