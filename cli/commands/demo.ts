import { generateDemoHospital, seedDemoHospital } from '../../local/demo/hospital';
import { runPipeline } from '../../local/pipeline';
import { parseCommandLine, printHelp, renderHelp } from '../command-line';
import {
  type CliCommand,
  DEFAULT_ADVISORIES,
  DEFAULT_KEV,
  DEMO_VALIDATIONS,
  pipelineReporting,
  printSummary,
  UsageError,
  warnRejections,
  withLocalStack,
} from '../support';

const OPTIONS = {
  out: { type: 'string', default: 'out' },
  devices: { type: 'string', default: '2400' },
} as const;

const HELP = renderHelp({
  command: 'demo',
  summary: 'the demo hospital on the embedded local stack',
  usage: ['medpatch demo [--out DIR] [--devices N] [--json]'],
  description: `Seeds the ServiceNow simulator with a demo hospital built from real products named in CISA medical
advisories, runs the whole pipeline on the embedded local stack (DynamoDB Local, fauxqs SQS/SNS, ServiceNow
simulator) and writes report.html, findings.json, work-orders.json, alerts.json and summary.json. Progress bars
for the device sync, advisory ingest, matching, prioritizing and dispatch go to stderr.`,
  flags: [
    ['--out DIR', 'output folder (default: out)'],
    ['--devices N', 'demo hospital size, at least 2000 (default: 2400)'],
  ],
  examples: [
    'medpatch demo',
    'medpatch demo --devices 5000 --out /tmp/demo --json | jq .findings.byDecision',
  ],
});

async function demo(args: readonly string[]): Promise<number> {
  const { values, out } = parseCommandLine('demo', args, OPTIONS);
  if (values.help) return printHelp(HELP);
  const devices = Number(values.devices);
  if (!Number.isInteger(devices) || devices < 2000)
    throw new UsageError(`--devices must be a whole number ≥ 2000, not "${values.devices}"`);
  const hospital = generateDemoHospital({ devices, seed: 20261129 });
  return withLocalStack({}, out, async (stack, runner) => {
    if (!stack.servicenow) throw new Error('the demo needs the ServiceNow simulator');
    await seedDemoHospital(stack.servicenow, hospital);
    out.info(
      `Demo hospital: ${hospital.devices.length} devices seeded into the ServiceNow simulator at ${stack.servicenow.url}`,
    );
    const reporting = pipelineReporting(out);
    const result = await runPipeline(stack, runner, {
      devices: { kind: 'servicenow' },
      advisoryPaths: [DEFAULT_ADVISORIES],
      kevFile: DEFAULT_KEV,
      validationsFile: DEMO_VALIDATIONS,
      outDir: values.out,
      log: reporting.log,
      onProgress: reporting.onProgress,
      // The simulator stops with the run, so the report shows plain CMMS ids rather than dead links.
      cmms: { kind: 'other', name: 'the ServiceNow simulator' },
    });
    reporting.finish();
    warnRejections(result, out, DEMO_VALIDATIONS);
    const changeRequests = stack.servicenow.list('change_request').length;
    printSummary(
      result,
      values.out,
      out,
      `ServiceNow simulator holds ${changeRequests} change_request records`,
    );
    return 0;
  });
}

export const command: CliCommand = {
  summary: 'run the demo hospital on the embedded local stack',
  help: HELP,
  options: OPTIONS,
  run: demo,
};
