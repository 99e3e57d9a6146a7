import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { recordValidation } from '../../shared/application/record-validation';
import { importValidationText } from '../../shared/application/validation-import';
import { normalizeManufacturer } from '../../shared/domain/manufacturer';
import { parseValidationJson } from '../../shared/domain/validation';
import { type CliCommand, UsageError } from '../support';
import { FileValidationStore } from '../validation-file-store';

const HELP = `medpatch validations — manufacturer validation records, kept in a JSON file that
'medpatch run --validations FILE' reads (history and audit events in FILE.history.json).

  medpatch validations add    --manufacturer NAME --product MODEL (--advisory ID | --patch ID) --status STATUS
                              [--versions SPEC] [--source SOURCE --reference REF --date YYYY-MM-DD]
                              [--conditions TEXT] [--expires DATE] [--reason TEXT]
  medpatch validations list   [--manufacturer NAME] [--history] [--json]
  medpatch validations import FILE.csv|FILE.json     validations CSV/JSON (DESIGN.md §5) or a manufacturer's
                              validated-patch list (manufacturer,product,versions,patch_id,status,date,reference)
Common options:
  --file FILE     the validation store (default: validations.json)
  --as NAME       who records (default: cli:<login>); recorded as evidence recorded_by and on the audit event
  --role ROLE     your role, checked against the policy's validationRecorderRoles (default: clinical-engineering)
  --source SOURCE evidence source for imported patch lists (default: manufacturer_portal)

Every record goes through the same use-case as the Validation API: one record per scope, transitions checked
(VALIDATED needs evidence; NOT_APPROVED → VALIDATED needs new evidence; nothing returns to UNKNOWN), the previous
version kept in history. The file store holds no devices or findings: re-assessment happens on the next run.`;

const OPTIONS = {
  file: { type: 'string', default: 'validations.json' },
  as: { type: 'string' },
  role: { type: 'string', default: 'clinical-engineering' },
  manufacturer: { type: 'string' },
  product: { type: 'string' },
  versions: { type: 'string' },
  advisory: { type: 'string' },
  patch: { type: 'string' },
  status: { type: 'string' },
  source: { type: 'string' },
  reference: { type: 'string' },
  date: { type: 'string' },
  conditions: { type: 'string' },
  expires: { type: 'string' },
  reason: { type: 'string' },
  history: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  const [sub, ...rest] = positionals;
  if (values.help || sub === undefined) {
    console.log(HELP);
    return sub === undefined && !values.help ? 2 : 0;
  }
  const store = new FileValidationStore(values.file);
  const actor = values.as ?? `cli:${userInfo().username}`;
  const principal = { actor, roles: [values.role] };
  const deps = {
    validations: store,
    devices: { listByManufacturer: async () => [] },
    findings: { listByDevice: async () => [] },
  };
  const now = new Date().toISOString();

  if (sub === 'add') {
    for (const required of ['manufacturer', 'product', 'status'] as const)
      if (!values[required]) throw new UsageError(`validations add: --${required} is required`);
    if (!values.advisory && !values.patch)
      throw new UsageError('validations add: give --advisory ID or --patch ID');
    const parsed = parseValidationJson(
      [
        {
          manufacturer: values.manufacturer,
          product: values.product,
          versions: values.versions ?? '',
          advisoryId: values.advisory,
          patchId: values.patch,
          status: values.status,
          evidenceSource: values.source,
          evidenceRef: values.reference ?? '',
          evidenceDate: values.date ?? '',
          recordedBy: actor,
          conditions: values.conditions,
          expires: values.expires,
        },
      ],
      { recordedAt: now },
    );
    const [record] = parsed.records;
    if (!record) {
      for (const e of parsed.errors) console.error(`  ${e.message.replace(/^item 1: /, '')}`);
      return 1;
    }
    const outcome = await recordValidation(deps, record, principal, {
      reason: values.reason ?? 'recorded with medpatch validations add',
      now,
    });
    if (outcome.status === 'rejected') {
      console.error(`rejected: ${outcome.reason}`);
      return 1;
    }
    console.log(
      `${outcome.status} ${outcome.recordId} version ${outcome.version}: ${outcome.from ?? '(new)'} → ${outcome.to} (${store.file})`,
    );
    return 0;
  }

  if (sub === 'list') {
    const key = values.manufacturer ? normalizeManufacturer(values.manufacturer) : undefined;
    const records = store.listAll().filter((r) => key === undefined || r.manufacturerKey === key);
    if (values.json) {
      console.log(JSON.stringify(records, null, 2));
      return 0;
    }
    for (const r of records) {
      console.log(
        `${r.recordId}  ${r.status.padEnd(25)} ${r.manufacturer} ${r.product} ${r.versions || '(all versions)'}  ${r.advisoryId ?? r.patchId ?? ''}  ${r.evidence.source ?? ''} ${r.evidence.reference} ${r.evidence.date}`,
      );
      if (values.history) {
        for (const a of store.auditOf(r.recordId))
          console.log(`    ${a.at} ${a.action} by ${a.actor}: ${a.reason}`);
      }
    }
    console.log(`${records.length} record(s) in ${store.file}`);
    return 0;
  }

  if (sub === 'import') {
    const [file] = rest;
    if (!file) throw new UsageError('validations import: give the FILE.csv or FILE.json to import');
    const result = await importValidationText(deps, readFileSync(file, 'utf8'), file, principal, {
      now,
      recordedBy: actor,
    });
    for (const e of result.errors)
      console.error(
        `  ${file}${e.line ? `:${e.line}` : ''}${e.column ? ` [${e.column}]` : ''}: ${e.message}`,
      );
    console.log(
      `${file} (${result.format}): ${result.batch.created} created, ${result.batch.changed} changed, ${result.batch.unchanged} unchanged, ${result.errors.length} rejected → ${store.file}`,
    );
    return result.errors.length > 0 ? 1 : 0;
  }
  throw new UsageError(`unknown subcommand "${sub}" (add, list, import)`);
}

export const command: CliCommand = {
  summary: 'add, list and import manufacturer validation records (a JSON store for run --validations)',
  help: HELP,
  run,
};
