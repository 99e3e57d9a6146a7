import {
  type CveEnrichment,
  type EpssSnapshot,
  enrichmentFingerprint,
  epssStateFor,
  type KevCatalog,
  kevStateFor,
  mergeEnrichment,
  type NvdState,
} from '../domain/enrichment';
import type { PrioritizeMessage } from './messages';
import type {
  EnrichmentRepository,
  FindingRepository,
  PrioritizeQueue,
  VulnerabilityEnrichmentRepository,
} from './ports';

export interface EnrichVulnerabilitiesDeps {
  enrichment: VulnerabilityEnrichmentRepository & EnrichmentRepository;
  findings: FindingRepository;
  prioritizeQueue: PrioritizeQueue;
}

/** The feeds of one enrichment run; any may be absent (a source not given leaves its stored state alone). */
export interface EnrichmentFeeds {
  kev?: KevCatalog;
  epss?: EpssSnapshot;
  /** NVD CVE API 2.0 records by CVE id (only CVEs the response carried; absence is not "not found"). */
  nvd?: ReadonlyMap<string, NvdState>;
}

export interface EnrichmentOutcome {
  cvesConsidered: number;
  /** CVEs whose stored enrichment changed in this run. */
  changed: string[];
  /** Open findings re-queued for prioritization because one of their CVEs changed. */
  findingsRequeued: number;
}

/**
 * Applies KEV, EPSS and NVD to every CVE of the open findings (plus `extraCves`), stores what changed per CVE, and
 * re-queues the findings carrying a changed CVE so the prioritizer re-scores them. A CVE absent from a feed gets
 * that feed's negative state ("not listed in KEV catalog 2025.08.25", "not scored on 2025-08-25"), which is
 * recorded as such, distinct from never having been checked.
 */
export async function enrichVulnerabilities(
  deps: EnrichVulnerabilitiesDeps,
  feeds: EnrichmentFeeds,
  extraCves: readonly string[] = [],
): Promise<EnrichmentOutcome> {
  const findings = (await deps.findings.listAll()).filter((f) => f.remediationState !== 'NOT_AFFECTED');
  const cves = [...new Set([...findings.flatMap((f) => f.cves), ...extraCves])].sort();
  const stored = await deps.enrichment.getEnrichments(cves);
  const changed: string[] = [];
  for (const cve of cves) {
    const nvd = feeds.nvd?.get(cve);
    const update: CveEnrichment = {
      cve,
      ...(feeds.kev ? { kev: kevStateFor(feeds.kev, cve) } : {}),
      ...(feeds.epss ? { epss: epssStateFor(feeds.epss, cve) } : {}),
      ...(nvd ? { nvd } : {}),
    };
    const previous = stored.get(cve);
    const next = mergeEnrichment(previous, update);
    if (previous && enrichmentFingerprint(previous) === enrichmentFingerprint(next)) continue;
    if (await deps.enrichment.saveEnrichment(next)) changed.push(cve);
  }
  if (feeds.kev) {
    // The assessment reads KEV membership from its own item; keep it in step.
    const listed = cves.filter((cve) => feeds.kev?.entries.has(cve));
    if (listed.length > 0) await deps.enrichment.saveKev(listed, feeds.kev.catalogVersion);
  }
  const changedSet = new Set(changed);
  const messages: PrioritizeMessage[] = findings
    .filter((f) => f.cves.some((cve) => changedSet.has(cve)))
    .map((f) => ({ type: 'finding-changed', deviceId: f.deviceId, advisoryId: f.advisoryId }));
  if (messages.length > 0) await deps.prioritizeQueue.send(messages);
  return { cvesConsidered: cves.length, changed, findingsRequeued: messages.length };
}
