import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_BUDGET_BYTES, type HandlerBundle, synthesizeHandlerBundles } from '../../infra/bundles';
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

  it(`keeps every handler bundle within ${BUNDLE_BUDGET_BYTES / 1_000_000} MB, with no exception`, () => {
    const over = bundles
      .filter((bundle) => bundle.bytes > BUNDLE_BUDGET_BYTES)
      .map((bundle) => `${bundle.key}: ${bundle.bytes} bytes`);

    expect(over).toEqual([]);
  });

  it('carries the CSAF validator only in csaf-validator; the readers of documents invoke it', () => {
    const schemaId = 'https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json?strict';
    const carrying = bundles.filter((b) => readFileSync(b.file, 'utf8').includes(schemaId)).map((b) => b.key);
    expect(carrying).toEqual(['csafValidator']);
    for (const key of ['advisoryIngest', 'feedPoll'] as const) {
      // The Invoke operation's path (Lambda's API version): the function's LambdaClient call is in the bundle.
      const text = readFileSync(bundles.find((b) => b.key === key)?.file ?? '', 'utf8');
      expect(text.includes('/2015-03-31/functions/{FunctionName}/invocations'), key).toBe(true);
    }
  });

  it('runs the minified csaf-validator bundle: verdicts labelled by test, refusals by errorType', () => {
    const bundle = bundles.find((b) => b.key === 'csafValidator');
    const corpus = readFileSync(join(REPO_ROOT, 'data/csaf/icsma/icsma-20-049-01.json'), 'utf8');
    const doc = JSON.parse(corpus) as { document: Record<string, unknown> };
    // Run as Lambda would: a fresh Node process importing the deployed file.
    const script = `
      const { handler } = await import(${JSON.stringify(bundle?.file)});
      const doc = JSON.parse(await new Response(process.stdin).text());
      const valid = await handler({ document: doc });
      const invalid = await handler({ document: { ...doc, document: { ...doc.document, lang: 'xx', category: 7 } } });
      const refused = await handler({ document: 'text' }).then(() => null, (e) => e.name);
      console.log(JSON.stringify({ valid, invalid, refused }));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      input: JSON.stringify(doc),
      encoding: 'utf8',
    });
    const result = JSON.parse(output) as {
      valid: { errors: string[] };
      invalid: { errors: string[] };
      refused: string | null;
    };

    expect(result.valid.errors).toEqual([]);
    expect(result.invalid.errors).toContain(
      '/document/lang: is not a valid language-tag (mandatory test 6.1.12)',
    );
    expect(result.invalid.errors).toContain('/document/category: must be string (schema)');
    expect(result.refused).toBe('CsafDocumentRefused');
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
});
