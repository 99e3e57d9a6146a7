import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type PipelineInput, runPipeline } from '../../local/pipeline';
import { type CliCommand, printSummary, progressLine, UsageError, withLocalStack } from '../support';

const HELP = `medpatch run — runs the pipeline once on the embedded local stack.

Devices (one of):
  --inventory FILE      canonical inventory CSV (DESIGN.md §5)
  --cmms servicenow     a ServiceNow instance: SERVICENOW_INSTANCE_URL, SERVICENOW_USERNAME, SERVICENOW_PASSWORD
                        (or --instance-url/--username/--password); work orders are upserted there.
                        Plain http is accepted only for loopback addresses.
Options:
  --advisories PATH     CSAF JSON file or folder; repeatable (required)
  --kev FILE            CISA KEV catalog JSON
  --epss FILE           FIRST EPSS scores: the daily CSV (with its #model_version line) or the API JSON
  --validations FILE    manufacturer validation records, CSV or JSON (DESIGN.md §5), or a manufacturer's
                        validated-patch list (manufacturer,product,versions,patch_id,status,date,reference)
  --policy FILE         hospital patch policy, JSON (see data/demo/policy.json)
  --mds2 FILE           MDS2 manufacturer profiles, CSUP/SBOM answers, CSV or JSON (see data/demo/mds2.csv)
  --out DIR             output folder (default: out)
  --json                print the summary as JSON
  -h, --help            this help`;

async function run(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
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
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.advisories || values.advisories.length === 0)
    throw new UsageError('--advisories PATH is required');
  if (Boolean(values.inventory) === Boolean(values.cmms)) {
    throw new UsageError('give exactly one of --inventory FILE.csv or --cmms servicenow');
  }
  // A mistyped path fails here, before the local stack starts, not minutes into the run.
  const paths: [string, string | undefined][] = [
    ['--inventory', values.inventory],
    ...values.advisories.map((path): [string, string] => ['--advisories', path]),
    ['--kev', values.kev],
    ['--epss', values.epss],
    ['--validations', values.validations],
    ['--policy', values.policy],
  ];
  for (const [flag, path] of paths) {
    if (path !== undefined && !existsSync(path))
      throw new UsageError(`${flag} ${path}: no such file or folder (relative to ${process.cwd()})`);
  }
  const pipeline: Omit<PipelineInput, 'devices'> = {
    advisoryPaths: values.advisories,
    ...(values.kev ? { kevFile: values.kev } : {}),
    ...(values.epss ? { epssFile: values.epss } : {}),
    ...(values.validations ? { validationsFile: values.validations } : {}),
    ...(values.policy ? { policyFile: values.policy } : {}),
    ...(values.mds2 ? { mds2File: values.mds2 } : {}),
    outDir: values.out,
    log: progressLine(),
  };
  if (values.inventory) {
    const csvText = readFileSync(values.inventory, 'utf8');
    const outbox = resolve(values.out, 'cmms-outbox');
    return withLocalStack(
      {
        servicenow: false,
        cmms: { kind: 'outbox', baseUrl: `file://${outbox}`, username: '', password: '' },
      },
      async (stack, runner) => {
        const result = await runPipeline(stack, runner, {
          ...pipeline,
          devices: { kind: 'inventory', csvText },
          cmms: { kind: 'other', name: 'the file outbox' },
        });
        for (const rejected of result.rejectedDevices)
          console.error(`  rejected ${rejected.recordId}: ${rejected.message}`);
        printSummary(
          result,
          values.out,
          values.json,
          `work orders written to ${outbox}/work-order-outbox.json`,
        );
        if (!values.json) console.log(`  report               ${resolve(result.reportFile)}`);
        return 0;
      },
    );
  }
  if (values.cmms !== 'servicenow')
    throw new UsageError(`unsupported --cmms "${values.cmms}"; supported: servicenow`);
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
    async (stack, runner) => {
      const result = await runPipeline(stack, runner, {
        ...pipeline,
        devices: { kind: 'servicenow' },
        cmms: { kind: 'servicenow', instanceUrl: baseUrl },
      });
      printSummary(result, values.out, values.json, `work orders upserted into ${baseUrl}`);
      if (!values.json) console.log(`  report               ${resolve(result.reportFile)}`);
      return 0;
    },
  );
}

export const command: CliCommand = {
  summary: 'run the pipeline once (inventory CSV or ServiceNow) on the embedded local stack',
  help: HELP,
  run,
};
