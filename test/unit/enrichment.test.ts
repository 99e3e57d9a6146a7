import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enrichVulnerabilities } from '../../shared/application/enrich-vulnerabilities';
import type { PrioritizeMessage } from '../../shared/application/messages';
import type { EnrichmentRepository, VulnerabilityEnrichmentRepository } from '../../shared/application/ports';
import {
  type CveEnrichment,
  EnrichmentFeedError,
  enrichmentFingerprint,
  exploitationEvidence,
  parseEpssApi,
  parseEpssCsv,
  parseKevCatalog,
  parseNvdResponse,
} from '../../shared/domain/enrichment';
import type { Finding } from '../../shared/domain/finding';

const FIXTURES = join(import.meta.dirname, '../fixtures/enrichment');
const KEV_FILE = join(import.meta.dirname, '../../data/kev/known_exploited_vulnerabilities.json');
const kevJson = JSON.parse(readFileSync(KEV_FILE, 'utf8')) as unknown;
const epssCsv = readFileSync(join(FIXTURES, 'epss_scores-2025-08-25.csv'), 'utf8');
const epssApi = JSON.parse(readFileSync(join(FIXTURES, 'epss-api.json'), 'utf8')) as unknown;
const nvdJson = JSON.parse(readFileSync(join(FIXTURES, 'nvd-cves.json'), 'utf8')) as unknown;

describe('KEV catalog', () => {
  const catalog = parseKevCatalog(kevJson);

  it('reads every entry of the real catalog with its version', () => {
    expect(catalog.catalogVersion).toBe('2025.08.25');
    expect(catalog.entries.size).toBe(1404);
    expect(catalog.rejected).toEqual([]);
    expect(catalog.entries.get('CVE-2019-0708')).toMatchObject({
      status: 'listed',
      catalogVersion: '2025.08.25',
    });
  });

  it('rejects a file that is not a KEV catalog with a clear error', () => {
    expect(() => parseKevCatalog({ vulnerabilities: 'no' })).toThrow(EnrichmentFeedError);
    expect(() => parseKevCatalog({ vulnerabilities: 'no' })).toThrow(/KEV catalog: catalogVersion/);
  });

  it('keeps the valid entries when one is malformed', () => {
    const partial = parseKevCatalog({
      catalogVersion: 'x',
      vulnerabilities: [{ cveID: 'CVE-2019-0708', dateAdded: '2021-11-03' }, { cveID: 'nope' }],
    });
    expect([...partial.entries.keys()]).toEqual(['CVE-2019-0708']);
    expect(partial.rejected).toHaveLength(1);
    expect(partial.rejected[0]).toMatch(/^vulnerabilities\[1\]: /);
  });
});

describe('EPSS', () => {
  it('reads the daily CSV with its #model_version comment line and reports bad rows', () => {
    const snapshot = parseEpssCsv(epssCsv);
    expect(snapshot.modelVersion).toBe('v2025.03.14');
    expect(snapshot.date).toBe('2025-08-25');
    expect(snapshot.scores.get('CVE-2019-0708')).toEqual({
      status: 'scored',
      score: 0.94455,
      percentile: 0.99977,
      date: '2025-08-25',
      modelVersion: 'v2025.03.14',
    });
    expect(snapshot.scores.size).toBe(5);
    expect(snapshot.rejected).toEqual(['line 8: epss is not a probability']);
  });

  it('refuses a CSV without the cve/epss header', () => {
    expect(() => parseEpssCsv('#model_version:v1\nfoo,bar\n')).toThrow(/expected a header with cve and epss/);
  });

  it('reads the API JSON, whose numbers are strings', () => {
    const snapshot = parseEpssApi(epssApi);
    expect(snapshot.date).toBe('2025-08-26');
    expect(snapshot.scores.get('CVE-2019-10959')?.score).toBeCloseTo(0.00243, 6);
    expect(snapshot.scores.get('CVE-2019-10959')?.percentile).toBeCloseTo(0.4612, 6);
  });
});

describe('NVD CVE API 2.0', () => {
  const { items, rejected } = parseNvdResponse(nvdJson);
  const byCve = new Map(items.map((i) => [i.cve, i.nvd]));

  it('reads CVSS metrics (primary first), CWEs and CPE configurations per CVE', () => {
    const bluekeep = byCve.get('CVE-2019-0708');
    expect(bluekeep?.cvss.map((c) => `${c.version} ${c.baseScore}`)).toEqual(['3.1 9.8', '2.0 10']);
    expect(bluekeep?.cwes).toEqual(['CWE-416']);
    expect(bluekeep?.cpeMatches.map((m) => m.criteria)).toContain(
      'cpe:2.3:o:microsoft:windows_7:-:sp1:*:*:*:*:*:*',
    );
    const gateway = byCve.get('CVE-2019-10959');
    expect(gateway?.cvss[0]).toMatchObject({ version: '3.0', baseScore: 10, source: 'nvd@nist.gov' });
    expect(gateway?.cpeMatches[0]).toMatchObject({
      versionStartIncluding: '1.0.13',
      versionEndExcluding: '1.3.2',
    });
  });

  it('reports a malformed record and keeps the others', () => {
    expect(items).toHaveLength(2);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatch(/^vulnerabilities\[2\]: /);
  });
});

