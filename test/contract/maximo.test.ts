import { type MaximoSimulator, startMaximoSimulator } from '../../local/maximo-sim/index';
import { MaximoConnector } from '../../shared/connectors/maximo/connector';
import {
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
