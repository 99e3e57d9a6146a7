import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning } from './support/processes';

const ROOT = resolve(import.meta.dirname, '../..');
const INVENTORY = join(ROOT, 'test/fixtures/small-inventory.csv');
const ICSMA = join(ROOT, 'data/csaf/icsma');
const TWO_ADVISORIES = ['icsma-20-049-01.json', 'icsma-17-082-01.json'].map((file) => join(ICSMA, file));

interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stderr contains the text. */
  waitFor: (text: string) => Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `medpatch run` as its own process (node + tsx, no npx/npm wrapper in between, so a signal reaches the CLI
 * itself). MEDPATCH_DEBUG_PIDS=1 makes it print the DynamoDB Local pid, which this test then checks — scoped to
 * this run, whatever java other people's tests have running.
 */
function startCli(args: string[]): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, MEDPATCH_DEBUG_PIDS: '1', POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { text: string; done: () => void }[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    for (const waiter of waiters.splice(0)) {
      if (err.includes(waiter.text)) waiter.done();
      else waiters.push(waiter);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (text) =>
      new Promise((done, fail) => {
        if (err.includes(text)) return done();
        waiters.push({ text, done });
        void exited.then(() => fail(new Error(`CLI exited before printing "${text}":\n${err}`)));
      }),
    exited,
  };
}

function dynamoPid(stderr: string): number {
  const match = /DynamoDB Local pid (\d+)/.exec(stderr);
  if (!match) throw new Error(`no DynamoDB Local pid in the CLI output:\n${stderr}`);
  return Number(match[1]);
}

describe('medpatch run as a child process', () => {
  let outDir: string;
  const started: ChildProcess[] = [];

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'medpatch-cli-'));
  });

  afterAll(() => {
    for (const child of started)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(outDir, { recursive: true, force: true });
  });

  it('runs a small inventory against two advisories, writes the output files and leaves no java behind', async () => {
    const out = join(outDir, 'small');
    const cli = startCli([
      'run',
      '--inventory',
      INVENTORY,
      ...TWO_ADVISORIES.flatMap((f) => ['--advisories', f]),
      '--out',
      out,
      '--json',
    ]);
    started.push(cli.child);
    const { code } = await cli.exited;

    expect(code, cli.stderr()).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      devices: { read: number; written: number; rejected: number };
      advisories: { accepted: number };
      workOrders: { total: number };
    };
    expect(summary.devices).toMatchObject({ read: 5, written: 5, rejected: 0 });
    expect(summary.advisories.accepted).toBe(2);
    expect(JSON.parse(cli.stdout())).toEqual(summary); // --json prints the same summary
    const findings = JSON.parse(readFileSync(join(out, 'findings.json'), 'utf8')) as { assetTag: string }[];
    // Spacelabs XTR 96280 v1.0.2 (ICSMA-20-049-01) and BD PerformA 2.0.13.0 (ICSMA-17-082-01) are affected.
    expect(findings.map((f) => f.assetTag)).toEqual(expect.arrayContaining(['SMALL-0001', 'SMALL-0003']));
    expect(findings.map((f) => f.assetTag)).not.toContain('SMALL-0005');
    const workOrders = JSON.parse(readFileSync(join(out, 'work-orders.json'), 'utf8')) as unknown[];
    expect(workOrders).toHaveLength(summary.workOrders.total);
    expect(existsSync(join(out, 'alerts.json'))).toBe(true);
    expect(existsSync(join(out, 'cmms-outbox/work-order-outbox.json'))).toBe(true);

    const pid = dynamoPid(cli.stderr());
    expect(isRunning(pid)).toBe(false);
  }, 60_000);

  it('Ctrl-C during the run stops the local stack and exits 130', async () => {
    const cli = startCli([
      'run',
      '--inventory',
      INVENTORY,
      '--advisories',
      ICSMA,
      '--out',
      join(outDir, 'sigint'),
    ]);
    started.push(cli.child);
    // The first progress line is printed once the stack is up and the pipeline has begun.
    await cli.waitFor('devices:');
    cli.child.kill('SIGINT');
    const { code } = await cli.exited;

    expect(code, cli.stderr()).toBe(130);
    expect(cli.stderr()).toContain('SIGINT, stopping the local stack');
    expect(isRunning(dynamoPid(cli.stderr()))).toBe(false);
  }, 60_000);

  it('Ctrl-C while the stack is still starting ends the CLI and leaves no java behind', async () => {
    const cli = startCli([
      'run',
      '--inventory',
      INVENTORY,
      '--advisories',
      ICSMA,
      '--out',
      join(outDir, 'early'),
    ]);
    started.push(cli.child);
    await cli.waitFor('DynamoDB Local pid');
    cli.child.kill('SIGINT');
    const { code, signal } = await cli.exited;

    // Ended by the signal itself (nobody handled it yet) or by the CLI's handler (130): either way, by Ctrl-C.
    expect(signal === 'SIGINT' || code === 130, `code ${code} signal ${signal}\n${cli.stderr()}`).toBe(true);
    expect(isRunning(dynamoPid(cli.stderr()))).toBe(false);
  }, 60_000);
});
