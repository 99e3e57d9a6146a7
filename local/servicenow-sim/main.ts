import { parseArgs } from 'node:util';
import { generateDemoHospital, MIN_DEMO_DEVICES, seedDemoHospital } from '../demo/hospital';
import { startServiceNowSimulator } from './index';

/**
 * Standalone simulator: `npx tsx local/servicenow-sim/main.ts --port 8080 --seed-demo [--devices 2500] [--seed 1]`.
 * Prints the URL and runs until SIGINT or SIGTERM.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: '1' },
    'seed-demo': { type: 'boolean', default: false },
    devices: { type: 'string', default: String(MIN_DEMO_DEVICES) },
    'client-credentials': { type: 'boolean', default: false },
  },
});

const seed = Number(values.seed);
const sim = await startServiceNowSimulator({
  port: Number(values.port),
  host: values.host,
  seed,
  clientCredentialsEnabled: values['client-credentials'],
});
if (values['seed-demo']) {
  const hospital = generateDemoHospital({ devices: Number(values.devices), seed });
  await seedDemoHospital(sim, hospital);
  console.log(
    `Seeded demo hospital: ${hospital.devices.length} devices, ${hospital.companies.length} companies`,
  );
}
console.log(
  `ServiceNow simulator listening on ${sim.url} (Basic admin/admin; OAuth client medpatch/medpatch-secret)`,
);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal} received, stopping`);
  sim.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.once('SIGINT', () => shutdown('SIGINT'));
process.once('SIGTERM', () => shutdown('SIGTERM'));
