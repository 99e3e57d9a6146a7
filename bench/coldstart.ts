/**
 * `npm run bench:coldstart`: how long each handler's deployed bundle takes to load in a fresh Node process —
 * the module-scope part of a Lambda cold start (parsing the bundle, building SDK clients and the composition
 * root). Each run imports the bundle in a new process and times the `import()` alone; the baseline is the same
 * measurement on an empty module in the same run, so the ratio is comparable across machines.
 *
 * Prints one JSON line and writes it to bench/results/coldstart.json. RUNS (default 15) sets the runs per module.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_BUDGET_BYTES, synthesizeHandlerBundles } from '../infra/bundles';
import { median } from './stats';

const RUNS = Number(process.env.RUNS ?? 15);
const RESULTS = resolve(dirname(fileURLToPath(import.meta.url)), 'results', 'coldstart.json');

/** Loads `file` in a fresh process and returns the milliseconds the import took. */
function timeImport(file: string, environment: Record<string, string>): number {
  const script =
    'const t0 = performance.now();' +
    `await import(${JSON.stringify(`file://${file}`)});` +
    'process.stdout.write(String(performance.now() - t0));';
  const output = execFileSync(process.execPath, ['--input-type=module', '--eval', script], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      ...environment,
    },
    encoding: 'utf8',
  });
  return Number(output);
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

const outdir = mkdtempSync(join(tmpdir(), 'medpatch-coldstart-'));
try {
  const bundles = synthesizeHandlerBundles(outdir);
  const empty = join(outdir, 'empty.mjs');
  writeFileSync(empty, 'export {};\n');

  // Interleave the modules run by run, so a slow moment of a shared machine hits all of them alike.
  const samples = new Map<string, number[]>([
    ['baseline', []],
    ...bundles.map((b) => [b.key, []] as [string, number[]]),
  ]);
  for (let run = 0; run < RUNS; run++) {
    samples.get('baseline')?.push(timeImport(empty, {}));
    for (const bundle of bundles) samples.get(bundle.key)?.push(timeImport(bundle.file, bundle.environment));
  }

  const baselineMs = median(samples.get('baseline') ?? []);
  const handlers = Object.fromEntries(
    bundles.map((bundle) => {
      const medianMs = median(samples.get(bundle.key) ?? []);
      return [
        bundle.key,
        {
          bytes: bundle.bytes,
          withinBudget: bundle.bytes <= BUNDLE_BUDGET_BYTES,
          medianMs: round(medianMs),
          ratioToEmptyModule: round(medianMs / baselineMs, 1),
        },
      ];
    }),
  );
  const result = {
    bench: 'coldstart',
    what: 'median import() time of each deployed handler bundle in a fresh node process',
    runs: RUNS,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    budgetBytes: BUNDLE_BUDGET_BYTES,
    baselineEmptyModuleMs: round(baselineMs, 3),
    handlers,
  };
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result));
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
