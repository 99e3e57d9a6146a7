import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { recordValidation } from '../../shared/application/record-validation';
import { importValidationText } from '../../shared/application/validation-import';
import { normalizeManufacturer } from '../../shared/domain/manufacturer';
import { parseValidationJson } from '../../shared/domain/validation';
import { parseCommandLine, printHelp, renderHelp } from '../command-line';
import { closest } from '../failure';
import { type CliCommand, CliError, fileNotFound, UsageError } from '../support';
import { FileValidationStore } from '../validation-file-store';

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
} as const;

const HELP = renderHelp({
  command: 'validations',
  summary:
    "manufacturer validation records, kept in a JSON file that 'medpatch run --validations FILE' reads",
  usage: [
    'medpatch validations add    --manufacturer NAME --product MODEL (--advisory ID | --patch ID) --status STATUS',
    '                            [--versions SPEC] [--source SOURCE --reference REF --date YYYY-MM-DD]',
    '                            [--conditions TEXT] [--expires DATE] [--reason TEXT]',
    'medpatch validations list   [--manufacturer NAME] [--history]',
    'medpatch validations import FILE.csv|FILE.json',
  ],
  description: `Every record goes through the same use-case as the Validation API: one record per scope, transitions
checked (VALIDATED needs evidence; NOT_APPROVED → VALIDATED needs new evidence; nothing returns to UNKNOWN), the
previous version kept in history (FILE.history.json). import reads validations CSV/JSON (DESIGN.md §5) or a
manufacturer's validated-patch list (manufacturer,product,versions,patch_id,status,date,reference). The file store
holds no devices or findings: re-assessment happens on the next run.`,
  flags: [
    ['--file FILE', 'the validation store (default: validations.json)'],
    ['--as NAME', 'who records (default: cli:<login>); evidence recorded_by and the audit event'],
    [
      '--role ROLE',
      "your role, checked against the policy's validationRecorderRoles\n(default: clinical-engineering)",
    ],
    ['--manufacturer NAME', 'add: the manufacturer; list: only its records'],
    ['--product MODEL', 'add: the product or model the record covers'],
    ['--versions SPEC', 'add: the software versions covered (default: all)'],
    ['--advisory ID', 'add: the advisory the record answers'],
    ['--patch ID', 'add: the patch the record validates'],
    ['--status STATUS', 'add: VALIDATED, VALIDATED_WITH_CONDITIONS, UNDER_REVIEW, NOT_APPROVED, …'],
    [
      '--source SOURCE',
      'add: evidence source (manufacturer_letter, manufacturer_portal, …); import: default for\npatch lists (manufacturer_portal)',
    ],
    ['--reference REF', "add: the manufacturer's reference (letter number, portal id)"],
    ['--date YYYY-MM-DD', 'add: date of the evidence'],
    ['--conditions TEXT', 'add: conditions of a VALIDATED_WITH_CONDITIONS record'],
    ['--expires DATE', 'add: when the validation stops counting'],
    ['--reason TEXT', 'add: why (goes on the audit event)'],
    ['--history', "list: also show each record's audit events"],
  ],
  examples: [
    'medpatch validations add --manufacturer "Philips Healthcare" --product "IntelliVue MX800" \\\n      --advisory ICSMA-20-254-01 --status VALIDATED --source manufacturer_letter --reference LTR-42 --date 2026-11-02',
    'medpatch validations import philips-approved-patches.csv --file validations.json',
    'medpatch validations list --json | jq \'.[] | select(.status=="UNDER_REVIEW")\'',
  ],
  failure: 'the record (or a row of the import) was rejected; the message says which and why',
});

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals, out } = parseCommandLine('validations', args, OPTIONS, { positionals: true });
  const [sub, ...rest] = positionals;
  if (values.help) return printHelp(HELP);
  if (sub === undefined)
    throw new UsageError('give a subcommand: add, list or import; see `medpatch validations --help`');
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
      throw new CliError(
        `record rejected: ${parsed.errors.map((e) => e.message.replace(/^item 1: /, '')).join('; ')}`,
        {
          code: 'VALIDATION_REJECTED',
          hint: 'correct the flags named above; see `medpatch validations --help`',
        },
      );
    }
    const outcome = await recordValidation(deps, record, principal, {
      reason: values.reason ?? 'recorded with medpatch validations add',
      now,
    });
    if (outcome.status === 'rejected') {
      throw new CliError(`record rejected: ${outcome.reason}`, {
        code: 'VALIDATION_REJECTED',
        hint: `\`medpatch validations list --manufacturer "${values.manufacturer}" --history --file ${store.file}\` shows the current version and its history`,
      });
    }
    out.result(
      { ...outcome, file: store.file },
      () =>
        `${outcome.status} ${outcome.recordId} version ${outcome.version}: ${outcome.from ?? '(new)'} → ${outcome.to} (${store.file})`,
    );
    return 0;
  }

  if (sub === 'list') {
    const key = values.manufacturer ? normalizeManufacturer(values.manufacturer) : undefined;
    const records = store.listAll().filter((r) => key === undefined || r.manufacturerKey === key);
    out.result(records, () => {
      const lines: string[] = [];
      for (const r of records) {
        lines.push(
          `${r.recordId}  ${r.status.padEnd(25)} ${r.manufacturer} ${r.product} ${r.versions || '(all versions)'}  ${r.advisoryId ?? r.patchId ?? ''}  ${r.evidence.source ?? ''} ${r.evidence.reference} ${r.evidence.date}`,
        );
        if (values.history) {
          for (const a of store.auditOf(r.recordId))
            lines.push(out.style.dim(`    ${a.at} ${a.action} by ${a.actor}: ${a.reason}`));
        }
      }
      lines.push(`${records.length} record(s) in ${store.file}`);
      return lines.join('\n');
    });
    return 0;
  }

  if (sub === 'import') {
    const [file] = rest;
    if (!file) throw new UsageError('validations import: give the FILE.csv or FILE.json to import');
    if (!existsSync(file)) throw fileNotFound('import', file);
    const result = await importValidationText(deps, readFileSync(file, 'utf8'), file, principal, {
      now,
      recordedBy: actor,
    });
    for (const e of result.errors)
      out.warn(`  ${file}${e.line ? `:${e.line}` : ''}${e.column ? ` [${e.column}]` : ''}: ${e.message}`);
    out.result(
      {
        file,
        format: result.format,
        created: result.batch.created,
        changed: result.batch.changed,
        unchanged: result.batch.unchanged,
        rejected: result.errors.length,
        errors: result.errors,
        store: store.file,
      },
      () =>
        `${file} (${result.format}): ${result.batch.created} created, ${result.batch.changed} changed, ${result.batch.unchanged} unchanged, ${result.errors.length} rejected → ${store.file}`,
    );
    if (result.errors.length > 0)
      out.info(
        `${out.errStyle.bold('Next:')} correct the rows named above (file:line [column]) and import the file again; the other rows were recorded`,
      );
    return result.errors.length > 0 ? 1 : 0;
  }
  const nearest = closest(sub, ['add', 'list', 'import']);
  throw new UsageError(
    `unknown subcommand "${sub}"${nearest ? ` (did you mean "${nearest}"?)` : ''}; use add, list or import; see \`medpatch validations --help\``,
  );
}

export const command: CliCommand = {
  summary: 'add, list and import manufacturer validation records (a JSON store for run --validations)',
  help: HELP,
  options: OPTIONS,
  run,
};