describe('never enriched is not "not exploited"', () => {
  it('tells the three KEV states apart', () => {
    expect(exploitationEvidence(undefined)).toBe('never_enriched');
    expect(exploitationEvidence({ cve: 'CVE-2019-10959' })).toBe('never_enriched');
    expect(
      exploitationEvidence({
        cve: 'CVE-2019-10959',
        kev: { status: 'not_listed', catalogVersion: '2025.08.25' },
      }),
    ).toBe('not_known_exploited');
  });
});

/** In-memory stand-ins with the repository's change rule (write only when the fingerprint changes). */
class MemoryEnrichment implements VulnerabilityEnrichmentRepository, EnrichmentRepository {
  readonly items = new Map<string, CveEnrichment>();
  readonly kev = new Set<string>();
  writes = 0;
  async getEnrichments(cves: readonly string[]) {
    return new Map(
      cves.flatMap((c) => (this.items.has(c) ? [[c, this.items.get(c) as CveEnrichment] as const] : [])),
    );
  }
  async saveEnrichment(e: CveEnrichment) {
    const previous = this.items.get(e.cve);
    if (previous && enrichmentFingerprint(previous) === enrichmentFingerprint(e)) return false;
    this.items.set(e.cve, e);
    this.writes += 1;
    return true;
  }
  async kevCves(cves: readonly string[]) {
    return new Set(cves.filter((c) => this.kev.has(c)));
  }
  async saveKev(cves: readonly string[]) {
    for (const c of cves) this.kev.add(c);
    return cves.length;
  }
}

function finding(deviceId: string, advisoryId: string, cves: string[]): Finding {
  return {
    findingId: `${deviceId}|${advisoryId}`,
    deviceId,
    assetTag: deviceId,
    advisoryId,
    advisoryVersion: '1',
    cves,
    product: 'p',
    matchConfidence: 'confirmed',
    matchReason: { productId: 'P1', productFullName: 'p', productRule: 'r', versionRule: 'v' },
    validationStatus: 'UNKNOWN',
    remediationState: 'OPEN',
    firstSeenAt: '2025-08-01T00:00:00Z',
    updatedAt: '2025-08-01T00:00:00Z',
  };
}

describe('enrichVulnerabilities', () => {
  const findings = [
    finding('d1', 'ICSMA-20-049-01', ['CVE-2019-0708']),
    finding('d2', 'ICSMA-19-164-01', ['CVE-2019-10959', 'CVE-2019-10962']),
    { ...finding('d3', 'ICSMA-19-164-01', ['CVE-2019-10959']), remediationState: 'NOT_AFFECTED' as const },
  ];
  const findingsRepo = {
    listAll: async () => findings,
    get: async () => null,
    listByDevice: async () => [],
    listByAdvisory: async () => [],
    save: async () => true,
  };

  it('stores KEV, EPSS and NVD per CVE, re-queues findings whose CVE changed, and is a no-op when nothing changed', async () => {
    const enrichment = new MemoryEnrichment();
    const sent: PrioritizeMessage[] = [];
    const deps = {
      enrichment,
      findings: findingsRepo,
      prioritizeQueue: { send: async (m: readonly PrioritizeMessage[]) => void sent.push(...m) },
    };
    const nvd = new Map(parseNvdResponse(nvdJson).items.map((i) => [i.cve, i.nvd]));
    const feeds = { kev: parseKevCatalog(kevJson), epss: parseEpssCsv(epssCsv), nvd };

    const first = await enrichVulnerabilities(deps, feeds);
    expect(first.cvesConsidered).toBe(3);
    expect(first.changed).toEqual(['CVE-2019-0708', 'CVE-2019-10959', 'CVE-2019-10962']);
    expect(sent.map((m) => m.deviceId).sort()).toEqual(['d1', 'd2']);
    expect(enrichment.items.get('CVE-2019-0708')?.kev?.status).toBe('listed');
    expect(enrichment.items.get('CVE-2019-10962')).toMatchObject({
      kev: { status: 'not_listed', catalogVersion: '2025.08.25' },
      epss: { status: 'scored', score: 0.00305 },
    });
    expect(enrichment.items.get('CVE-2019-10962')?.nvd).toBeUndefined();
    expect(await enrichment.kevCves(['CVE-2019-0708', 'CVE-2019-10962'])).toEqual(new Set(['CVE-2019-0708']));

    sent.length = 0;
    const again = await enrichVulnerabilities(deps, feeds);
    expect(again.changed).toEqual([]);
    expect(sent).toEqual([]);

    // The next day's EPSS changes one CVE's score: only the finding carrying it is re-queued; KEV/NVD stay.
    const nextDay = parseEpssCsv(epssCsv.replace('CVE-2019-10962,0.00305', 'CVE-2019-10962,0.20100'));
    const third = await enrichVulnerabilities(deps, { epss: nextDay });
    expect(third.changed).toEqual(['CVE-2019-10962']);
    expect(sent.map((m) => m.deviceId)).toEqual(['d2']);
    expect(enrichment.items.get('CVE-2019-10962')?.kev?.status).toBe('not_listed');
    expect(enrichment.items.get('CVE-2019-0708')?.nvd?.status).toBe('found');
  });
});
