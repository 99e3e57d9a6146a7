import * as z from 'zod';
import type { CvssScore } from './advisory';
import { sha256Hex, stableStringify } from './digest';

/**
 * Per-CVE enrichment from public feeds: CISA KEV (known exploited), FIRST EPSS (probability of exploitation) and
 * NVD CVE API 2.0 (CVSS metrics, CPE configurations). Pure parsers and the merge rule; storage is an adapter.
 *
 * Each source has three states, never conflated: absent (never checked), checked and negative (`not_listed`,
 * `not_scored`, `not_found`, stamped with the feed version that said so) and checked and positive.
 */

const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

export const KevState = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('listed'),
    catalogVersion: z.string(),
    dateAdded: z.string(),
    dueDate: z.string().default(''),
    knownRansomwareCampaignUse: z.string().default('Unknown'),
    vendorProject: z.string().default(''),
    product: z.string().default(''),
  }),
  z.object({ status: z.literal('not_listed'), catalogVersion: z.string() }),
]);
export type KevState = z.infer<typeof KevState>;

export const EpssState = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('scored'),
    score: z.number().min(0).max(1),
    percentile: z.number().min(0).max(1),
    date: z.string(),
    modelVersion: z.string().default(''),
  }),
  z.object({ status: z.literal('not_scored'), date: z.string() }),
]);
export type EpssState = z.infer<typeof EpssState>;

export const CpeMatch = z.object({
  criteria: z.string(),
  vulnerable: z.boolean(),
  versionStartIncluding: z.string().optional(),
  versionStartExcluding: z.string().optional(),
  versionEndIncluding: z.string().optional(),
  versionEndExcluding: z.string().optional(),
});
export type CpeMatch = z.infer<typeof CpeMatch>;

export const NvdState = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('found'),
    lastModified: z.string(),
    vulnStatus: z.string().default(''),
    /** Primary (NVD) scores first, then the CNA's; newest CVSS version first. */
    cvss: z.array(
      z.object({ version: z.string(), baseScore: z.number(), vectorString: z.string(), source: z.string() }),
    ),
    cwes: z.array(z.string()).default([]),
    cpeMatches: z.array(CpeMatch).default([]),
  }),
  z.object({ status: z.literal('not_found'), checkedAt: z.string() }),
]);
export type NvdState = z.infer<typeof NvdState>;

/** Everything known about one CVE. A missing source means it was never checked. */
export const CveEnrichment = z.object({
  cve: z.string().regex(CVE_ID),
  kev: KevState.optional(),
  epss: EpssState.optional(),
  nvd: NvdState.optional(),
});
export type CveEnrichment = z.infer<typeof CveEnrichment>;

export type ExploitationEvidence = 'never_enriched' | 'known_exploited' | 'not_known_exploited';

/** "Never enriched" is not "not exploited": only a KEV check that did not list the CVE says the latter. */
export function exploitationEvidence(enrichment: CveEnrichment | undefined): ExploitationEvidence {
  if (enrichment?.kev === undefined) return 'never_enriched';
  return enrichment.kev.status === 'listed' ? 'known_exploited' : 'not_known_exploited';
}

/** A fingerprint of the enrichment's content: a change of it re-queues the findings that carry the CVE. */
export function enrichmentFingerprint(enrichment: CveEnrichment): string {
  return sha256Hex(stableStringify(enrichment)).slice(0, 32);
}

/** Applies newer source states over what is stored; a source the update does not carry stays as it was. */
export function mergeEnrichment(previous: CveEnrichment | undefined, update: CveEnrichment): CveEnrichment {
  return {
    cve: update.cve,
    ...((update.kev ?? previous?.kev) ? { kev: update.kev ?? previous?.kev } : {}),
    ...((update.epss ?? previous?.epss) ? { epss: update.epss ?? previous?.epss } : {}),
    ...((update.nvd ?? previous?.nvd) ? { nvd: update.nvd ?? previous?.nvd } : {}),
  } as CveEnrichment;
}

