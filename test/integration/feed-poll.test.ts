import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRunner } from '../../local/runner';
import { LOCAL_REGION, type LocalStack, startLocalStack } from '../../local/stack';
import { DynamoAdvisoryRepository } from '../../shared/adapters/dynamodb/advisory-repository';
import { DynamoEnrichmentRepository } from '../../shared/adapters/dynamodb/enrichment-repository';
import { DynamoFeedWatermarkRepository } from '../../shared/adapters/dynamodb/feed-watermark-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import type { PollReport } from '../../shared/application/poll-feeds';
import { ENV } from '../../shared/config/env-names';

const ROOT = join(import.meta.dirname, '../..');
const icsma = (file: string) => readFileSync(join(ROOT, 'data/csaf/icsma', file));

/** Directory path → CSAF file of data/csaf/icsma. */
const DOCUMENTS: Record<string, string> = {
  '2017/icsma-17-215-02.json': 'icsma-17-215-02.json', // Philips; CVE-2015-1635 is in KEV
  '2019/icsma-19-164-01.json': 'icsma-19-164-01.json', // Medtronic; both CVEs scored by EPSS
  '2020/icsma-20-049-01.json': 'icsma-20-049-01.json', // Spacelabs; CVE-2019-0708 in KEV and EPSS
  '2017/icsma-17-250-02a.json': 'icsma-17-250-02a.json', // Smiths Medical; listed later
};

/** A small KEV catalog: the real entries of data/kev for the CVEs above, plus two unrelated ones. */
function kevSubset(): string {
  const kev = JSON.parse(
    readFileSync(join(ROOT, 'data/kev/known_exploited_vulnerabilities.json'), 'utf8'),
  ) as {
    vulnerabilities: { cveID: string }[];
  };
  const wanted = new Set(['CVE-2015-1635', 'CVE-2019-0708']);
  const vulnerabilities = [
    ...kev.vulnerabilities.filter((v) => wanted.has(v.cveID)),
    ...kev.vulnerabilities.filter((v) => !wanted.has(v.cveID)).slice(0, 2),
  ];
  return JSON.stringify({ ...kev, count: vulnerabilities.length, vulnerabilities });
}

