import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDemoHospital, seedDemoHospital } from '../local/demo/hospital';
import { type PipelineInput, type PipelineResult, runPipeline } from '../local/pipeline';
import { LocalRunner } from '../local/runner';
import { type LocalStack, startLocalStack } from '../local/stack';

/** Exit codes: 0 success, 1 failure, 2 usage error. */
class UsageError extends Error {
  override name = 'UsageError';
}

const REPO_ROOT = resolve(import.meta.dirname, '..');
const DEFAULT_ADVISORIES = resolve(REPO_ROOT, 'data/csaf/icsma');
const DEFAULT_KEV = resolve(REPO_ROOT, 'data/kev/known_exploited_vulnerabilities.json');
const DEMO_VALIDATIONS = resolve(REPO_ROOT, 'data/demo/validations.csv');

const HELP: Record<string, string> = {
  main: `medpatch — manufacturer-validated patch management for hospital medical devices

Usage:
  medpatch demo [--out DIR] [--devices N]       run the demo hospital on the embedded local stack
  medpatch run  (--inventory FILE.csv | --cmms servicenow) --advisories PATH... [options]
  medpatch help [COMMAND]

Run 'medpatch COMMAND --help' for the options of a command.`,
  demo: `medpatch demo — seeds the ServiceNow simulator with a demo hospital, runs the whole pipeline on the embedded
local stack (DynamoDB Local, fauxqs SQS/SNS, ServiceNow simulator) and writes findings.json, work-orders.json,
alerts.json and summary.json.

Options:
  --out DIR       output folder (default: out)
  --devices N     demo hospital size, at least 2000 (default: 2400)
  --json          print the summary as JSON
  -h, --help      this help`,
  run: `medpatch run — runs the pipeline once on the embedded local stack.

Devices (one of):
  --inventory FILE      canonical inventory CSV (DESIGN.md §5)
  --cmms servicenow     a ServiceNow instance: SERVICENOW_INSTANCE_URL, SERVICENOW_USERNAME, SERVICENOW_PASSWORD
                        (or --instance-url/--username/--password); work orders are upserted there.
                        Plain http is accepted only for loopback addresses.
Options:
  --advisories PATH     CSAF JSON file or folder; repeatable (required)
  --kev FILE            CISA KEV catalog JSON
  --validations FILE    manufacturer validation records, CSV or JSON (DESIGN.md §5)
  --out DIR             output folder (default: out)
  --json                print the summary as JSON
  -h, --help            this help`,
};

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(HELP[rest[0] ?? 'main'] ?? HELP.main);
        return 0;
      case 'demo':
        return await demo(rest);
      case 'run':
        return await run(rest);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(
        `medpatch: ${error.message}\nRun 'medpatch ${command && HELP[command] ? `${command} ` : ''}--help' for usage.`,
      );
      return 2;
    }
    console.error(`medpatch: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

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
    console.log(HELP.demo);
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
    });
    const changeRequests = stack.servicenow.list('change_request').length;
    printSummary(
      result,
      values.out,
      values.json,
      `ServiceNow simulator holds ${changeRequests} change_request records`,
    );
    return 0;
  });
}

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
      validations: { type: 'string' },
      out: { type: 'string', default: 'out' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP.run);
    return 0;
  }
  if (!values.advisories || values.advisories.length === 0)
    throw new UsageError('--advisories PATH is required');
  if (Boolean(values.inventory) === Boolean(values.cmms)) {
    throw new UsageError('give exactly one of --inventory FILE.csv or --cmms servicenow');
  }
  const pipeline: Omit<PipelineInput, 'devices'> = {
    advisoryPaths: values.advisories,
    ...(values.kev ? { kevFile: values.kev } : {}),
    ...(values.validations ? { validationsFile: values.validations } : {}),
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
        });
        for (const rejected of result.rejectedDevices)
          console.error(`  rejected ${rejected.recordId}: ${rejected.message}`);
        printSummary(
          result,
          values.out,
          values.json,
          `work orders written to ${outbox}/work-order-outbox.json`,
        );
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
      const result = await runPipeline(stack, runner, { ...pipeline, devices: { kind: 'servicenow' } });
      printSummary(result, values.out, values.json, `work orders upserted into ${baseUrl}`);
      return 0;
    },
  );
}

/** Starts the local stack, and stops it on success, failure, Ctrl-C or SIGTERM (no orphan java process). */
async function withLocalStack(
  options: Parameters<typeof startLocalStack>[0],
  body: (stack: LocalStack, runner: LocalRunner) => Promise<number>,
): Promise<number> {
  console.error('Starting the local stack (DynamoDB Local, fauxqs, ServiceNow simulator)…');
  const stack = await startLocalStack(options);
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\nmedpatch: ${signal}, stopping the local stack…`);
    void stack.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let runner: LocalRunner | undefined;
  try {
    runner = await LocalRunner.create(stack);
    return await body(stack, runner);
  } finally {
    runner?.close();
    await stack.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function progressLine(): (line: string) => void {
  const started = Date.now();
  return (line) => console.error(`  [${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
}

function printSummary(result: PipelineResult, outDir: string, asJson: boolean, cmmsLine: string): void {
  const s = result.summary;
  if (asJson) {
    console.log(JSON.stringify(s));
    return;
  }
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  console.log(
    [
      '',
      'MedPatch run summary',
      `  devices synced       ${s.devices.read} read, ${s.devices.written} written, ${s.devices.unchanged} unchanged, ${s.devices.rejected} rejected`,
      `  advisories ingested  ${s.advisories.accepted} accepted, ${s.advisories.unchanged} unchanged, ${s.advisories.rejected} rejected (of ${s.advisories.documents})`,
      `  validations          ${s.validations.loaded} loaded, ${s.validations.rejected} rejected; KEV ${s.kevEntries} CVEs`,
      `  findings             ${s.findings.total}: ${list(s.findings.byConfidence)}`,
      `  decisions            ${list(s.findings.byDecision)}`,
      `  work orders          ${s.workOrders.total}: ${list(s.workOrders.byKind)} (${s.workOrders.dispatched} in the CMMS)`,
      `  alerts               ${s.alerts}`,
      `  ${cmmsLine}`,
      `  output               ${resolve(outDir)} (findings.json, work-orders.json, alerts.json, summary.json)`,
      `  took                 ${s.seconds} s`,
    ].join('\n'),
  );
}

// The AWS SDK warns that its 2027 releases need Node 22; Lambda runs nodejs22.x and the pinned SDK runs on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const code = await main(process.argv.slice(2));
process.exitCode = code;
