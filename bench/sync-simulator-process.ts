/**
 * The ServiceNow simulator for `npm run bench:sync`, in its own process (forked by bench/sync.ts, IPC messages).
 * A real ServiceNow instance is a remote server: in the benchmark's own thread, the simulator's work (filtering and
 * rendering 100k rows a page) would be charged to the sync it is measuring, and to the fetch-only baseline alike.
 */
import { startServiceNowSimulator } from '../local/servicenow-sim/index';

type Request =
  | { id: number; method: 'seed'; devices: number }
  | { id: number; method: 'requestCount' }
  | { id: number; method: 'advanceClock'; ms: number }
  | { id: number; method: 'stop' };

const MAKERS = [
  'Philips',
  'GE Healthcare',
  'Baxter',
  'B. Braun',
  'Medtronic',
  'BD',
  'Dräger',
  'Smiths Medical',
];

const sim = await startServiceNowSimulator({ seed: 11, now: () => new Date('2025-01-01T00:00:00Z') });

/** N medical devices over 40 models of 8 manufacturers, one per simulated second, and a relationship per 100. */
function seed(devices: number): string[] {
  const companies = MAKERS.map(
    (name) => sim.insert('core_company', { name, manufacturer: 'true' }).sys_id ?? '',
  );
  const models = Array.from({ length: 40 }, (_, i) => {
    const maker = i % MAKERS.length;
    return {
      id:
        sim.insert('cmdb_model', {
          name: `Model ${i}`,
          display_name: `Model ${i}`,
          manufacturer: companies[maker] ?? '',
        }).sys_id ?? '',
      maker,
    };
  });
  const sysIds: string[] = [];
  for (let i = 0; i < devices; i++) {
    sim.advanceClock(1000); // one device per simulated second: realistic spread of sys_updated_on
    const model = models[i % models.length] ?? models[0];
    const row = sim.insert('cmdb_ci_med_device', {
      name: `DEV-${i}`,
      asset_tag: `DEV-${String(i).padStart(6, '0')}`,
      serial_number: `SN${i}`,
      manufacturer: companies[model?.maker ?? 0] ?? '',
      model_id: model?.id ?? '',
      u_software_version: `v${i % 5}.${i % 13}`,
      ip_address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      install_status: i % 50 === 0 ? '6' : '1',
    });
    sysIds.push(row.sys_id ?? '');
  }
  const relType = sim.list('cmdb_rel_type').find((t) => t.name === 'Connects to::Connected by')?.sys_id ?? '';
  for (let i = 0; i + 1 < devices; i += 100)
    sim.insert('cmdb_rel_ci', { parent: sysIds[i] ?? '', child: sysIds[i + 1] ?? '', type: relType });
  return sysIds;
}

process.on('message', async (request: Request) => {
  const reply = (result: unknown) => process.send?.({ id: request.id, result });
  switch (request.method) {
    case 'seed':
      return reply(seed(request.devices));
    case 'requestCount':
      return reply(sim.requestCount());
    case 'advanceClock':
      sim.advanceClock(request.ms);
      return reply(null);
    case 'stop':
      await sim.stop();
      reply(null);
      process.disconnect?.();
      return;
  }
});
// The parent died or let go: do not outlive it.
process.on('disconnect', () => {
  void sim.stop().finally(() => process.exit(0));
});
process.send?.({ ready: true, url: sim.url });