export interface FeedParseResult<T> {
  items: T[];
  /** Entries that could not be read, with where and why; the rest still counts. */
  rejected: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// CISA KEV catalog (JSON, https://www.cisa.gov/known-exploited-vulnerabilities-catalog)

const KevEntryJson = z.object({
  cveID: z.string().regex(CVE_ID),
  vendorProject: z.string().default(''),
  product: z.string().default(''),
  dateAdded: z.string(),
  dueDate: z.string().default(''),
  knownRansomwareCampaignUse: z.string().default('Unknown'),
});

export interface KevCatalog {
  catalogVersion: string;
  dateReleased: string;
  /** CVE → its listed state. */
  entries: Map<string, Extract<KevState, { status: 'listed' }>>;
  rejected: string[];
}

export function parseKevCatalog(json: unknown): KevCatalog {
  const head = z
    .object({
      catalogVersion: z.string().min(1),
      dateReleased: z.string().default(''),
      vulnerabilities: z.array(z.unknown()),
    })
    .safeParse(json);
  if (!head.success) {
    throw new EnrichmentFeedError(`KEV catalog: ${head.error.issues.map(issueText).join('; ')}`);
  }
  const entries = new Map<string, Extract<KevState, { status: 'listed' }>>();
  const rejected: string[] = [];
  head.data.vulnerabilities.forEach((item, i) => {
    const entry = KevEntryJson.safeParse(item);
    if (!entry.success) {
      rejected.push(`vulnerabilities[${i}]: ${entry.error.issues.map(issueText).join('; ')}`);
      return;
    }
    const { cveID, ...rest } = entry.data;
    entries.set(cveID, { status: 'listed', catalogVersion: head.data.catalogVersion, ...rest });
  });
  return {
    catalogVersion: head.data.catalogVersion,
    dateReleased: head.data.dateReleased,
    entries,
    rejected,
  };
}

/** The KEV state of a CVE according to a catalog: listed, or not listed in that catalog version. */
export function kevStateFor(catalog: KevCatalog, cve: string): KevState {
  return catalog.entries.get(cve) ?? { status: 'not_listed', catalogVersion: catalog.catalogVersion };
}

// ---------------------------------------------------------------------------------------------------------------
// FIRST EPSS: the daily CSV (with its "#model_version:…,score_date:…" comment line) and the API JSON

export interface EpssSnapshot {
  modelVersion: string;
  /** Score date (YYYY-MM-DD). */
  date: string;
  scores: Map<string, Extract<EpssState, { status: 'scored' }>>;
  rejected: string[];
}

function probability(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : undefined;
}

/** Parses `epss_scores-YYYY-MM-DD.csv`: `#model_version:v2023.03.01,score_date:2024-…`, then `cve,epss,percentile`. */
export function parseEpssCsv(text: string): EpssSnapshot {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let modelVersion = '';
  let date = '';
  let header: string[] | undefined;
  const scores = new Map<string, Extract<EpssState, { status: 'scored' }>>();
  const rejected: string[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      for (const part of line.slice(1).split(',')) {
        const [key, ...value] = part.split(':');
        if (key?.trim() === 'model_version') modelVersion = value.join(':').trim();
        if (key?.trim() === 'score_date') date = value.join(':').trim().slice(0, 10);
      }
      return;
    }
    const cells = line.split(',').map((c) => c.trim());
    if (header === undefined) {
      header = cells.map((c) => c.toLowerCase());
      if (!header.includes('cve') || !header.includes('epss')) {
        throw new EnrichmentFeedError(
          `EPSS CSV line ${i + 1}: expected a header with cve and epss, got "${line}"`,
        );
      }
      return;
    }
    const cell = (name: string): string | undefined => cells[(header as string[]).indexOf(name)];
    const cve = cell('cve') ?? '';
    const score = probability(cell('epss'));
    const percentile = probability(cell('percentile')) ?? 0;
    if (!CVE_ID.test(cve) || score === undefined) {
      rejected.push(
        `line ${i + 1}: ${!CVE_ID.test(cve) ? `"${cve}" is not a CVE id` : 'epss is not a probability'}`,
      );
      return;
    }
    scores.set(cve, { status: 'scored', score, percentile, date, modelVersion });
  });
  if (header === undefined) throw new EnrichmentFeedError('EPSS CSV: no header line');
  return { modelVersion, date, scores, rejected };
}

const EpssApiRow = z.object({
  cve: z.string().regex(CVE_ID),
  epss: z.union([z.string(), z.number()]),
  percentile: z.union([z.string(), z.number()]).optional(),
  date: z.string(),
  model_version: z.string().optional(),
});

/** Parses the EPSS API response (`https://api.first.org/data/v1/epss?cve=…`): `{ status, data: [{ cve, epss, … }] }`. */
export function parseEpssApi(json: unknown): EpssSnapshot {
  const body = z.object({ data: z.array(z.unknown()) }).safeParse(json);
  if (!body.success)
    throw new EnrichmentFeedError(`EPSS API: ${body.error.issues.map(issueText).join('; ')}`);
  const scores = new Map<string, Extract<EpssState, { status: 'scored' }>>();
  const rejected: string[] = [];
  let date = '';
  let modelVersion = '';
  body.data.data.forEach((item, i) => {
    const row = EpssApiRow.safeParse(item);
    const score = row.success ? probability(String(row.data.epss)) : undefined;
    if (!row.success || score === undefined) {
      rejected.push(
        `data[${i}]: ${row.success ? 'epss is not a probability' : row.error.issues.map(issueText).join('; ')}`,
      );
      return;
    }
    date = row.data.date;
    modelVersion = row.data.model_version ?? modelVersion;
    scores.set(row.data.cve, {
      status: 'scored',
      score,
      percentile: probability(String(row.data.percentile ?? '')) ?? 0,
      date: row.data.date,
      modelVersion: row.data.model_version ?? '',
    });
  });
  return { modelVersion, date, scores, rejected };
}

