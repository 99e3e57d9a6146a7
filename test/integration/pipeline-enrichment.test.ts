import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../local/pipeline';
import { LocalRunner } from '../../local/runner';
import { type LocalStack, startLocalStack } from '../../local/stack';

const ROOT = resolve(import.meta.dirname, '../..');
const XTR_ADVISORY = join(ROOT, 'data/csaf/icsma/icsma-20-049-01.json'); // Spacelabs XTR, CVE-2019-0708
const EPSS = join(ROOT, 'test/fixtures/enrichment/epss_scores-2025-08-25.csv'); // CVE-2019-0708 scored 0.94
const KEV = join(ROOT, 'data/kev/known_exploited_vulnerabilities.json');

describe('medpatch run with KEV and EPSS feeds', () => {
  let stack: LocalStack;
  let runner: LocalRunner;
  let outDir: string;
  const csvText = readFileSync(join(ROOT, 'test/fixtures/small-inventory.csv'), 'utf8');

  const exploitationOfXtr = async (feeds: { kevFile?: string; epssFile?: string }) => {
    await stack.resetStore();
    const result = await runPipeline(stack, runner, {
      devices: { kind: 'inventory', csvText },
      advisoryPaths: [XTR_ADVISORY],
      ...feeds,
      outDir,
    });
    const finding = result.findings.find((f) => f.assetTag === 'SMALL-0001');
    if (!finding) throw new Error('the Spacelabs XTR 96280 v1.0.2 should be a finding of ICSMA-20-049-01');
    const findings = JSON.parse(readFileSync(join(outDir, 'findings.json'), 'utf8')) as {
      assetTag: string;
    }[];
    expect(findings.some((f) => f.assetTag === 'SMALL-0001')).toBe(true);
    return { decision: finding.decision, score: finding.score, reason: finding.reason };
  };

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'medpatch-enrichment-'));
    stack = await startLocalStack({
      servicenow: false,
      cmms: { kind: 'outbox', baseUrl: `file://${join(outDir, 'outbox')}`, username: '', password: '' },
    });
    runner = await LocalRunner.create(stack);
  }, 120_000);

  afterAll(async () => {
    runner?.close();
    await stack?.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('scores a CVE with a high EPSS above the same finding without feeds, and KEV above both', async () => {
    const none = await exploitationOfXtr({});
    const epss = await exploitationOfXtr({ epssFile: EPSS });
    const kev = await exploitationOfXtr({ kevFile: KEV, epssFile: EPSS });

    expect(epss.score ?? 0).toBeGreaterThan(none.score ?? 0);
    expect(kev.score ?? 0).toBeGreaterThan(epss.score ?? 0);
    const order = ['IMMEDIATE', 'OUT_OF_CYCLE', 'SCHEDULED', 'DEFER'];
    expect(order.indexOf(kev.decision ?? 'DEFER')).toBeLessThanOrEqual(
      order.indexOf(epss.decision ?? 'DEFER'),
    );
  }, 300_000);
});
