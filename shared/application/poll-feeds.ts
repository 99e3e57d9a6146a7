import * as z from 'zod';
import {
  changesCsvUrl,
  changesSince,
  documentUrl,
  type FeedChange,
  nextWatermark,
  parseChangesCsv,
} from '../domain/csaf-feed';
import { type EpssSnapshot, type KevCatalog, parseEpssCsv, parseKevCatalog } from '../domain/enrichment';
import {
  type EnrichmentOutcome,
  type EnrichVulnerabilitiesDeps,
  enrichVulnerabilities,
} from './enrich-vulnerabilities';
import {
  type DocumentOutcome,
  type IngestAdvisoriesDeps,
  readAdvisoryDocument,
  storeAdvisory,
} from './ingest-advisories';
import type { Actor } from './ports';

/** Which feeds to poll (env MEDPATCH_FEED_CONFIG): CSAF provider / aggregator directories, KEV and EPSS URLs. */
export const FeedConfig = z
  .object({
    csafDirectories: z.array(z.url()).default([]),
    kevUrl: z.url().optional(),
    epssUrl: z.url().optional(),
  })
  .strict();
export type FeedConfig = z.infer<typeof FeedConfig>;

/** Reads one public feed file as text (gzip already decompressed); throws the shared error vocabulary. */
export interface FeedFetcher {
  fetchText(url: string): Promise<string>;
}

/** Per CSAF directory: the `changedAt` of the newest change processed (all older ones were processed too). */
export interface FeedWatermarkRepository {
  getFeedWatermark(feed: string): Promise<string | null>;
  setFeedWatermark(feed: string, watermark: string): Promise<void>;
}

export interface PollFeedsDeps {
  fetcher: FeedFetcher;
  watermarks: FeedWatermarkRepository;
  ingest: IngestAdvisoriesDeps;
  enrich: EnrichVulnerabilitiesDeps;
}

export interface DirectoryReport {
  directory: string;
  /** Documents changed since the watermark. */
  due: number;
  outcomes: DocumentOutcome[];
  /** Documents that could not be fetched (or stored); they stay due for the next poll. */
  failures: { path: string; error: string }[];
  /** Unreadable lines of changes.csv. */
  rejectedLines: string[];
  watermark: string | null;
}

export interface PollReport {
  directories: DirectoryReport[];
  enrichment?: EnrichmentOutcome;
  /** Feed-level failures (a changes.csv, the KEV or EPSS file): named, never stopping the other feeds. */
  errors: string[];
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * One poll: per CSAF directory, the documents listed in changes.csv after its watermark are fetched, validated and
 * stored (newer tracking versions only) and queued for matching; a failing document is reported and retried next
 * poll, never stopping the others; the watermark moves only past processed documents. Then KEV / EPSS (when
 * configured) refresh the enrichment of every open finding's CVEs plus the CVEs of the advisories stored now.
 */
export async function pollFeeds(deps: PollFeedsDeps, config: FeedConfig, actor: Actor): Promise<PollReport> {
  const report: PollReport = { directories: [], errors: [] };
  const storedCves = new Set<string>();
  for (const directory of config.csafDirectories) {
    try {
      report.directories.push(await pollDirectory(deps, directory, actor, storedCves));
    } catch (error) {
      report.errors.push(`CSAF directory ${directory}: ${message(error)}`);
    }
  }
  let kev: KevCatalog | undefined;
  let epss: EpssSnapshot | undefined;
  if (config.kevUrl) {
    try {
      kev = parseKevCatalog(JSON.parse(await deps.fetcher.fetchText(config.kevUrl)));
    } catch (error) {
      report.errors.push(`KEV ${config.kevUrl}: ${message(error)}`);
    }
  }
  if (config.epssUrl) {
    try {
      epss = parseEpssCsv(await deps.fetcher.fetchText(config.epssUrl));
    } catch (error) {
      report.errors.push(`EPSS ${config.epssUrl}: ${message(error)}`);
    }
  }
  if (kev || epss) {
    report.enrichment = await enrichVulnerabilities(
      deps.enrich,
      { ...(kev ? { kev } : {}), ...(epss ? { epss } : {}) },
      [...storedCves],
    );
  }
  return report;
}

async function pollDirectory(
  deps: PollFeedsDeps,
  directory: string,
  actor: Actor,
  storedCves: Set<string>,
): Promise<DirectoryReport> {
  const listing = parseChangesCsv(await deps.fetcher.fetchText(changesCsvUrl(directory)));
  const watermark = await deps.watermarks.getFeedWatermark(directory);
  const due = changesSince(listing.changes, watermark);
  const processed: FeedChange[] = [];
  const failed: FeedChange[] = [];
  const outcomes: DocumentOutcome[] = [];
  const failures: DirectoryReport['failures'] = [];
  for (const change of due) {
    try {
      const text = await deps.fetcher.fetchText(documentUrl(directory, change.path));
      // An unreachable validator throws: the document counts as not fetched and stays due.
      const read = await readAdvisoryDocument({ name: change.path, text }, deps.ingest.csafValidator);
      // A document that fails validation is processed (a fix comes as a new change); it is reported as rejected.
      const outcome: DocumentOutcome = read.ok
        ? await storeAdvisory(deps.ingest, change.path, read.advisory, read.warnings, actor)
        : { name: change.path, status: 'rejected', errors: read.errors };
      if (read.ok) for (const v of read.advisory.vulnerabilities) if (v.cve) storedCves.add(v.cve);
      outcomes.push(outcome);
      processed.push(change);
    } catch (error) {
      failed.push(change);
      failures.push({ path: change.path, error: message(error) });
    }
  }
  const next = nextWatermark(watermark, processed, failed);
  if (next !== null && next !== watermark) await deps.watermarks.setFeedWatermark(directory, next);
  return { directory, due: due.length, outcomes, failures, rejectedLines: listing.rejected, watermark: next };
}
