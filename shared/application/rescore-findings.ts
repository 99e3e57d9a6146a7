import type { PrioritizeMessage } from './messages';
import type { FindingRepository, PrioritizeQueue } from './ports';

export interface RescoreDeps {
  findings: FindingRepository;
  prioritizeQueue: PrioritizeQueue;
}

/**
 * Queues every open finding for re-assessment (the nightly job, and after KEV / EPSS / validation changes).
 * The prioritizer is idempotent: a finding whose decision, action and work order are unchanged writes nothing and
 * sends nothing to the CMMS; a changed decision updates the existing work order in place (same correlation id).
 */
export async function rescoreOpenFindings(deps: RescoreDeps): Promise<{ queued: number }> {
  const open = (await deps.findings.listAll()).filter((f) => f.remediationState !== 'NOT_AFFECTED');
  const messages: PrioritizeMessage[] = open.map((f) => ({
    type: 'finding-changed',
    deviceId: f.deviceId,
    advisoryId: f.advisoryId,
  }));
  await deps.prioritizeQueue.send(messages);
  return { queued: messages.length };
}
