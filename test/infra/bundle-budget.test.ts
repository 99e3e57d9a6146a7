import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_BUDGET_BYTES,
  BUNDLE_BUDGET_EXCEPTIONS,
  type HandlerBundle,
  synthesizeHandlerBundles,
} from '../../infra/bundles';
import { REPO_ROOT } from '../../infra/stack';
import { FUNCTIONS, type FunctionDeclaration } from '../../shared/topology';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const outdir = mkdtempSync(join(tmpdir(), 'medpatch-bundles-'));
let bundles: HandlerBundle[];

beforeAll(() => {
  bundles = synthesizeHandlerBundles(outdir);
  // The sizes are the point of this file: print them with every run.
  console.log(
    bundles
      .flatMap((b) => [
        `${b.key.padEnd(18)} ${(b.bytes / 1000).toFixed(1).padStart(8)} kB`,
        // Files shipped beside the bundle (not bundled, not in the budget), one line each.
        ...b.assetFiles.map(
          (a) =>
            `${''.padEnd(18)} ${a.bytes === null ? 'missing'.padStart(8) : (a.bytes / 1000).toFixed(1).padStart(8)} kB  + ${a.name} (asset file, beside index.mjs)`,
        ),
      ])
      .join('\n'),
  );
}, 300_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('Lambda bundles', () => {
  it('builds one minified ESM bundle per declared function', () => {
    expect(bundles.map((b) => b.key).sort()).toEqual(Object.keys(FUNCTIONS).sort());
    for (const bundle of bundles) expect(bundle.bytes, bundle.key).toBeGreaterThan(10_000);
  });

  it(`keeps every handler bundle within ${BUNDLE_BUDGET_BYTES / 1_000_000} MB, except the named debts`, () => {
    const over = bundles
      .filter((bundle) => !BUNDLE_BUDGET_EXCEPTIONS[bundle.key] && bundle.bytes > BUNDLE_BUDGET_BYTES)
      .map((bundle) => `${bundle.key}: ${bundle.bytes} bytes`);

    expect(over).toEqual([]);
  });

  it('ships every declared bundledFile beside index.mjs, byte-identical to its source, and keeps it out of the bundle', () => {
    for (const bundle of bundles) {
      const declared: readonly string[] = (FUNCTIONS[bundle.key] as FunctionDeclaration).bundledFiles ?? [];
      expect(
        bundle.assetFiles.map((a) => a.name),
        bundle.key,
      ).toEqual(declared.map((path) => basename(path)));
      for (const [index, asset] of bundle.assetFiles.entries()) {
        const source = resolve(REPO_ROOT, declared[index] ?? '');
        expect(asset.bytes, `${bundle.key}: ${asset.name} missing from ${dirname(asset.file)}`).toBe(
          statSync(source).size,
        );
        expect(sha256(readFileSync(asset.file)), asset.name).toBe(sha256(readFileSync(source)));
      }
    }
    // The report function inlines ECharts into each report but reads it from the asset: the library's own
    // header comment must not be in the bundle.
    const report = bundles.find((b) => b.key === 'postureReport');
    expect(report?.assetFiles.map((a) => a.name)).toEqual(['echarts.common.min.js']);
    expect(readFileSync(report?.file ?? '', 'utf8')).not.toContain(
      'Licensed to the Apache Software Foundation',
    );
  });

  it('keeps each over-budget bundle under its ceiling, and drops the exception once it fits', () => {
    for (const [key, exception] of Object.entries(BUNDLE_BUDGET_EXCEPTIONS)) {
      const bundle = bundles.find((b) => b.key === key);
      expect(bundle, `${key} is not a function any more: remove its exception`).toBeDefined();
      expect(bundle?.bytes, `${key} grew past its ceiling`).toBeLessThanOrEqual(exception?.maxBytes ?? 0);
      expect(bundle?.bytes, `${key} meets the budget now: remove its exception`).toBeGreaterThan(
        BUNDLE_BUDGET_BYTES,
      );
    }
  });
});
