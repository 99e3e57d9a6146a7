import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
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
/** The test runner's own colour settings must not leak into the CLI under test. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR', ...extra };
  for (const name of ['FORCE_COLOR', 'NO_COLOR']) if (!(name in extra)) delete env[name];
  return env;
}

function startCli(args: string[]): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: ROOT,
    env: cliEnv({ MEDPATCH_DEBUG_PIDS: '1' }),
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
    expect(JSON.parse(cli.stdout())).toEqual(summary); // --json prints the same summary, and nothing else
    // Not a terminal: progress bars degrade to plain lines on stderr, one per stage at least, no redraws.
    expect(cli.stderr()).toMatch(/^devices: read 5\/5\b/m);
    expect(cli.stderr()).toMatch(/^advisories: documents 2\/2\b/m);
    expect(cli.stderr()).toMatch(/^matching: messages \d+\/\d+\b/m);
    expect(cli.stderr()).toMatch(/^dispatching: messages \d+\/\d+\b/m);
    expect(cli.stderr()).not.toContain('\r');
    expect(cli.stderr()).not.toContain('\u001b[');
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

/** One short CLI invocation that needs no local stack. */
async function medpatch(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', ...args],
      { cwd: ROOT, env: cliEnv(env) },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('medpatch command line (no local stack)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'medpatch-cli-flags-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an unknown command or flag exits 2 with the nearest name and a pointer to --help', async () => {
    const command = await medpatch(['snyc']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "snyc" (did you mean "sync"?)');
    expect(command.stdout).toBe('');

    const flag = await medpatch(['run', '--inventroy', 'x.csv', '--json']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain(
      'unknown flag --inventroy (did you mean --inventory?); see `medpatch run --help`',
    );
    expect(JSON.parse(flag.stdout)).toMatchObject({
      error: { code: 'USAGE', hint: 'see `medpatch run --help`' },
    });
  }, 60_000);

  it('--help of a command lists its flags and exit codes on stdout; --version prints the version', async () => {
    const help = await medpatch(['sync', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--cmms', '--inventory', '--column-map', '--mode', '--rate', '--json', '--no-color'])
      expect(help.stdout).toContain(flag);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 {2}success/);
    const version = await medpatch(['--version']);
    expect(version.stdout.trim()).toBe(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    );
  }, 60_000);

  it('a missing input file exits 1 with a Next: hint; colour only when forced, and NO_COLOR wins', async () => {
    const args = ['run', '--inventory', 'no-such-inventory.csv', '--advisories', ICSMA];
    const piped = await medpatch(args);
    expect(piped.code).toBe(1);
    expect(piped.stderr).toContain('medpatch run: --inventory no-such-inventory.csv: no such file or folder');
    expect(piped.stderr).toMatch(/^Next: check the path/m);
    expect(piped.stderr).not.toContain('\u001b[');

    const forced = await medpatch(args, { FORCE_COLOR: '1' });
    expect(forced.code).toBe(1);
    expect(forced.stderr).toContain('\u001b[31m');

    const both = await medpatch([...args, '--json'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(both.code).toBe(1);
    expect(both.stderr).not.toContain('\u001b[');
    expect(JSON.parse(both.stdout)).toEqual({
      error: {
        message: '--inventory no-such-inventory.csv: no such file or folder',
        hint: expect.stringContaining('check the path'),
        code: 'FILE_NOT_FOUND',
      },
    });
  }, 60_000);

  it('--json prints exactly one JSON document on stdout for each command that needs no stack', async () => {
    const store = join(dir, 'validations.json');
    const csv = join(dir, 'patches.csv');
    writeFileSync(
      csv,
      'manufacturer,product,versions,patch_id,status,date,reference\nBD,Alaris PC Unit,9.33.1,PATCH-1,VALIDATED,2026-01-02,BD-PORTAL-1\n',
    );
    const runs = await Promise.all([
      medpatch(['advisories', 'import', TWO_ADVISORIES[0] ?? '', '--json']),
      medpatch([
        ...['advisories', 'add', '--id', 'LTR-1', '--title', 'Letter', '--kind', 'manufacturer_letter'],
        ...[
          '--publisher',
          'BD',
          '--manufacturer',
          'BD',
          '--product',
          'Alaris PC Unit',
          '--into',
          dir,
          '--json',
        ],
      ]),
      medpatch(['validations', 'import', csv, '--file', store, '--json']),
      medpatch(['report', 'procurement', '--inventory', INVENTORY, '--json']),
    ]);
    for (const { code, stdout, stderr } of runs) {
      expect(code, stderr).toBe(0);
      expect(stdout.trim().split('\n'), stdout).toHaveLength(1);
      expect(() => JSON.parse(stdout), stdout).not.toThrow();
    }
    const [imported, added, validations, procurement] = runs.map((r) => JSON.parse(r.stdout) as object);
    expect(imported).toMatchObject({ summary: { documents: 1, accepted: 1 } });
    expect(added).toMatchObject({ advisoryId: 'LTR-1', written: true });
    expect(validations).toMatchObject({ created: 1, rejected: 0 });
    expect(procurement).toHaveProperty('modelsWithoutProfile');
    // list reads what import recorded (run after it: both use the same store)
    const list = await medpatch(['validations', 'list', '--file', store, '--json']);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ status: 'VALIDATED', patchId: 'PATCH-1' }),
    ]);
  }, 60_000);
});
