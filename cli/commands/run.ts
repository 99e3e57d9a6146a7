import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type PipelineInput, runPipeline } from '../../local/pipeline';
import { parseCommandLine, printHelp, renderHelp } from '../command-line';
import {
  type CliCommand,
  fileNotFound,
  pipelineReporting,
  printSummary,
  UsageError,
  warnRejections,
  withLocalStack,
} from '../support';

const OPTIONS = {
  inventory: { type: 'string' },
  cmms: { type: 'string' },
  'instance-url': { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  advisories: { type: 'string', multiple: true },
  kev: { type: 'string' },
  epss: { type: 'string' },
  validations: { type: 'string' },
  policy: { type: 'string' },
  mds2: { type: 'string' },
  out: { type: 'string', default: 'out' },
} as const;

const HELP = renderHelp({
  command: 'run',
  summary: 'runs the pipeline once on the embedded local stack',
  usage: [
    'medpatch run --inventory FILE.csv --advisories PATH... [--kev FILE] [--epss FILE] [--validations FILE]',
    '             [--policy FILE] [--mds2 FILE] [--out DIR] [--json]',
    'medpatch run --cmms servicenow [--instance-url URL --username U --password P] --advisories PATH... …',
  ],
  description: `Devices come from an inventory CSV (work orders go to a file outbox in DIR/cmms-outbox) or from a
ServiceNow instance (work orders are upserted there). Writes report.html, findings.json, work-orders.json,
alerts.json and summary.json into --out; progress bars per stage go to stderr. Input paths are checked before the
local stack starts.`,
  flags: [
    ['--inventory FILE', 'canonical inventory CSV (DESIGN.md §5)'],
    [
      '--cmms servicenow',
      'a ServiceNow instance: SERVICENOW_INSTANCE_URL, SERVICENOW_USERNAME, SERVICENOW_PASSWORD\nPlain http is accepted only for loopback addresses.',
    ],
    ['--instance-url URL', 'overrides SERVICENOW_INSTANCE_URL'],
    ['--username USER', 'overrides SERVICENOW_USERNAME'],
    ['--password PASSWORD', 'overrides SERVICENOW_PASSWORD (prefer the environment variable)'],
    ['--advisories PATH', 'CSAF JSON file or folder; repeatable (required)'],
    ['--kev FILE', 'CISA KEV catalog JSON'],
    ['--epss FILE', 'FIRST EPSS scores: the daily CSV (with its #model_version line) or the API JSON'],
    [
      '--validations FILE',
      "manufacturer validation records, CSV or JSON (DESIGN.md §5), or a manufacturer's\nvalidated-patch list (manufacturer,product,versions,patch_id,status,date,reference)",
    ],
    ['--policy FILE', 'hospital patch policy, JSON (see data/demo/policy.json)'],
    ['--mds2 FILE', 'MDS2 manufacturer profiles, CSUP/SBOM answers, CSV or JSON (see data/demo/mds2.csv)'],
    ['--out DIR', 'output folder (default: out)'],
  ],
  examples: [
    'medpatch run --inventory devices.csv --advisories data/csaf/icsma --validations data/demo/validations.csv',
    'medpatch run --inventory devices.csv --advisories data/csaf/icsma --json | jq .workOrders',
    'SERVICENOW_INSTANCE_URL=https://x.service-now.com SERVICENOW_USERNAME=u SERVICENOW_PASSWORD=p \\\n    medpatch run --cmms servicenow --advisories data/csaf/icsma',
  ],
});

async function run(args: readonly string[]): Promise<number> {
  const { values, out } = parseCommandLine('run', args, OPTIONS);
  if (values.help) return printHelp(HELP);
  if (!values.advisories || values.advisories.length === 0)
    throw new UsageError('--advisories PATH is required');
  if (Boolean(values.inventory) === Boolean(values.cmms)) {
    throw new UsageError('give exactly one of --inventory FILE.csv or --cmms servicenow');
  }
  if (values.cmms !== undefined && values.cmms !== 'servicenow')
    throw new UsageError(`unsupported --cmms "${values.cmms}"; supported: servicenow`);
  // A mistyped path fails here, before the local stack starts, not minutes into the run.
  const paths: [string, string | undefined][] = [
    ['--inventory', values.inventory],
    ...values.advisories.map((path): [string, string] => ['--advisories', path]),
    ['--kev', values.kev],
    ['--epss', values.epss],
    ['--validations', values.validations],
    ['--policy', values.policy],
    ['--mds2', values.mds2],
  ];
  for (const [flag, path] of paths) {
    if (path !== undefined && !existsSync(path)) throw fileNotFound(flag, path);
  }
  const reporting = pipelineReporting(out);
  const pipeline: Omit<PipelineInput, 'devices'> = {
    advisoryPaths: values.advisories,
    ...(values.kev ? { kevFile: values.kev } : {}),
    ...(values.epss ? { epssFile: values.epss } : {}),
    ...(values.validations ? { validationsFile: values.validations } : {}),
    ...(values.policy ? { policyFile: values.policy } : {}),
    ...(values.mds2 ? { mds2File: values.mds2 } : {}),
    outDir: values.out,
    log: reporting.log,
    onProgress: reporting.onProgress,
  };
  if (values.inventory) {
    const csvText = readFileSync(values.inventory, 'utf8');
    const outbox = resolve(values.out, 'cmms-outbox');
    return withLocalStack(
      {
        servicenow: false,
        cmms: { kind: 'outbox', baseUrl: `file://${outbox}`, username: '', password: '' },
      },
      out,
      async (stack, runner) => {
        const result = await runPipeline(stack, runner, {
          ...pipeline,
          devices: { kind: 'inventory', csvText },
          cmms: { kind: 'other', name: 'the file outbox' },
        });
        reporting.finish();
        warnRejections(result, out, values.validations);
        printSummary(result, values.out, out, `work orders written to ${outbox}/work-order-outbox.json`);
        return 0;
      },
    );
  }
  const baseUrl = values['instance-url'] ?? process.env.SERVICENOW_INSTANCE_URL;
  const username = values.username ?? process.env.SERVICENOW_USERNAME;
  const password = values.password ?? process.env.SERVICENOW_PASSWORD ?? '';
  if (!baseUrl || !username) {
    throw new UsageError(
      'ServiceNow needs SERVICENOW_INSTANCE_URL and SERVICENOW_USERNAME (or --instance-url/--username)',
    );
  }
  return withLocalStack(
    { servicenow: false, cmms: { kind: 'servicenow', baseUrl, username, password } },
    out,
    async (stack, runner) => {
      const result = await runPipeline(stack, runner, {
        ...pipeline,
        devices: { kind: 'servicenow' },
        cmms: { kind: 'servicenow', instanceUrl: baseUrl },
      });
      reporting.finish();
      warnRejections(result, out, values.validations);
      printSummary(result, values.out, out, `work orders upserted into ${baseUrl}`);
      return 0;
    },
  );
}

export const command: CliCommand = {
  summary: 'run the pipeline once (inventory CSV or ServiceNow) on the embedded local stack',
  help: HELP,
  options: OPTIONS,
  run,
};
