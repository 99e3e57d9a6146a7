import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { PipelineInput, PipelineResult, PipelineStage } from '../local/pipeline';
import { LocalRunner } from '../local/runner';
import { type LocalStack, startLocalStack } from '../local/stack';
import { describeFailure } from './failure';
import type { Output, ProgressBar } from './output';

export { CliError, fileNotFound, UsageError } from './failure';

/** A `medpatch <name>` subcommand: a module in cli/commands/ exporting `command`. */
export interface CliCommand {
  summary: string;
  help: string;
  /** The command's own flags (the common ones are added by parseCommandLine); --help lists every one of them. */
  options: NonNullable<ParseArgsConfig['options']>;
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
  out: Output,
  body: (stack: LocalStack, runner: LocalRunner) => Promise<number>,
): Promise<number> {
  out.info('Starting the local stack (DynamoDB Local, fauxqs, ServiceNow simulator)…');
  const stack = await startLocalStack(options);
  const onSignal = (signal: NodeJS.Signals) => {
    out.warn(`\nmedpatch: ${signal}, stopping the local stack…`);
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

/** Prints a failure (message, Next: hint, --json error document) and returns its exit code. */
export function reportFailure(out: Output, error: unknown, command?: string): number {
  const failure = describeFailure(error, command);
  out.error(failure, `medpatch${command ? ` ${command}` : ''}`);
  if (process.env.MEDPATCH_DEBUG === '1' && error instanceof Error && error.stack) out.warn(error.stack);
  return failure.exitCode;
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
}

const STAGE_LABELS: Record<PipelineStage, { label: string; unit: string }> = {
  sync: { label: 'devices', unit: 'read' },
  ingest: { label: 'advisories', unit: 'documents' },
  match: { label: 'matching', unit: 'messages' },
  prioritize: { label: 'prioritizing', unit: 'messages' },
  dispatch: { label: 'dispatching', unit: 'messages' },
};

/**
 * The pipeline's log lines (timestamped notes) and a progress bar per stage. A bar is finished when a later stage
 * starts (matching, prioritizing and dispatching run side by side and finish together), or by `finish()`.
 */
export function pipelineReporting(out: Output): {
  log: NonNullable<PipelineInput['log']>;
  onProgress: NonNullable<PipelineInput['onProgress']>;
  finish(): void;
} {
  const started = Date.now();
  const bars = new Map<PipelineStage, ProgressBar>();
  const drainStages: readonly PipelineStage[] = ['match', 'prioritize', 'dispatch'];
  const finishExcept = (keep: readonly PipelineStage[]) => {
    for (const [stage, bar] of bars) {
      if (keep.includes(stage)) continue;
      bar.done();
      bars.delete(stage);
    }
  };
  return {
    log: (line) => out.info(`  [${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`),
    onProgress: (stage, done, total) => {
      finishExcept(drainStages.includes(stage) ? drainStages : [stage]);
      let bar = bars.get(stage);
      if (!bar) {
        bar = out.progress(STAGE_LABELS[stage].label, { total, unit: STAGE_LABELS[stage].unit });
        bars.set(stage, bar);
      }
      bar.update(done, { total });
    },
    finish: () => finishExcept([]),
  };
}

export function printSummary(result: PipelineResult, outDir: string, out: Output, cmmsLine: string): void {
  const s = result.summary;
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const st = out.style;
  out.result(s, () =>
    [
      '',
      st.bold('MedPatch run summary'),
      `  devices synced       ${s.devices.read} read, ${s.devices.written} written, ${s.devices.unchanged} unchanged, ${s.devices.rejected} rejected`,
      `  advisories ingested  ${s.advisories.accepted} accepted, ${s.advisories.unchanged} unchanged, ${s.advisories.rejected} rejected (of ${s.advisories.documents})`,
      `  validations          ${s.validations.loaded} loaded, ${s.validations.rejected} rejected; KEV ${s.kevEntries} CVEs`,
      `  findings             ${s.findings.total}: ${list(s.findings.byConfidence)}`,
      `  decisions            ${list(s.findings.byDecision)}`,
      `  work orders          ${s.workOrders.total}: ${list(s.workOrders.byKind)} (${s.workOrders.dispatched} in the CMMS)`,
      `  alerts               ${s.alerts}`,
      `  ${cmmsLine}`,
      `  output               ${resolve(outDir)} (findings.json, work-orders.json, alerts.json, summary.json)`,
      `  report               ${resolve(result.reportFile)}`,
      `  took                 ${s.seconds} s`,
    ].join('\n'),
  );
}

/** Rejected inputs of a run, named with file and place, on stderr (the summary only counts them). */
export function warnRejections(result: PipelineResult, out: Output, validationsFile?: string): void {
  for (const rejected of result.rejectedDevices)
    out.warn(`  device rejected ${rejected.recordId}: ${rejected.message}`);
  for (const e of result.validationErrors)
    out.warn(
      `  validation rejected ${validationsFile ?? ''}${e.line ? `:${e.line}` : ''}${e.column ? ` [${e.column}]` : ''}: ${e.message}`,
    );
  const rejectedAdvisories = result.advisoryOutcomes.filter((o) => o.status === 'rejected');
  for (const o of rejectedAdvisories)
    out.warn(`  advisory rejected ${o.name}: ${o.errors.slice(0, 3).join('; ')}`);
  if (rejectedAdvisories.length > 0)
    out.warn(
      `${out.errStyle.bold('Next:')} \`medpatch advisories import ${rejectedAdvisories[0]?.name ?? 'FILE'}\` shows the full validation report of a document`,
    );
}