describe('feed-poll λ: CSAF directory (changes.csv), KEV and EPSS over HTTP, on the local stack', () => {
  let stack: LocalStack;
  let runner: LocalRunner;
  let server: Server;
  let advisories: DynamoAdvisoryRepository;
  let enrichment: DynamoEnrichmentRepository;
  let watermarks: DynamoFeedWatermarkRepository;
  let directory: string;
  /** changes.csv lines, newest first, as the provider lists them. */
  let changes: string[];
  const documentRequests = new Map<string, number>();
  /** Paths answered with 500 while listed here. */
  const failing = new Set<string>();

  const poll = async (): Promise<PollReport> => {
    const report = await runner.invokeSchedule<PollReport>('feedPoll', {});
    await runner.drain({ timeoutMs: 20_000 });
    return report;
  };
  const requested = () => Object.fromEntries([...documentRequests].sort());

  beforeAll(async () => {
    const kev = kevSubset();
    const epss = readFileSync(join(ROOT, 'test/fixtures/enrichment/epss_scores-2025-08-25.csv'));
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (path === '/csaf/changes.csv') return void res.end(`${changes.join('\n')}\n`);
      if (path === '/kev.json') return void res.end(kev);
      if (path === '/epss.csv.gz') return void res.end(gzipSync(epss));
      const documentPath = path.replace(/^\/csaf\//, '');
      const file = DOCUMENTS[documentPath];
      if (!path.startsWith('/csaf/') || file === undefined) {
        res.statusCode = 404;
        return void res.end('not found');
      }
      documentRequests.set(documentPath, (documentRequests.get(documentPath) ?? 0) + 1);
      if (failing.has(documentPath)) {
        res.statusCode = 500;
        return void res.end('{"error":{"message":"provider hiccup"}}');
      }
      res.setHeader('content-type', 'application/json');
      res.end(icsma(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    directory = `${base}/csaf`;

    stack = await startLocalStack({
      servicenow: false,
      cmms: {
        kind: 'outbox',
        baseUrl: `file://${mkdtempSync(join(tmpdir(), 'medpatch-feed-poll-'))}`,
        username: '',
        password: '',
      },
    });
    // Handlers read their environment at import: the feed config must be in place before the runner loads them
    // (the runner copies stack.env, which carries topology's empty default, over process.env, so it goes there too).
    const config = JSON.stringify({
      csafDirectories: [directory],
      kevUrl: `${base}/kev.json`,
      epssUrl: `${base}/epss.csv.gz`,
    });
    process.env[ENV.feedConfig] = config;
    runner = await LocalRunner.create({ ...stack, env: { ...stack.env, [ENV.feedConfig]: config } });
    const table = new TableClient(
      new DynamoDBClient({
        region: LOCAL_REGION,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      }),
      stack.tableNames.main,
    );
    advisories = new DynamoAdvisoryRepository(table);
    enrichment = new DynamoEnrichmentRepository(table);
    watermarks = new DynamoFeedWatermarkRepository(table);
  }, 120_000);

  afterAll(async () => {
    runner?.close();
    await stack?.stop();
    await new Promise((resolve) => server?.close(resolve));
    delete process.env[ENV.feedConfig];
  });

  it('stores the listed documents, reports a 500 without stopping the others, and enriches their CVEs', async () => {
    changes = [
      '"2020/icsma-20-049-01.json","2025-03-01T00:00:00Z"',
      '"2019/icsma-19-164-01.json","2025-02-01T00:00:00Z"',
      '"2017/icsma-17-215-02.json","2025-01-01T00:00:00Z"',
    ];
    failing.add('2019/icsma-19-164-01.json');
    const report = await poll();

    expect(report.errors).toEqual([]);
    const [csaf] = report.directories;
    expect(csaf?.due).toBe(3);
    expect(csaf?.outcomes.map((o) => [o.name, o.status])).toEqual([
      ['2017/icsma-17-215-02.json', 'accepted'],
      ['2020/icsma-20-049-01.json', 'accepted'],
    ]);
    expect(csaf?.failures).toEqual([
      { path: '2019/icsma-19-164-01.json', error: expect.stringMatching(/500 provider hiccup/) },
    ]);
    expect(await advisories.countAll()).toBe(2);
    // The watermark stops before the failed document so it is listed again.
    expect(await watermarks.getFeedWatermark(directory)).toBe('2025-01-01T00:00:00.000Z');

    const stored = await enrichment.getEnrichments(['CVE-2015-1635', 'CVE-2019-0708', 'CVE-2015-1497']);
    expect(stored.get('CVE-2015-1635')?.kev).toMatchObject({
      status: 'listed',
      catalogVersion: '2025.08.25',
    });
    expect(stored.get('CVE-2019-0708')?.kev?.status).toBe('listed');
    expect(stored.get('CVE-2019-0708')?.epss).toMatchObject({ status: 'scored', date: '2025-08-25' });
    // Checked and absent is recorded as such, distinct from never enriched.
    expect(stored.get('CVE-2015-1497')?.kev).toMatchObject({ status: 'not_listed' });
    expect(stored.get('CVE-2015-1497')?.epss?.status).toBe('not_scored');
  }, 40_000);

  it('retries the failed document on the next poll and fetches nothing already processed', async () => {
    failing.clear();
    const before = requested();
    const report = await poll();
    const [csaf] = report.directories;
    // The failed document and the one after it are due again; the one before the watermark is not fetched.
    expect(csaf?.outcomes.map((o) => [o.name, o.status])).toEqual([
      ['2019/icsma-19-164-01.json', 'accepted'],
      ['2020/icsma-20-049-01.json', 'unchanged'],
    ]);
    expect(requested()).toEqual({
      ...before,
      '2019/icsma-19-164-01.json': 2,
      '2020/icsma-20-049-01.json': 2,
    });
    expect(await advisories.countAll()).toBe(3);
    expect(await watermarks.getFeedWatermark(directory)).toBe('2025-03-01T00:00:00.000Z');
    const stored = await enrichment.getEnrichments(['CVE-2019-10962']);
    expect(stored.get('CVE-2019-10962')?.epss).toMatchObject({ status: 'scored', score: expect.any(Number) });

    const again = await poll();
    expect(again.directories[0]?.due).toBe(0);
    expect(requested()).toEqual({
      ...before,
      '2019/icsma-19-164-01.json': 2,
      '2020/icsma-20-049-01.json': 2,
    });
  }, 40_000);

  it('fetches a document newly listed in changes.csv on the next poll, and only that one', async () => {
    const before = requested();
    changes = ['"2017/icsma-17-250-02a.json","2025-04-01T00:00:00Z"', ...changes];
    const report = await poll();
    expect(report.directories[0]?.outcomes.map((o) => [o.name, o.status])).toEqual([
      ['2017/icsma-17-250-02a.json', 'accepted'],
    ]);
    expect(requested()).toEqual({ ...before, '2017/icsma-17-250-02a.json': 1 });
    expect(await advisories.countAll()).toBe(4);
    const stored = await enrichment.getEnrichments(['CVE-2017-12718']);
    expect(stored.get('CVE-2017-12718')?.epss).toMatchObject({ status: 'scored', score: 0.01033 });
  }, 40_000);
});
