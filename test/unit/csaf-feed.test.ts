import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InProcessCsafValidator } from '../../shared/adapters/csaf/in-process-csaf-validator';
import { FeedConfig, pollFeeds } from '../../shared/application/poll-feeds';
import type { CsafValidator } from '../../shared/application/ports';
import {
  changesCsvUrl,
  changesSince,
  documentUrl,
  nextWatermark,
  parseChangesCsv,
} from '../../shared/domain/csaf-feed';
import { TransientError } from '../../shared/errors';
import { csafFiles } from './csaf-fixtures';

const change = (path: string, changedAt: string) => ({ path, changedAt });

describe('CSAF changes.csv (CSAF 2.0 §7.1.16)', () => {
  it('reads quoted path / timestamp lines, normalizes timestamps to UTC and keeps the newest change per path', () => {
    const csv = [
      '"2025/icsma-25-001-01.json","2025-01-02T10:00:00+01:00"',
      '"2024/icsma-24-100-01.json","2024-04-10T08:00:00Z"',
      '"2025/icsma-25-001-01.json","2024-12-31T00:00:00Z"',
      '',
    ].join('\r\n');
    const result = parseChangesCsv(csv);
    expect(result.rejected).toEqual([]);
    expect(result.changes).toEqual([
      change('2025/icsma-25-001-01.json', '2025-01-02T09:00:00.000Z'),
      change('2024/icsma-24-100-01.json', '2024-04-10T08:00:00.000Z'),
    ]);
  });

  it('rejects bad lines with their line number and keeps the valid rest', () => {
    const csv = [
      '"ok.json","2025-01-01T00:00:00Z"',
      '"../escape.json","2025-01-01T00:00:00Z"',
      '"https://evil.example/x.json","2025-01-01T00:00:00Z"',
      '"notes.txt","2025-01-01T00:00:00Z"',
      '"late.json","yesterday"',
      'garbage',
    ].join('\n');
    const result = parseChangesCsv(csv);
    expect(result.changes.map((c) => c.path)).toEqual(['ok.json']);
    expect(result.rejected).toHaveLength(5);
    expect(result.rejected[0]).toMatch(/line 2: .*leaves the directory/);
    expect(result.rejected[1]).toMatch(/line 3: .*not a relative path/);
    expect(result.rejected[2]).toMatch(/line 4: .*not a \.json document/);
    expect(result.rejected[3]).toMatch(/line 5: "yesterday" is not an ISO 8601 timestamp/);
    expect(result.rejected[4]).toMatch(/line 6: expected/);
  });

  it('selects only changes strictly after the watermark, oldest first', () => {
    const changes = [
      change('c.json', '2025-03-01T00:00:00.000Z'),
      change('b.json', '2025-02-01T00:00:00.000Z'),
      change('a.json', '2025-01-01T00:00:00.000Z'),
    ];
    expect(changesSince(changes, null).map((c) => c.path)).toEqual(['a.json', 'b.json', 'c.json']);
    expect(changesSince(changes, '2025-02-01T00:00:00.000Z').map((c) => c.path)).toEqual(['c.json']);
  });

  it('moves the watermark only up to the newest processed change older than the first failure', () => {
    const a = change('a.json', '2025-01-01T00:00:00.000Z');
    const b = change('b.json', '2025-02-01T00:00:00.000Z');
    const c = change('c.json', '2025-03-01T00:00:00.000Z');
    expect(nextWatermark(null, [a, b, c], [])).toBe(c.changedAt);
    expect(nextWatermark(null, [a, c], [b])).toBe(a.changedAt);
    expect(nextWatermark(null, [c], [a])).toBeNull();
    expect(nextWatermark('2025-01-15T00:00:00.000Z', [c], [b])).toBe('2025-01-15T00:00:00.000Z');
  });

  it('resolves document paths against the directory URL with or without a trailing slash', () => {
    expect(documentUrl('http://h/csaf/white', '2025/x.json')).toBe('http://h/csaf/white/2025/x.json');
    expect(documentUrl('http://h/csaf/white/', '2025/x.json')).toBe('http://h/csaf/white/2025/x.json');
  });
});

