import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { runPipeline } from '../../local/pipeline';
import { localDynamoDbClient, localSqsClient } from '../../local/stack';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { DynamoPolicyRepository } from '../../shared/adapters/dynamodb/policy-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoValidationRepository } from '../../shared/adapters/dynamodb/validation-repository';
import { SqsPrioritizeQueue } from '../../shared/adapters/sqs/sqs-queues';
import {
  type AuditExport,
  auditToCsv,
  exportAdvisoryAudit,
  exportDeviceAudit,
} from '../../shared/application/audit-export';
import { importValidationText } from '../../shared/application/validation-import';
import { parseCommandLine, printHelp, renderHelp } from '../command-line';
import {
  type CliCommand,
  fileNotFound,
  pipelineReporting,
  UsageError,
  warnRejections,
  withLocalStack,
} from '../support';

const OPTIONS = {
  device: { type: 'string' },
  advisory: { type: 'string' },
  inventory: { type: 'string' },
  advisories: { type: 'string', multiple: true },
  kev: { type: 'string' },
  validations: { type: 'string' },
  policy: { type: 'string' },
  'then-validations': { type: 'string' },
  role: { type: 'string', default: 'clinical-engineering' },
  as: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string' },
  out: { type: 'string', default: 'out' },
} as const;

