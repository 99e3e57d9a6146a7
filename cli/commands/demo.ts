import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDemoHospital, seedDemoHospital } from '../../local/demo/hospital';
import { runPipeline } from '../../local/pipeline';
import {
  type CliCommand,
  DEFAULT_ADVISORIES,
  DEFAULT_KEV,
  DEMO_VALIDATIONS,
  printSummary,
  progressLine,
  UsageError,
  withLocalStack,
} from '../support';

const HELP = `medpatch demo — seeds the ServiceNow simulator with a demo hospital, runs the whole pipeline on the embedded
local stack (DynamoDB Local, fauxqs SQS/SNS, ServiceNow simulator) and writes findings.json, work-orders.json,
alerts.json and summary.json.

Options:
  --out DIR       output folder (default: out)
  --devices N     demo hospital size, at least 2000 (default: 2400)
  --json          print the summary as JSON
  -h, --help      this help`;

async function demo(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      out: { type: 'string', default: 'out' },
      devices: { type: 'string', default: '2400' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const devices = Number(values.devices);
  if (!Number.isInteger(devices) || devices < 2000)
    throw new UsageError('--devices must be a whole number ≥ 2000');
  const hospital = generateDemoHospital({ devices, seed: 20261129 });
  return withLocalStack({}, async (stack, runner) => {
    if (!stack.servicenow) throw new Error('the demo needs the ServiceNow simulator');
    await seedDemoHospital(stack.servicenow, hospital);
    console.error(
      `Demo hospital: ${hospital.devices.length} devices seeded into the ServiceNow simulator at ${stack.servicenow.url}`,
    );
    const result = await runPipeline(stack, runner, {
      devices: { kind: 'servicenow' },
      advisoryPaths: [DEFAULT_ADVISORIES],
      kevFile: DEFAULT_KEV,
      validationsFile: DEMO_VALIDATIONS,
      outDir: values.out,
      log: progressLine(),
      // The simulator stops with the run, so the report shows plain CMMS ids rather than dead links.
      cmms: { kind: 'other', name: 'the ServiceNow simulator' },
    });
    const changeRequests = stack.servicenow.list('change_request').length;
    printSummary(
      result,
      values.out,
      values.json,
      `ServiceNow simulator holds ${changeRequests} change_request records`,
    );
    if (!values.json) console.log(`  report               ${resolve(result.reportFile)}`);
    return 0;
  });
}

export const command: CliCommand = {
  summary: 'run the demo hospital on the embedded local stack',
  help: HELP,
  run: demo,
};
