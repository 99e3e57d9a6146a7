import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
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
import { type CliCommand, progressLine, UsageError, withLocalStack } from '../support';

const HELP = `medpatch audit export — the audit trail of one device or advisory as evidence for a liability review.

  medpatch audit export (--device ASSET_TAG | --advisory ID) --inventory FILE --advisories PATH
                        [--kev FILE] [--validations FILE] [--policy FILE] [--then-validations FILE]
                        [--format csv|json] [--output FILE] [--out DIR]

The CLI's store lives only for one invocation (DynamoDB Local in memory), so audit export runs the same pipeline as
'medpatch run' with the same inputs and then exports what was recorded: every change to the device, its findings,
their work orders, the validation records that cover it and the policy, with actor, time, reason, before/after.
  --then-validations FILE  validation records that arrive AFTER the first pass (a manufacturer's answer):
                           recorded through the use-case and re-assessed, so the trail shows the flip
  --role ROLE / --as NAME  who records --then-validations (default clinical-engineering / cli:<login>)
  --format csv|json        default csv; --output FILE (default: stdout)`;

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
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
      format: { type: 'string', default: 'csv' },
      output: { type: 'string' },
      out: { type: 'string', default: 'out' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals[0] !== 'export')
    throw new UsageError('usage: medpatch audit export --device TAG | --advisory ID …');
  if (Boolean(values.device) === Boolean(values.advisory))
    throw new UsageError('give exactly one of --device ASSET_TAG or --advisory ID');
  if (values.format !== 'csv' && values.format !== 'json')
    throw new UsageError('--format must be csv or json');
  if (!values.inventory)
    throw new UsageError('--inventory FILE is required (the pipeline runs before the export)');
  if (!values.advisories || values.advisories.length === 0)
    throw new UsageError('--advisories PATH is required');
  const csvText = readFileSync(values.inventory, 'utf8');
  const outbox = resolve(values.out, 'cmms-outbox');
  return withLocalStack(
    { servicenow: false, cmms: { kind: 'outbox', baseUrl: `file://${outbox}`, username: '', password: '' } },
    async (stack, runner) => {
      const log = progressLine();
      await runPipeline(stack, runner, {
        devices: { kind: 'inventory', csvText },
        advisoryPaths: values.advisories ?? [],
        ...(values.kev ? { kevFile: values.kev } : {}),
        ...(values.validations ? { validationsFile: values.validations } : {}),
        ...(values.policy ? { policyFile: values.policy } : {}),
        outDir: values.out,
        log,
      });
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
          for (const e of result.errors)
            console.error(`  ${later}${e.line ? `:${e.line}` : ''}: ${e.message}`);
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
        const text = values.format === 'json' ? `${JSON.stringify(audit, null, 2)}\n` : auditToCsv(audit);
        if (values.output) {
          writeFileSync(values.output, text);
          console.error(`  ${audit.rows.length} audit events written to ${resolve(values.output)}`);
        } else {
          process.stdout.write(text);
        }
        return audit.rows.length > 0 ? 0 : 1;
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
  run,
};
