import type { Advisory } from '../domain/advisory';
import { parseCsafDocument } from '../domain/csaf/parse-csaf';
import type { Actor, AdvisoryRepository, MatchQueue } from './ports';

export interface IngestAdvisoriesDeps {
  advisories: AdvisoryRepository;
  matchQueue: MatchQueue;
  /** Runs after a new advisory version is stored and before it is queued (issue 5: manufacturer CSAF validations). */
  onStored?: (advisory: Advisory) => Promise<void>;
}

export interface AdvisoryDocument {
  /** Where the document came from (file name, upload id), used in the report. */
  name: string;
  content: unknown;
}

export type DocumentOutcome =
  | { name: string; status: 'accepted'; advisoryId: string; trackingVersion: string; warnings: string[] }
  | { name: string; status: 'unchanged'; advisoryId: string; trackingVersion: string }
  | { name: string; status: 'rejected'; errors: string[] };

/**
 * Parses and stores CSAF documents one by one; a bad document is reported and never stops the others. A new
 * or newer advisory is queued for matching; an equal or older version changes nothing.
 */
export async function ingestAdvisories(
  deps: IngestAdvisoriesDeps,
  documents: readonly AdvisoryDocument[],
  actor: Actor,
): Promise<DocumentOutcome[]> {
  const outcomes: DocumentOutcome[] = [];
  for (const document of documents) {
    const parsed = parseCsafDocument(document.content);
    if (!parsed.ok) {
      outcomes.push({ name: document.name, status: 'rejected', errors: parsed.errors });
      continue;
    }
    const { advisory, warnings } = parsed;
    const stored = await deps.advisories.saveIfNewer(advisory, actor);
    if (!stored) {
      outcomes.push({
        name: document.name,
        status: 'unchanged',
        advisoryId: advisory.advisoryId,
        trackingVersion: advisory.trackingVersion,
      });
      continue;
    }
    await deps.onStored?.(advisory);
    await deps.matchQueue.send([
      {
        type: 'advisory-changed',
        advisoryId: advisory.advisoryId,
        trackingVersion: advisory.trackingVersion,
      },
    ]);
    outcomes.push({
      name: document.name,
      status: 'accepted',
      advisoryId: advisory.advisoryId,
      trackingVersion: advisory.trackingVersion,
      warnings,
    });
  }
  return outcomes;
}
