import { describe, expect, it } from 'vitest';
import { type MaximoSimulator, startMaximoSimulator } from '../../local/maximo-sim/index';
import { MaximoConnector, maximoWorkOrderNumber } from '../../shared/connectors/maximo/connector';
import {
  aContractWorkOrder,
  type ContractHarness,
  type ContractOptions,
  describeCmmsConnectorContract,
} from './cmms-connector.contract';

const START = new Date('2025-03-01T10:00:00Z');

async function maximoHarness(options: ContractOptions): Promise<ContractHarness & { sim: MaximoSimulator }> {
  const sim = await startMaximoSimulator({ now: () => START, apiKey: 'contract-key' });
  options.proxy.target(sim.url);
  const connector = new MaximoConnector({
    instanceUrl: options.proxy.url,
    auth: { kind: 'apikey', apiKey: 'contract-key' },
    pageSize: options.pageSize,
    timeoutMs: options.timeoutMs,
    baseDelayMs: 5,
    maxDelayMs: 50,
  });
  return {
    sim,
    connector,
    addDevices: async (devices) => {
      for (const d of devices) {
        sim.advanceClock(1000);
        sim.putAsset({
          assetnum: d.assetTag,
          siteid: 'BEDFORD',
          manufacturer: d.manufacturer,
          description: d.model,
          serialnum: d.serialNumber,
          fwversion: d.softwareVersion,
          status: 'OPERATING',
        });
      }
    },
    updateDevice: async (assetTag, softwareVersion) => {
      sim.putAsset({ assetnum: assetTag, siteid: 'BEDFORD', fwversion: softwareVersion });
    },
    advanceClock: (ms) => sim.advanceClock(ms),
    workItems: async () =>
      sim.workOrders().map((w) => ({ correlationId: w.externalrefid ?? '', ref: w.wonum ?? '' })),
    stop: () => sim.stop(),
  };
}

describeCmmsConnectorContract('maximo', { transport: 'http' }, maximoHarness);

describe('Maximo connector specifics', () => {
  const START_MS = START.getTime();
  const seed = (sim: MaximoSimulator, count: number, prefix: string) => {
    for (let i = 1; i <= count; i++) {
      sim.advanceClock(1000);
      sim.putAsset({
        assetnum: `${prefix}-${i}`,
        siteid: 'BEDFORD',
        manufacturer: 'GE Healthcare',
        description: 'CARESCAPE B450',
        fwversion: '2.0',
        status: 'OPERATING',
      });
    }
  };

  it('stable paging: rows inserted or updated while paging neither repeat nor shift, and the next incremental read has them', async () => {
    const sim = await startMaximoSimulator({ now: () => new Date(START_MS), apiKey: 'k' });
    try {
      seed(sim, 12, 'SP');
      const connector = new MaximoConnector({
        instanceUrl: sim.url,
        auth: { kind: 'apikey', apiKey: 'k' },
        pageSize: 5,
      });
      const seen: string[] = [];
      let pageNo = 0;
      let watermark = '';
      for await (const page of connector.readDevices(null)) {
        seen.push(...page.devices.map((d) => d.assetTag));
        for (const d of page.devices) if (d.sourceUpdatedAt > watermark) watermark = d.sourceUpdatedAt;
        pageNo += 1;
        if (pageNo === 1) {
          sim.advanceClock(60_000);
          sim.putAsset({ assetnum: 'SP-1', siteid: 'BEDFORD', fwversion: '3.0' }); // already read
          sim.putAsset({ assetnum: 'SP-9', siteid: 'BEDFORD', fwversion: '3.1' }); // not read yet
          sim.putAsset({ assetnum: 'SP-NEW', siteid: 'BEDFORD', manufacturer: 'Baxter', fwversion: '1.0' });
        }
      }
      expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `SP-${i + 1}`));
      const next = [];
      for await (const page of connector.readDevices(watermark)) next.push(...page.devices);
      expect(next.map((d) => [d.assetTag, d.softwareVersion]).sort()).toEqual(
        [
          ['SP-1', '3.0'],
          ['SP-12', '2.0'],
          ['SP-9', '3.1'],
          ['SP-NEW', '1.0'],
        ].sort(),
      );
    } finally {
      await sim.stop();
    }
  });

  it('native auth (maxauth) works; a wrong API key is one AuthError', async () => {
    const sim = await startMaximoSimulator({ now: () => new Date(START_MS), apiKey: 'k' });
    try {
      seed(sim, 2, 'AU');
      const native = new MaximoConnector({
        instanceUrl: sim.url,
        auth: { kind: 'basic', username: 'maxadmin', password: 'maxadmin' },
      });
      const devices = [];
      for await (const page of native.readDevices(null)) devices.push(...page.devices);
      expect(devices.map((d) => d.deviceId)).toEqual(['maximo:BEDFORD/AU-1', 'maximo:BEDFORD/AU-2']);
      const wrong = new MaximoConnector({ instanceUrl: sim.url, auth: { kind: 'apikey', apiKey: 'nope' } });
      const before = sim.requestCount();
      await expect(
        (async () => {
          for await (const _ of wrong.readDevices(null)) {
            // nothing
          }
        })(),
      ).rejects.toThrow(/Maximo at .* refused the API key/);
      expect(sim.requestCount() - before).toBe(1);
    } finally {
      await sim.stop();
    }
  });

  it('a work order replayed with the same revision after a lost response is refused by transactionid and reported as not created', async () => {
    const sim = await startMaximoSimulator({ now: () => new Date(START_MS), apiKey: 'k' });
    try {
      const connector = new MaximoConnector({ instanceUrl: sim.url, auth: { kind: 'apikey', apiKey: 'k' } });
      const first = await connector.upsertWorkOrder(aContractWorkOrder('mp-mx-1', 'r1'));
      const replay = await connector.upsertWorkOrder(aContractWorkOrder('mp-mx-1', 'r1'));
      expect(first).toEqual({ cmmsRef: maximoWorkOrderNumber('mp-mx-1'), created: true });
      expect(replay).toEqual({ cmmsRef: first.cmmsRef, created: false });
      expect(sim.workOrders()).toHaveLength(1);
      expect(sim.workOrders()[0]).toMatchObject({
        wonum: first.cmmsRef,
        externalrefid: 'mp-mx-1',
        siteid: 'BEDFORD',
      });
    } finally {
      await sim.stop();
    }
  });
});