const HELP = renderHelp({
  command: 'audit',
  summary: 'the audit trail of one device or advisory as evidence for a liability review',
  usage: [
    'medpatch audit export (--device ASSET_TAG | --advisory ID) --inventory FILE --advisories PATH...',
    '                      [--kev FILE] [--validations FILE] [--policy FILE] [--then-validations FILE]',
    '                      [--format csv|json] [--output FILE] [--out DIR]',
  ],
  description: `The CLI's store lives only for one invocation (DynamoDB Local in memory), so audit export runs the same
pipeline as 'medpatch run' with the same inputs and then exports what was recorded: every change to the device,
its findings, their work orders, the validation records that cover it and the policy, with actor, time, reason,
before/after. With --json the export is printed as JSON on stdout (or, with --output, a JSON line saying where it
went and how many events it holds).`,
  flags: [
    ['--device ASSET_TAG', 'the device whose trail to export'],
    ['--advisory ID', 'the advisory whose trail to export'],
    ['--inventory FILE', 'inventory CSV (required: the pipeline runs before the export)'],
    ['--advisories PATH', 'CSAF JSON file or folder; repeatable (required)'],
    ['--kev FILE', 'CISA KEV catalog JSON'],
    ['--validations FILE', 'validation records loaded before the first pass'],
    ['--policy FILE', 'hospital patch policy, JSON'],
    [
      '--then-validations FILE',
      "validation records that arrive AFTER the first pass (a manufacturer's answer):\nrecorded through the use-case and re-assessed, so the trail shows the flip",
    ],
    ['--role ROLE', 'who records --then-validations: role (default clinical-engineering)'],
    ['--as NAME', 'who records --then-validations: name (default cli:<login>)'],
    ['--format csv|json', 'export format (default csv; json with --json)'],
    ['--output FILE', 'write the export here (default: stdout)'],
    ['--out DIR', "the pipeline's output folder (default: out)"],
  ],
  examples: [
    'medpatch audit export --device MON-0001 --inventory devices.csv --advisories data/csaf/icsma \\\n      --validations validations.json --then-validations later.csv --output evidence.csv',
    "medpatch audit export --advisory ICSMA-20-023-01 --inventory devices.csv --advisories data/csaf/icsma --json | jq '.rows | length'",
  ],
  failure: 'the export failed, or it holds no audit event (an unknown asset tag or advisory id)',
});

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals, out } = parseCommandLine('audit', args, OPTIONS, { positionals: true });
  if (values.help) return printHelp(HELP);
  if (positionals[0] !== 'export' || positionals.length > 1)
    throw new UsageError('usage: medpatch audit export --device TAG | --advisory ID …');
  if (Boolean(values.device) === Boolean(values.advisory))
    throw new UsageError('give exactly one of --device ASSET_TAG or --advisory ID');
  const format = values.format ?? (out.json ? 'json' : 'csv');
  if (format !== 'csv' && format !== 'json') throw new UsageError('--format must be csv or json');
  if (out.json && format !== 'json' && !values.output)
    throw new UsageError(
      '--json prints the export as JSON on stdout; drop --format csv or add --output FILE',
    );
  if (!values.inventory)
    throw new UsageError('--inventory FILE is required (the pipeline runs before the export)');
  if (!values.advisories || values.advisories.length === 0)
    throw new UsageError('--advisories PATH is required');
  const paths: [string, string | undefined][] = [
    ['--inventory', values.inventory],
    ...values.advisories.map((path): [string, string] => ['--advisories', path]),
    ['--kev', values.kev],
    ['--validations', values.validations],
    ['--policy', values.policy],
    ['--then-validations', values['then-validations']],
  ];
  for (const [flag, path] of paths)
    if (path !== undefined && !existsSync(path)) throw fileNotFound(flag, path);
  const csvText = readFileSync(values.inventory, 'utf8');
  const outbox = resolve(values.out, 'cmms-outbox');
  return withLocalStack(
    { servicenow: false, cmms: { kind: 'outbox', baseUrl: `file://${outbox}`, username: '', password: '' } },
    out,
    async (stack, runner) => {
      const reporting = pipelineReporting(out);
      const log = reporting.log;
      const result = await runPipeline(stack, runner, {
        devices: { kind: 'inventory', csvText },
        advisoryPaths: values.advisories ?? [],
        ...(values.kev ? { kevFile: values.kev } : {}),
        ...(values.validations ? { validationsFile: values.validations } : {}),
        ...(values.policy ? { policyFile: values.policy } : {}),
        outDir: values.out,
        log,
        onProgress: reporting.onProgress,
      });
      reporting.finish();
      warnRejections(result, out, values.validations);
      const dynamodb = localDynamoDbClient(stack);
      const sqs = localSqsClient(stack);
      try {
        const table = new TableClient(dynamodb, stack.tableNames.main);
        const later = values['then-validations'];
        if (later) {
          const actor = values.as ?? `cli:${userInfo().username}`;
          const result = await importValidationText(
            {
              validations: new DynamoValidationRepository(table),
              devices: new DynamoDeviceRepository(table),
              findings: new DynamoFindingRepository(table),
              prioritizeQueue: new SqsPrioritizeQueue(sqs, stack.queueUrls.prioritize),
              policy: new DynamoPolicyRepository(table),
            },
            readFileSync(later, 'utf8'),
            later,
            { actor, roles: [values.role] },
            { now: new Date().toISOString(), recordedBy: actor },
          );
          for (const e of result.errors) out.warn(`  ${later}${e.line ? `:${e.line}` : ''}: ${e.message}`);
          log(
            `later validations: ${result.loaded} recorded, ${result.batch.reassessed} findings re-assessed`,
          );
          await runner.drain();
        }
        const deps = {
          audit: new DynamoAuditRepository(table),
          devices: new DynamoDeviceRepository(table),
          findings: new DynamoFindingRepository(table),
          validations: new DynamoValidationRepository(table),
        };
        const now = new Date().toISOString();
        const audit: AuditExport = values.device
          ? await exportDeviceAudit(deps, values.device, now)
          : await exportAdvisoryAudit(deps, values.advisory ?? '', now);
        const text = format === 'json' ? `${JSON.stringify(audit, null, 2)}\n` : auditToCsv(audit);
        if (values.output) {
          writeFileSync(values.output, text);
          const output = resolve(values.output);
          out.result(
            { output, format, events: audit.rows.length },
            () => `${audit.rows.length} audit events written to ${output}`,
          );
        } else if (out.json) {
          out.result(audit, () => '');
        } else {
          out.data(text);
        }
        if (audit.rows.length > 0) return 0;
        out.warn(
          `${out.errStyle.bold('Next:')} no audit event for ${values.device ? `device ${values.device}` : `advisory ${values.advisory}`}: check the ${values.device ? 'asset tag against --inventory' : 'advisory id against --advisories'}`,
        );
        return 1;
      } finally {
        dynamodb.destroy();
        sqs.destroy();
      }
    },
  );
}

export const command: CliCommand = {
  summary: 'export the audit trail of a device or advisory (CSV/JSON evidence) after a pipeline run',
  help: HELP,
  options: OPTIONS,
  run,
};
