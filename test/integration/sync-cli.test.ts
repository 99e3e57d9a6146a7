import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { command, formatProgress, progressRenderer } from '../../cli/commands/sync';
import { UsageError } from '../../cli/support';
import { type ServiceNowSimulator, startServiceNowSimulator } from '../../local/servicenow-sim/index';
import { seedDevices } from '../contract/cmms-connector.contract';
import { ServiceNowSeeder } from '../contract/servicenow-harness';

describe('medpatch sync: progress line', () => {
  it('shows read/total, written, unchanged, rejected, rate and ETA', () => {
    expect(
      formatProgress({
        read: 2500,
        written: 2000,
        unchanged: 400,
        rejected: 100,
        elapsedMs: 5000,
        total: 10_000,
      }),
    ).toBe('read 2,500/10,000 · written 2,000 · unchanged 400 · rejected 100 · 500/s · ETA 15s');
    expect(
      formatProgress({ read: 10, written: 1, unchanged: 9, rejected: 0, elapsedMs: 1000, total: null }),
    ).toBe('read 10 · written 1 · unchanged 9 · rejected 0 · 10/s');
  });

  it('rewrites one line on a terminal and prints throttled plain lines elsewhere', () => {
    let t = 0;
    const p = (read: number) => ({
      read,
      written: read,
      unchanged: 0,
      rejected: 0,
      elapsedMs: 1000,
      total: null,
    });
    const tty = {
      isTTY: true,
      out: '',
      write(s: string) {
        this.out += s;
      },
    };
    const ttyRenderer = progressRenderer(tty, { now: () => t });
    ttyRenderer.update(p(1));
    t += 200;
    ttyRenderer.update(p(2));
    ttyRenderer.done(p(3));
    expect(tty.out.split('\r\u001b[2K').filter(Boolean)).toHaveLength(3);
    expect(tty.out.endsWith('\n')).toBe(true);

    const plain = {
      out: '',
      write(s: string) {
        this.out += s;
      },
    };
    t = 0;
    const plainRenderer = progressRenderer(plain, { now: () => t, plainEveryMs: 5000 });
    plainRenderer.update(p(1));
    t += 1000;
    plainRenderer.update(p(2)); // throttled
    t += 5000;
    plainRenderer.update(p(3));
    plainRenderer.done(p(3)); // same counts: not repeated
    expect(plain.out).not.toContain('\r');
    expect(plain.out.trim().split('\n')).toEqual([
      'sync: read 1 · written 1 · unchanged 0 · rejected 0 · 1/s',
      'sync: read 3 · written 3 · unchanged 0 · rejected 0 · 3/s',
    ]);
  });
});

describe('medpatch sync against the ServiceNow simulator and a CSV (embedded local stack)', () => {
  let sim: ServiceNowSimulator;
  let directory: string;
  const saved = { ...process.env };
  let out: string[];
  let err: string[];

  beforeAll(async () => {
    sim = await startServiceNowSimulator({ seed: 3, now: () => new Date('2025-03-01T10:00:00Z') });
    const seeder = new ServiceNowSeeder(sim);
    for (const seed of seedDevices(40, 'CLI')) seeder.device(seed);
    sim.insert('cmdb_ci_med_device', { name: 'NO-MFR', asset_tag: 'NO-MFR' });
    directory = mkdtempSync(join(tmpdir(), 'medpatch-sync-cli-'));
  });
  afterAll(async () => {
    await sim.stop();
    rmSync(directory, { recursive: true, force: true });
  });
  afterEach(() => {
    process.env = { ...saved };
    vi.restoreAllMocks();
  });
  const capture = () => {
    out = [];
    err = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err.push(String(chunk));
      return true;
    });
  };

  it('syncs from ServiceNow (SERVICENOW_* env) and prints the report as JSON, rejected records included', async () => {
    process.env.SERVICENOW_INSTANCE_URL = sim.url;
    process.env.SERVICENOW_USERNAME = 'admin';
    process.env.SERVICENOW_PASSWORD = 'admin';
    capture();
    const code = await command.run(['--cmms', 'servicenow', '--json', '--page-size', '10']);
    expect(code).toBe(0);
    const report = JSON.parse(out.at(-1) ?? '{}') as { read: number; written: number; rejected: unknown[] };
    expect(report).toMatchObject({ read: 41, written: 40 });
    expect(report.rejected).toHaveLength(1);
    expect(err.join('')).toMatch(/sync: read 41\/41 · written 40 · unchanged 0 · rejected 1/);
  }, 120_000);

  it('wrong ServiceNow credentials: exit 1 with one clear message', async () => {
    process.env.SERVICENOW_INSTANCE_URL = sim.url;
    process.env.SERVICENOW_USERNAME = 'admin';
    process.env.SERVICENOW_PASSWORD = 'nope';
    capture();
    expect(await command.run(['--cmms', 'servicenow'])).toBe(1);
    expect(err.filter((l) => l.includes('medpatch sync failed'))).toEqual([
      expect.stringMatching(/AuthError.*refused the credentials/),
    ]);
  }, 120_000);

  it('syncs a CSV with a column map and lists each rejected row with its line', async () => {
    const csv = join(directory, 'aims.csv');
    writeFileSync(csv, 'Control #,Mfr,Model\n100,Philips,MX450\n101,,MX450\n102,GE,B450\n');
    const map = join(directory, 'map.json');
    writeFileSync(
      map,
      JSON.stringify({
        version: 1,
        columns: { 'Control #': 'asset_tag', Mfr: 'manufacturer', Model: 'model' },
      }),
    );
    capture();
    expect(await command.run(['--inventory', csv, '--column-map', map])).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/read\s+3/);
    expect(text).toMatch(/written\s+2 \(2 new\)/);
    expect(text).toContain('rejected line 3: manufacturer: manufacturer is empty');
  }, 120_000);

  it('usage errors name what is missing', async () => {
    delete process.env.SERVICENOW_INSTANCE_URL;
    await expect(command.run(['--cmms', 'servicenow'])).rejects.toThrow(UsageError);
    await expect(command.run(['--cmms', 'servicenow'])).rejects.toThrow(/SERVICENOW_INSTANCE_URL/);
    await expect(command.run([])).rejects.toThrow(/exactly one of --inventory/);
    await expect(command.run(['--inventory', '/nope.csv'])).rejects.toThrow(/no such file/);
    await expect(command.run(['--cmms', 'fiix'])).rejects.toThrow(/unsupported --cmms "fiix"/);
  });
});
