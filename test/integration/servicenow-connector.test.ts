import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ServiceNowConnector } from '../../shared/connectors/servicenow/connector';
import type { Device } from '../../shared/domain/device';
import { AuthError, ConfigurationError, TransientError, ValidationError } from '../../shared/errors';
import { readAll, type SeedDevice, seedDevices } from '../contract/cmms-connector.contract';
import { type FaultProxy, startFaultProxy } from '../contract/fault-proxy';
import { serviceNowHarness } from '../contract/servicenow-harness';

const devicesOf = (pages: Awaited<ReturnType<typeof readAll>>): Device[] => pages.flatMap((p) => p.devices);

describe('ServiceNow connector against the simulator', () => {
  let proxy: FaultProxy;
  let stopHarness: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    proxy = await startFaultProxy();
  });
  afterEach(async () => {
    await stopHarness?.();
    stopHarness = undefined;
    proxy.reset();
  });
  afterAll(async () => {
    await proxy.stop();
  });
  const harness = async (
    ...args: Parameters<typeof serviceNowHarness> extends [unknown, ...infer R] ? R : never
  ) => {
    const h = await serviceNowHarness({ pageSize: 5, proxy, timeoutMs: 2000 }, ...args);
    stopHarness = h.stop;
    return h;
  };

  describe('keyset paging while the table changes', () => {
    it('reads every row once even when rows are inserted and updated between pages', async () => {
      const h = await harness();
      await h.addDevices(seedDevices(30, 'PG'));
      const pages = h.connector.readDevices(null)[Symbol.asyncIterator]();
      const seen: Device[] = [];
      let pageNo = 0;
      for (let next = await pages.next(); !next.done; next = await pages.next()) {
        seen.push(...next.value.devices);
        pageNo += 1;
        if (pageNo === 2) {
          // Between pages: an insert, an update of a row already read, an update of a row not yet read, and an
          // update in the cursor's own second of a row with a smaller sys_id (the case a plain keyset would skip).
          h.seeder.device(seedDevices(1, 'NEW')[0] as SeedDevice);
          await h.seeder.patch('cmdb_ci_med_device', h.seeder.sysIdOf('PG-0001'), {
            u_software_version: 'v7.0',
          });
          await h.seeder.patch('cmdb_ci_med_device', h.seeder.sysIdOf('PG-0025'), {
            u_software_version: 'v8.0',
          });
        }
      }
      const latest = new Map(seen.map((d) => [d.assetTag, d]));
      const expected = h.sim.list('cmdb_ci_med_device').map((r) => r.asset_tag);
      expect([...latest.keys()].sort()).toEqual(expected.sort());
      expect(latest.get('PG-0001')?.softwareVersion).toBe('7.0');
      expect(latest.get('PG-0025')?.softwareVersion).toBe('8.0');
      expect(latest.has('NEW-0001')).toBe(true);
    });

    it('catches a row updated in the cursor second with a smaller sys_id (catch-up pass)', async () => {
      const h = await harness();
      // All rows share one second, so the cursor is (that second, sys_id) and order is by sys_id alone.
      for (const seed of seedDevices(12, 'SS')) h.sim.insert('cmdb_ci_med_device', h.seeder.row(seed));
      const bySysId = h.sim
        .list('cmdb_ci_med_device')
        .sort((a, b) => ((a.sys_id ?? '') < (b.sys_id ?? '') ? -1 : 1));
      const smallest = bySysId[0]?.sys_id ?? '';
      const iterator = h.connector.readDevices(null)[Symbol.asyncIterator]();
      const seen: Device[] = [];
      let pageNo = 0;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        seen.push(...next.value.devices);
        pageNo += 1;
        if (pageNo === 1) {
          // Same second (the clock does not move): the row falls behind the cursor.
          await h.seeder.patch('cmdb_ci_med_device', smallest, { u_software_version: 'v5.5' });
        }
      }
      const row = seen.filter((d) => d.sourceRecordId === smallest).at(-1);
      expect(row?.softwareVersion).toBe('5.5');
    });
  });

  describe('device tables and field mapping', () => {
    it('resolves references to display values and keeps their sys_ids', async () => {
      const h = await harness();
      const location = h.sim.insert('cmn_location', { name: 'ICU North' }).sys_id ?? '';
      const department = h.sim.insert('cmn_department', { name: 'Critical Care' }).sys_id ?? '';
      const [seed] = seedDevices(1, 'REF');
      if (!seed) throw new Error('seed');
      const sysId = h.seeder.device(seed, 'cmdb_ci_med_device', {
        location,
        department,
        ip_address: '10.1.2.3',
        mac_address: '00:11:22:33:44:55',
        install_status: '6',
        u_clinical_criticality: 'life_sustaining',
        u_network_zone: 'clinical_lan',
      });
      const [device] = devicesOf(await readAll(h.connector));
      expect(device).toMatchObject({
        deviceId: `servicenow:${sysId}`,
        manufacturer: seed.manufacturer,
        model: seed.model,
        location: 'ICU North',
        department: 'Critical Care',
        status: 'in_storage',
        clinicalCriticality: 'life_sustaining',
        networkZone: 'clinical_lan',
        ipAddress: '10.1.2.3',
        macAddress: '00:11:22:33:44:55',
      });
      expect(device?.sourceRefs).toEqual({
        manufacturer: h.seeder.company(seed.manufacturer),
        model_id: h.seeder.model(seed.model, seed.manufacturer),
        location,
        department,
      });
    });

    it('reads alm_hardware with its preset (model reference, manufacturer dot-walked through the model)', async () => {
      const h = await harness({ deviceTable: 'alm_hardware' });
      const model = h.seeder.model('Alaris 8015', 'BD');
      h.sim.insert('alm_hardware', {
        display_name: 'PUMP-0042 - Alaris 8015',
        asset_tag: 'PUMP-0042',
        serial_number: 'AL123',
        model,
        install_status: '8',
      });
      const [device] = devicesOf(await readAll(h.connector));
      expect(device).toMatchObject({
        assetTag: 'PUMP-0042',
        manufacturer: 'BD',
        model: 'Alaris 8015',
        serialNumber: 'AL123',
        status: 'missing',
      });
    });

    it("reads Nuvolo's x_nuvo_eam_clinical_devices with a status map from the field-mapping config", async () => {
      const h = await harness({
        deviceTable: 'x_nuvo_eam_clinical_devices',
        fieldMapping: { version: 1, statusMap: { Active: 'in_service', Retired: 'retired' } },
      });
      const company = h.seeder.company('Baxter');
      const model = h.seeder.model('Sigma Spectrum', 'Baxter');
      for (const [tag, state] of [
        ['NUV-1', 'Active'],
        ['NUV-2', 'Retired'],
      ] as const) {
        h.sim.advanceClock(1000);
        h.sim.insert('x_nuvo_eam_clinical_devices', {
          name: tag,
          asset_tag: tag,
          manufacturer: company,
          model,
          software_version: 'Ver. 8.01.01',
          state,
        });
      }
      const devices = devicesOf(await readAll(h.connector));
      expect(devices.map((d) => [d.assetTag, d.status, d.softwareVersion, d.model])).toEqual([
        ['NUV-1', 'in_service', '8.01.01', 'Sigma Spectrum'],
        ['NUV-2', 'retired', '8.01.01', 'Sigma Spectrum'],
      ]);
    });

    it('takes custom columns from the versioned field mapping (e.g. firmware in u_fw, none in u_software_version)', async () => {
      const h = await harness({
        fieldMapping: { version: 1, fields: { softwareVersion: 'firmware_version', networkZone: '' } },
      });
      const [seed] = seedDevices(1, 'CUS');
      if (!seed) throw new Error('seed');
      h.seeder.device(seed, 'cmdb_ci_med_device', { firmware_version: 'FW 3.2', u_network_zone: 'isolated' });
      const [device] = devicesOf(await readAll(h.connector));
      expect(device?.softwareVersion).toBe('3.2');
      expect(device?.networkZone).toBe('');
    });

    it('rejects an unknown mapping version and a non-table device table with one clear error', () => {
      const base = {
        instanceUrl: 'https://x.service-now.com',
        auth: { kind: 'basic', username: 'u', password: 'p' },
      };
      expect(() => new ServiceNowConnector({ ...base, fieldMapping: { version: 2 } })).toThrow(
        /fieldMapping\.version/,
      );
      expect(() => new ServiceNowConnector({ ...base, deviceTable: 'cmdb; drop' })).toThrow(ValidationError);
      expect(() => new ServiceNowConnector({ ...base, instanceUrl: 'http://x.service-now.com' })).toThrow(
        /https/,
      );
    });

    it('reports a record it cannot map with its sys_id and reason, and still returns the others', async () => {
      const h = await harness();
      await h.addDevices(seedDevices(3, 'OK'));
      const bad = h.sim.insert('cmdb_ci_med_device', { name: 'NO-MAKER', asset_tag: 'NO-MAKER' }).sys_id;
      const pages = await readAll(h.connector);
      expect(devicesOf(pages)).toHaveLength(3);
      expect(pages.flatMap((p) => p.rejected)).toEqual([
        { recordId: bad, message: 'manufacturer is empty', sourceRecordId: bad },
      ]);
    });
  });

  describe('relationships', () => {
    it('reads cmdb_rel_ci in both directions, with type and the other end, for the synced devices', async () => {
      const h = await harness({ relationships: { enabled: true, types: ['Connects to::Connected by'] } });
      await h.addDevices(seedDevices(7, 'REL'));
      const gateway = h.sim.insert('cmdb_ci_hardware', { name: 'Central Station GW' }).sys_id ?? '';
      const types = new Map(h.sim.list('cmdb_rel_type').map((t) => [t.name, t.sys_id ?? '']));
      const monitor = h.seeder.sysIdOf('REL-0002');
      const pump = h.seeder.sysIdOf('REL-0006');
      h.sim.insert('cmdb_rel_ci', {
        parent: monitor,
        child: gateway,
        type: types.get('Connects to::Connected by') ?? '',
      });
      h.sim.insert('cmdb_rel_ci', {
        parent: gateway,
        child: pump,
        type: types.get('Connects to::Connected by') ?? '',
      });
      h.sim.insert('cmdb_rel_ci', {
        parent: monitor,
        child: pump,
        type: types.get('Depends on::Used by') ?? '',
      });
      const devices = new Map(devicesOf(await readAll(h.connector)).map((d) => [d.assetTag, d]));
      expect(devices.get('REL-0002')?.connectedTo).toEqual([
        {
          ref: `servicenow:${gateway}`,
          name: 'Central Station GW',
          type: 'Connects to::Connected by',
          direction: 'parent',
        },
      ]);
      expect(devices.get('REL-0006')?.connectedTo).toEqual([
        {
          ref: `servicenow:${gateway}`,
          name: 'Central Station GW',
          type: 'Connects to::Connected by',
          direction: 'child',
        },
      ]);
      expect(devices.get('REL-0001')?.connectedTo).toBeUndefined();
    });
  });

  describe('authentication', () => {
    it('OAuth password grant: refreshes before expiry, so a long sync never sends an expired token', async () => {
      const h = await harness({
        auth: {
          kind: 'oauth',
          clientId: 'medpatch',
          clientSecret: 'medpatch-secret',
          username: 'admin',
          password: 'admin',
        },
      });
      await h.addDevices(seedDevices(6, 'OA'));
      const clock = () => h.sim.now().getTime();
      const connector = new ServiceNowConnector(
        {
          instanceUrl: proxy.url,
          auth: {
            kind: 'oauth',
            clientId: 'medpatch',
            clientSecret: 'medpatch-secret',
            username: 'admin',
            password: 'admin',
          },
          pageSize: 5,
        },
        { now: clock },
      );
      expect(devicesOf(await readAll(connector))).toHaveLength(6);
      h.sim.advanceClock(1_790_000); // 10 s before the 1800 s token expires
      expect(devicesOf(await readAll(connector))).toHaveLength(6);
      expect(proxy.log.filter((e) => e.status === 401)).toEqual([]);
      const tokenRequests = proxy.log.filter((e) => e.path === '/oauth_token.do');
      expect(tokenRequests.length).toBeGreaterThanOrEqual(2);
    });

    it('OAuth client_credentials works when the instance allows it, and fails with one clear error when not', async () => {
      const enabled = await harness(
        { auth: { kind: 'oauth', clientId: 'cc', clientSecret: 'cc-secret' } },
        {
          clientCredentialsEnabled: true,
          oauthClients: [{ clientId: 'cc', clientSecret: 'cc-secret', user: 'admin' }],
        },
      );
      await enabled.addDevices(seedDevices(2, 'CC'));
      expect(devicesOf(await readAll(enabled.connector))).toHaveLength(2);
      await enabled.stop();
      proxy.reset();
      const disabled = await harness(
        { auth: { kind: 'oauth', clientId: 'cc', clientSecret: 'cc-secret' } },
        {
          oauthClients: [{ clientId: 'cc', clientSecret: 'cc-secret', user: 'admin' }],
        },
      );
      await expect(readAll(disabled.connector)).rejects.toThrow(/client_credentials must be enabled/);
      expect(proxy.log.filter((e) => e.path === '/oauth_token.do')).toHaveLength(1);
    });

    it('wrong Basic credentials: one AuthError naming the instance, after a single request', async () => {
      const h = await harness({ auth: { kind: 'basic', username: 'admin', password: 'wrong' } });
      const error = await readAll(h.connector).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      expect((error as Error).message).toMatch(/refused the credentials.*user name, password/);
      expect(proxy.log).toHaveLength(1);
    });

    it('a wrong device table gives one ConfigurationError naming the table', async () => {
      const h = await harness({ deviceTable: 'cmdb_ci_med_devices' });
      await expect(readAll(h.connector)).rejects.toThrow(ConfigurationError);
      await expect(readAll(h.connector)).rejects.toThrow(/Invalid table cmdb_ci_med_devices/);
    });

    it('a host name that does not resolve is one ConfigurationError at once (no retries)', async () => {
      const connector = new ServiceNowConnector({
        instanceUrl: 'https://medpatch-test.invalid',
        auth: { kind: 'basic', username: 'u', password: 'p' },
      });
      const error = await readAll(connector).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(
        /medpatch-test\.invalid does not resolve.*check the instance URL/,
      );
      expect(connector.http.stats.requests).toBe(1);
    });

    it('a URL nothing listens on gives one TransientError that says to check the instance URL', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const connector = new ServiceNowConnector({
        instanceUrl: `http://127.0.0.1:${port}`,
        auth: { kind: 'basic', username: 'u', password: 'p' },
        maxAttempts: 2,
        baseDelayMs: 1,
      });
      const error = await readAll(connector).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toContain(`cannot connect to ServiceNow at http://127.0.0.1:${port}`);
      expect((error as Error).message).toMatch(/check the instance URL/);
    });
  });

  describe('rate cap and rate limits', () => {
    it('spaces requests to the configured request-rate cap', async () => {
      const h = await harness({ maxRequestsPerSecond: 20, relationships: { enabled: false, types: [] } });
      await h.addDevices(seedDevices(20, 'RC'));
      await readAll(h.connector);
      // Arrival times jitter on a loaded machine, so judge the rate over the whole run: n requests at 20/s span at
      // least (n - 1) × 50 ms, less one interval for the first request's own delay.
      const arrivals = proxy.log.map((e) => e.at);
      expect(arrivals.length).toBeGreaterThanOrEqual(5);
      const span = (arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0);
      expect(span).toBeGreaterThanOrEqual((arrivals.length - 2) * 50);
    });

    it("honours the simulator's own rate limit (429 + Retry-After) and still reads everything", async () => {
      // The simulator's hour window ends 2 s after "now", so Retry-After is about 2 s.
      const start = Date.now();
      // 12 devices are seeded one simulated second apart, so start 12 s earlier.
      const hourEnd = new Date('2025-03-01T10:59:46Z').getTime();
      const h = await harness(
        { relationships: { enabled: false, types: [] } },
        { now: () => new Date(hourEnd + (Date.now() - start)), rateLimit: [{ requestsPerHour: 3 }] },
      );
      await h.addDevices(seedDevices(12, 'RL'));
      expect(devicesOf(await readAll(h.connector))).toHaveLength(12);
      const limited = proxy.log.findIndex((e) => e.status === 429);
      expect(limited).toBeGreaterThanOrEqual(0);
      const retryAfter = Number(proxy.log[limited]?.retryAfter);
      expect(proxy.log[limited + 1]?.at).toBeGreaterThanOrEqual(
        (proxy.log[limited]?.at ?? 0) + retryAfter * 1000,
      );
    });
  });
});
