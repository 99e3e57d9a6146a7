import {
  type ServiceNowSimulator,
  type SimulatorOptions,
  startServiceNowSimulator,
} from '../../local/servicenow-sim/index';
import type { ServiceNowConfigInput } from '../../shared/connectors/servicenow/config';
import { ServiceNowConnector } from '../../shared/connectors/servicenow/connector';
import type { ContractHarness, ContractOptions, SeedDevice } from './cmms-connector.contract';

export const SIM_START = new Date('2025-03-01T10:00:00Z');
export const BASIC = `Basic ${Buffer.from('admin:admin').toString('base64')}`;

/** Seeds devices into the simulator as a hospital's CMDB holds them: company and model references, one second apart. */
export class ServiceNowSeeder {
  private readonly companies = new Map<string, string>();
  private readonly models = new Map<string, string>();
  constructor(readonly sim: ServiceNowSimulator) {}

  company(name: string): string {
    let id = this.companies.get(name);
    if (!id) {
      id = this.sim.insert('core_company', { name, manufacturer: 'true' }).sys_id ?? '';
      this.companies.set(name, id);
    }
    return id;
  }

  model(name: string, manufacturer: string): string {
    const key = `${manufacturer}|${name}`;
    let id = this.models.get(key);
    if (!id) {
      id =
        this.sim.insert('cmdb_model', { name, display_name: name, manufacturer: this.company(manufacturer) })
          .sys_id ?? '';
      this.models.set(key, id);
    }
    return id;
  }

  /** The cmdb_ci_med_device values for a seed (references created as needed). */
  row(seed: SeedDevice, extra: Record<string, string> = {}): Record<string, string> {
    return {
      name: seed.assetTag,
      asset_tag: seed.assetTag,
      serial_number: seed.serialNumber,
      manufacturer: this.company(seed.manufacturer),
      model_id: this.model(seed.model, seed.manufacturer),
      u_software_version: seed.softwareVersion,
      ...extra,
    };
  }

  /** Inserts a device one simulated second after the previous one; returns its sys_id. */
  device(seed: SeedDevice, table = 'cmdb_ci_med_device', extra: Record<string, string> = {}): string {
    this.sim.advanceClock(1000);
    return this.sim.insert(table, this.row(seed, extra)).sys_id ?? '';
  }

  async patch(table: string, sysId: string, values: Record<string, string>): Promise<void> {
    const res = await fetch(`${this.sim.url}/api/now/table/${table}/${sysId}`, {
      method: 'PATCH',
      headers: { Authorization: BASIC, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify(values),
    });
    if (res.status !== 200) throw new Error(`PATCH ${table}/${sysId}: ${res.status} ${await res.text()}`);
  }

  sysIdOf(assetTag: string, table = 'cmdb_ci_med_device'): string {
    const row = this.sim.list(table).find((r) => r.asset_tag === assetTag);
    if (!row?.sys_id) throw new Error(`no ${assetTag} in ${table}`);
    return row.sys_id;
  }
}

export async function serviceNowHarness(
  options: ContractOptions,
  settings: Partial<ServiceNowConfigInput> = {},
  simOptions: SimulatorOptions = {},
): Promise<ContractHarness & { sim: ServiceNowSimulator; seeder: ServiceNowSeeder }> {
  const sim = await startServiceNowSimulator({ seed: 7, now: () => SIM_START, ...simOptions });
  options.proxy.target(sim.url);
  const seeder = new ServiceNowSeeder(sim);
  const connector = new ServiceNowConnector({
    instanceUrl: options.proxy.url,
    auth: { kind: 'basic', username: 'admin', password: 'admin' },
    pageSize: options.pageSize,
    timeoutMs: options.timeoutMs,
    baseDelayMs: 5,
    maxDelayMs: 50,
    ...settings,
  });
  return {
    sim,
    seeder,
    connector,
    addDevices: async (devices) => {
      for (const device of devices) seeder.device(device);
    },
    updateDevice: async (assetTag, softwareVersion) => {
      await seeder.patch('cmdb_ci_med_device', seeder.sysIdOf(assetTag), {
        u_software_version: softwareVersion,
      });
    },
    advanceClock: (ms) => sim.advanceClock(ms),
    workItems: async () =>
      sim.list('change_request').map((r) => ({ correlationId: r.correlation_id ?? '', ref: r.number ?? '' })),
    stop: () => sim.stop(),
  };
}