describe('pollFeeds with the default (empty) feed configuration', () => {
  it('fetches nothing, stores nothing and reports no work', async () => {
    const touched: string[] = [];
    const fail = (what: string) => async () => {
      touched.push(what);
      throw new Error(`${what} must not be called`);
    };
    const config = FeedConfig.parse(JSON.parse('{"csafDirectories":[]}'));
    const report = await pollFeeds(
      {
        fetcher: { fetchText: fail('fetch') },
        watermarks: { getFeedWatermark: fail('watermark get'), setFeedWatermark: fail('watermark set') },
        ingest: {
          advisories: { saveIfNewer: fail('save') } as never,
          matchQueue: { send: fail('match queue') },
          csafValidator: { validate: fail('validator') },
        },
        enrich: {
          enrichment: {} as never,
          findings: { listAll: fail('findings') } as never,
          prioritizeQueue: { send: fail('prioritize queue') },
        },
      },
      config,
      { actor: 'test', reason: 'test' },
    );
    expect(report).toEqual({ directories: [], errors: [] });
    expect(touched).toEqual([]);
  });

  it('rejects a configuration whose feed is not a URL, naming the field', () => {
    const parsed = FeedConfig.safeParse({ csafDirectories: ['not a url'] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['csafDirectories', 0]);
  });
});

describe('pollFeeds while the CSAF validator cannot be reached', () => {
  it('keeps the document due (watermark unmoved, nothing stored) and stores it once the validator answers', async () => {
    const directory = 'https://feeds.example/csaf/white';
    const doc = readFileSync(csafFiles('icsma')[0] as string, 'utf8');
    const files: Record<string, string> = {
      [changesCsvUrl(directory)]: '"2025/a.json","2025-01-02T00:00:00Z"\n',
      [documentUrl(directory, '2025/a.json')]: doc,
    };
    const watermarks = new Map<string, string>();
    const stored: string[] = [];
    let validator: CsafValidator = {
      validate: async () => {
        throw new TransientError('CSAF validator function medpatch-csafValidator not reachable (throttled)');
      },
    };
    const unused = async () => {
      throw new Error('no enrichment feed is configured');
    };
    const poll = () =>
      pollFeeds(
        {
          fetcher: { fetchText: async (url) => files[url] ?? Promise.reject(new Error(`404 ${url}`)) },
          watermarks: {
            getFeedWatermark: async (feed) => watermarks.get(feed) ?? null,
            setFeedWatermark: async (feed, value) => void watermarks.set(feed, value),
          },
          ingest: {
            advisories: {
              saveIfNewer: async (advisory: { advisoryId: string }) => stored.push(advisory.advisoryId) > 0,
            } as never,
            matchQueue: { send: async () => undefined },
            csafValidator: { validate: (document) => validator.validate(document) },
          },
          enrich: {
            enrichment: {} as never,
            findings: { listAll: unused } as never,
            prioritizeQueue: { send: unused },
          },
        },
        { csafDirectories: [directory] },
        { actor: 'test', reason: 'test' },
      );

    const first = await poll();
    expect(first.directories[0]?.failures).toEqual([
      { path: '2025/a.json', error: expect.stringMatching(/CSAF validator function .* not reachable/) },
    ]);
    expect(first.directories[0]?.outcomes).toEqual([]);
    expect(watermarks.size).toBe(0);
    expect(stored).toEqual([]);

    validator = new InProcessCsafValidator();
    const second = await poll();
    expect(second.directories[0]?.outcomes.map((o) => o.status)).toEqual(['accepted']);
    expect(stored).toHaveLength(1);
    expect(watermarks.get(directory)).toBe('2025-01-02T00:00:00.000Z');
  });
});
