import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { command } from '../../cli/commands/sync';
import { UsageError } from '../../cli/support';
import { type ServiceNowSimulator, startServiceNowSimulator } from '../../local/servicenow-sim/index';
import { seedDevices } from '../contract/cmms-connector.contract';
import { ServiceNowSeeder } from '../contract/servicenow-harness';

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
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
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
    expect(out).toHaveLength(1); // --json: one document on stdout, nothing else
    const report = JSON.parse(out[0] ?? '{}') as { read: number; written: number; rejected: unknown[] };
    expect(report).toMatchObject({ read: 41, written: 40 });
    expect(report.rejected).toHaveLength(1);
    expect(err.join('')).toMatch(/sync: read 41\/41 · written 40 · unchanged 0 · rejected 1/);
  }, 120_000);

  it('wrong ServiceNow credentials: exit 1 with one clear message and what to check next', async () => {
    process.env.SERVICENOW_INSTANCE_URL = sim.url;
    process.env.SERVICENOW_USERNAME = 'admin';
    process.env.SERVICENOW_PASSWORD = 'nope';
    capture();
    expect(await command.run(['--cmms', 'servicenow', '--json'])).toBe(1);
    const lines = err.join('').split('\n');
    expect(lines.filter((l) => l.startsWith('medpatch sync:'))).toEqual([
      expect.stringMatching(/refused the credentials/),
    ]);
    expect(lines).toContainEqual(
      expect.stringMatching(/^Next: check SERVICENOW_USERNAME \/ SERVICENOW_PASSWORD/),
    );
    expect(JSON.parse(out.join(''))).toMatchObject({
      error: { code: 'AUTH', message: expect.stringMatching(/refused the credentials/) },
    });
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
    await expect(command.run(['--cmms', 'servicenow', '--mode', 'sometimes'])).rejects.toThrow(
      /--mode must be full or incremental/,
    );
    await expect(command.run(['--cmms', 'fiix'])).rejects.toThrow(/unsupported --cmms "fiix"/);
  });
});
