import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_BUDGET_BYTES,
  BUNDLE_BUDGET_EXCEPTIONS,
  type HandlerBundle,
  synthesizeHandlerBundles,
} from '../../infra/bundles';
import { FUNCTIONS } from '../../shared/topology';

const outdir = mkdtempSync(join(tmpdir(), 'medpatch-bundles-'));
let bundles: HandlerBundle[];

beforeAll(() => {
  bundles = synthesizeHandlerBundles(outdir);
  // The sizes are the point of this file: print them with every run.
  console.log(
    bundles.map((b) => `${b.key.padEnd(18)} ${(b.bytes / 1000).toFixed(1).padStart(8)} kB`).join('\n'),
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
