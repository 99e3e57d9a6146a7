import { attributeValue, type DigestEntry, formatDigest } from '../domain/alerts';
import { sha256Hex } from '../domain/digest';
import type { AlertDigestStore, AlertPublisher } from './ports';

export interface DigestDeps {
  digest: AlertDigestStore;
  alerts: AlertPublisher;
}

/**
 * Sends the daily digest of one day's SCHEDULED / DEFER alert events: one hospital-wide email
 * (`digestScope=hospital`) and one per department (`digestScope=department`, for department managers). Each
 * digest's event id names the day and scope, so a second run of the same day sends nothing.
 */
export async function sendDailyDigest(
  deps: DigestDeps,
  day: string,
): Promise<{ entries: number; published: number }> {
  const entries = await deps.digest.entriesOf(day);
  if (entries.length === 0) return { entries: 0, published: 0 };
  const byDepartment = new Map<string, DigestEntry[]>();
  for (const entry of entries) {
    const list = byDepartment.get(entry.department) ?? [];
    list.push(entry);
    byDepartment.set(entry.department, list);
  }
  const scopes: { department: string | null; entries: DigestEntry[] }[] = [
    { department: null, entries },
    ...[...byDepartment.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([department, list]) => ({ department, entries: list })),
  ];
  let published = 0;
  for (const scope of scopes) {
    const message = formatDigest({ day, department: scope.department, entries: scope.entries });
    const scopeId =
      scope.department === null ? 'hospital' : `dept-${sha256Hex(scope.department).slice(0, 16)}`;
    const sent = await deps.alerts.publishOnce({
      eventId: `DIGEST:${day.slice(0, 10)}:${scopeId}`,
      subject: message.subject,
      body: message.body,
      attributes: {
        eventKind: 'DAILY_DIGEST',
        decision: 'DIGEST',
        action: 'DIGEST',
        department: scope.department === null ? 'ALL' : attributeValue(scope.department),
        deviceType: 'ALL',
        severity: 'low',
        digestScope: scope.department === null ? 'hospital' : 'department',
      },
    });
    if (sent) published += 1;
  }
  return { entries: entries.length, published };
}
