import type { SyncReport } from './sync-devices';

/** Rejected records named in one operational message; the rest are counted (the logs hold every one). */
const REJECTIONS_LISTED = 10;

export interface SyncAttention {
  subject: string;
  message: string;
}

/**
 * What an on-call engineer must hear about a sync that otherwise succeeded: records the CMMS holds but MedPatch
 * could not map (those devices are not being matched against advisories), devices marked missing, and a
 * reconciliation that refused to mark them. Null when there is nothing to act on.
 */
export function describeSyncAttention(
  report: SyncReport,
  context: { source: string; mode: 'full' | 'incremental' },
): SyncAttention | null {
  const rejected = report.rejected;
  const missing = report.reconciliation?.missing ?? [];
  const warnings = report.reconciliation?.warnings ?? [];
  if (rejected.length === 0 && missing.length === 0 && warnings.length === 0) return null;
  const parts: string[] = [];
  if (rejected.length > 0) parts.push(`${rejected.length} record(s) rejected`);
  if (missing.length > 0) parts.push(`${missing.length} device(s) marked missing`);
  if (warnings.length > 0) parts.push('reconciliation refused');
  const lines = [
    `MedPatch ${context.mode} sync of ${context.source}: read ${report.read}, written ${report.written}, ` +
      `unchanged ${report.unchanged}.`,
  ];
  if (rejected.length > 0) {
    lines.push(
      '',
      `${rejected.length} record(s) could not be mapped and are NOT matched against advisories until fixed in ` +
        'the CMMS (or in the field mapping):',
      ...rejected.slice(0, REJECTIONS_LISTED).map((r) => `- ${r.sourceRecordId ?? r.recordId}: ${r.message}`),
    );
    if (rejected.length > REJECTIONS_LISTED)
      lines.push(`- … and ${rejected.length - REJECTIONS_LISTED} more (see the cmms-sync logs)`);
  }
  if (missing.length > 0) {
    lines.push(
      '',
      `${missing.length} device(s) are no longer in the CMMS and were marked missing (kept, not deleted); ` +
        'confirm they were retired, or restore their records.',
    );
  }
  for (const warning of warnings) lines.push('', `Reconciliation: ${warning}`);
  // SNS subjects: at most 100 printable ASCII characters.
  const subject = `MedPatch sync needs attention: ${parts.join(', ')}`.slice(0, 100);
  return { subject, message: lines.join('\n') };
}