/** The EPSS state of a CVE in a snapshot; EPSS scores every published CVE, so absence means not scored (yet). */
export function epssStateFor(snapshot: EpssSnapshot, cve: string): EpssState {
  return snapshot.scores.get(cve) ?? { status: 'not_scored', date: snapshot.date };
}

// ---------------------------------------------------------------------------------------------------------------
// NVD CVE API 2.0 (https://services.nvd.nist.gov/rest/json/cves/2.0)

const NvdCvssData = z.object({ version: z.string(), vectorString: z.string(), baseScore: z.number() });
const NvdMetric = z.object({
  source: z.string().default(''),
  type: z.string().default(''),
  cvssData: NvdCvssData,
});
const NvdCpeMatch = z.object({
  vulnerable: z.boolean(),
  criteria: z.string(),
  versionStartIncluding: z.string().optional(),
  versionStartExcluding: z.string().optional(),
  versionEndIncluding: z.string().optional(),
  versionEndExcluding: z.string().optional(),
});
const NvdCve = z.object({
  id: z.string().regex(CVE_ID),
  lastModified: z.string(),
  vulnStatus: z.string().default(''),
  metrics: z.record(z.string(), z.array(z.unknown())).default({}),
  weaknesses: z
    .array(z.object({ description: z.array(z.object({ value: z.string() })).default([]) }))
    .default([]),
  configurations: z
    .array(z.object({ nodes: z.array(z.object({ cpeMatch: z.array(z.unknown()).default([]) })).default([]) }))
    .default([]),
});

const METRIC_KEYS = ['cvssMetricV40', 'cvssMetricV31', 'cvssMetricV30', 'cvssMetricV2'] as const;

/** Parses an NVD CVE API 2.0 response into one state per CVE (CVSS metrics, CWEs, CPE match criteria). */
export function parseNvdResponse(
  json: unknown,
): FeedParseResult<{ cve: string; nvd: Extract<NvdState, { status: 'found' }> }> {
  const body = z.object({ vulnerabilities: z.array(z.unknown()) }).safeParse(json);
  if (!body.success)
    throw new EnrichmentFeedError(`NVD response: ${body.error.issues.map(issueText).join('; ')}`);
  const items: { cve: string; nvd: Extract<NvdState, { status: 'found' }> }[] = [];
  const rejected: string[] = [];
  body.data.vulnerabilities.forEach((wrapper, i) => {
    const parsed = z.object({ cve: NvdCve }).safeParse(wrapper);
    if (!parsed.success) {
      rejected.push(`vulnerabilities[${i}]: ${parsed.error.issues.map(issueText).join('; ')}`);
      return;
    }
    const cve = parsed.data.cve;
    const cvss: {
      version: string;
      baseScore: number;
      vectorString: string;
      source: string;
      primary: boolean;
    }[] = [];
    for (const key of METRIC_KEYS) {
      for (const metric of cve.metrics[key] ?? []) {
        const m = NvdMetric.safeParse(metric);
        if (!m.success) {
          rejected.push(
            `vulnerabilities[${i}].cve.metrics.${key}: ${m.error.issues.map(issueText).join('; ')}`,
          );
          continue;
        }
        cvss.push({ ...m.data.cvssData, source: m.data.source, primary: m.data.type === 'Primary' });
      }
    }
    cvss.sort((a, b) => Number(b.primary) - Number(a.primary));
    const cpeMatches: CpeMatch[] = [];
    for (const configuration of cve.configurations) {
      for (const node of configuration.nodes) {
        for (const match of node.cpeMatch) {
          const m = NvdCpeMatch.safeParse(match);
          if (m.success) cpeMatches.push(m.data);
        }
      }
    }
    items.push({
      cve: cve.id,
      nvd: {
        status: 'found',
        lastModified: cve.lastModified,
        vulnStatus: cve.vulnStatus,
        cvss: cvss.map(({ primary: _primary, ...score }) => score),
        cwes: [...new Set(cve.weaknesses.flatMap((w) => w.description.map((d) => d.value)))].filter((v) =>
          /^CWE-\d+$/.test(v),
        ),
        cpeMatches,
      },
    });
  });
  return { items, rejected };
}

/** NVD's CVSS scores in the advisory model's shape (used when an advisory carries none). */
export function nvdCvss(enrichment: CveEnrichment | undefined): CvssScore[] {
  if (enrichment?.nvd?.status !== 'found') return [];
  return enrichment.nvd.cvss.map(({ version, baseScore, vectorString }) => ({
    version,
    baseScore,
    vectorString,
  }));
}

/** A feed file that cannot be read at all (wrong shape, missing header). */
export class EnrichmentFeedError extends Error {
  override readonly name = 'EnrichmentFeedError';
}

function issueText(issue: { path: readonly PropertyKey[]; message: string }): string {
  return `${issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : ''}${issue.message}`;
}
