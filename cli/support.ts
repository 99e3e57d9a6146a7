import { resolve } from 'node:path';
import type { PipelineResult } from '../local/pipeline';
import { LocalRunner } from '../local/runner';
import { type LocalStack, startLocalStack } from '../local/stack';

/** A wrong flag or argument: exit code 2 and a pointer to --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A `medpatch <name>` subcommand: a module in cli/commands/ exporting `command`. */
export interface CliCommand {
  summary: string;
  help: string;
  /** Returns the exit code: 0 success, 1 failure (2 is raised as UsageError). */
  run(args: readonly string[]): Promise<number>;
}

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const DEFAULT_ADVISORIES = resolve(REPO_ROOT, 'data/csaf/icsma');
export const DEFAULT_KEV = resolve(REPO_ROOT, 'data/kev/known_exploited_vulnerabilities.json');
export const DEMO_VALIDATIONS = resolve(REPO_ROOT, 'data/demo/validations.csv');

/** Starts the local stack, and stops it on success, failure, Ctrl-C or SIGTERM (no orphan java process). */
export async function withLocalStack(
  options: Parameters<typeof startLocalStack>[0],
  body: (stack: LocalStack, runner: LocalRunner) => Promise<number>,
): Promise<number> {
  console.error('Starting the local stack (DynamoDB Local, fauxqs, ServiceNow simulator)…');
  const stack = await startLocalStack(options);
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\nmedpatch: ${signal}, stopping the local stack…`);
    void stack.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let runner: LocalRunner | undefined;
  try {
    runner = await LocalRunner.create(stack);
    return await body(stack, runner);
  } finally {
    runner?.close();
    await stack.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function progressLine(): (line: string) => void {
  const started = Date.now();
  return (line) => console.error(`  [${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
}

export function printSummary(
  result: PipelineResult,
  outDir: string,
  asJson: boolean,
  cmmsLine: string,
): void {
  const s = result.summary;
  if (asJson) {
    console.log(JSON.stringify(s));
    return;
  }
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  console.log(
    [
      '',
      'MedPatch run summary',
      `  devices synced       ${s.devices.read} read, ${s.devices.written} written, ${s.devices.unchanged} unchanged, ${s.devices.rejected} rejected`,
      `  advisories ingested  ${s.advisories.accepted} accepted, ${s.advisories.unchanged} unchanged, ${s.advisories.rejected} rejected (of ${s.advisories.documents})`,
      `  validations          ${s.validations.loaded} loaded, ${s.validations.rejected} rejected; KEV ${s.kevEntries} CVEs`,
      `  findings             ${s.findings.total}: ${list(s.findings.byConfidence)}`,
      `  decisions            ${list(s.findings.byDecision)}`,
      `  work orders          ${s.workOrders.total}: ${list(s.workOrders.byKind)} (${s.workOrders.dispatched} in the CMMS)`,
      `  alerts               ${s.alerts}`,
      `  ${cmmsLine}`,
      `  output               ${resolve(outDir)} (findings.json, work-orders.json, alerts.json, summary.json)`,
      `  took                 ${s.seconds} s`,
    ].join('\n'),
  );
}
