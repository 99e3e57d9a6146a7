import { existsSync, readFileSync } from 'node:fs';
import { parseInventoryCsv } from '../../shared/connectors/csv/inventory-csv';
import {
  findProfileFor,
  mds2NotesFor,
  modelsWithoutProfile,
  parseMds2Csv,
  parseMds2Json,
} from '../../shared/domain/mds2';
import { parseCommandLine, printHelp, renderHelp } from '../command-line';
import { type CliCommand, fileNotFound, UsageError } from '../support';

const OPTIONS = {
  inventory: { type: 'string' },
  mds2: { type: 'string' },
  format: { type: 'string' },
  profiled: { type: 'boolean', default: false },
} as const;

const HELP = renderHelp({
  command: 'report',
  summary: 'procurement report: device models of an inventory without an MDS2 profile (CSUP / SBOM answers)',
  usage: [
    'medpatch report procurement --inventory FILE.csv [--mds2 FILE.csv|FILE.json] [--format text|csv|json] [--profiled]',
  ],
  description: `MDS2 CSV: manufacturer,model,question_id,answer[,note] — one answer a line, question ids CSUP-1 … CSUP-11.2
and SBOM-1 … SBOM-4 (typos such as "CSPU-7", "CSUP 2.1" or en dashes are read and reported); other sections are
skipped. MDS2 JSON: [{ "manufacturer", "model", "answers": { "CSUP-2.2": "Yes, field service" } }].`,
  flags: [
    ['--inventory FILE', 'inventory CSV (required)'],
    ['--mds2 FILE', 'MDS2 manufacturer profiles, CSV or JSON'],
    ['--format text|csv|json', 'output format (default text; --json is --format json)'],
    ['--profiled', 'also list the models that have a profile, with what it says about patching'],
  ],
  examples: [
    'medpatch report procurement --inventory devices.csv --mds2 data/demo/mds2.csv',
    'medpatch report procurement --inventory devices.csv --format csv > models-without-mds2.csv',
  ],
});

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals, out } = parseCommandLine('report', args, OPTIONS, { positionals: true });
  if (values.help) return printHelp(HELP);
  if (positionals[0] !== 'procurement' || positionals.length > 1)
    throw new UsageError('usage: medpatch report procurement --inventory FILE …');
  if (!values.inventory) throw new UsageError('--inventory FILE is required');
  const format = values.format ?? (out.json ? 'json' : 'text');
  if (!['text', 'csv', 'json'].includes(format)) throw new UsageError('--format must be text, csv or json');
  if (out.json && format !== 'json')
    throw new UsageError(`--json and --format ${format} contradict each other`);
  if (!existsSync(values.inventory)) throw fileNotFound('--inventory', values.inventory);
  if (values.mds2 && !existsSync(values.mds2)) throw fileNotFound('--mds2', values.mds2);
  const inventory = parseInventoryCsv(readFileSync(values.inventory, 'utf8'));
  for (const e of inventory.errors) out.warn(`  ${values.inventory}:${e.line}: ${e.message}`);
  const parsed = values.mds2
    ? values.mds2.endsWith('.json')
      ? parseMds2Json(readFileSync(values.mds2, 'utf8'))
      : parseMds2Csv(readFileSync(values.mds2, 'utf8'))
    : { profiles: [], errors: [], corrections: [] };
  for (const e of parsed.errors) out.warn(`  ${values.mds2}:${e.line}: ${e.message}`);
  for (const c of parsed.corrections) out.info(`  ${values.mds2}: read question id ${c}`);
  const missing = modelsWithoutProfile(inventory.devices, parsed.profiles);
  const profiled = values.profiled
    ? parsed.profiles.map((p) => ({
        manufacturer: p.manufacturer,
        model: p.model,
        devices: inventory.devices.filter((d) => findProfileFor([p], d) !== null).length,
        notes: mds2NotesFor(p),
      }))
    : [];
  if (format === 'json') {
    const document = { modelsWithoutProfile: missing, ...(values.profiled ? { profiled } : {}) };
    if (out.json) out.result(document, () => '');
    else out.data(`${JSON.stringify(document, null, 2)}\n`);
  } else if (format === 'csv') {
    const rows = missing.map((m) =>
      [m.manufacturer, m.model, m.modelNumber, m.devices].map(csvCell).join(','),
    );
    out.data(`${['manufacturer,model,model_number,devices', ...rows].join('\n')}\n`);
  } else {
    out.result({ modelsWithoutProfile: missing }, () => {
      const lines = [
        `Device models without an MDS2 profile (${missing.length}) — ask the manufacturer for its MDS2 form:`,
      ];
      for (const m of missing)
        lines.push(
          `  ${String(m.devices).padStart(5)}  ${m.manufacturer} ${m.model}${m.modelNumber ? ` (${m.modelNumber})` : ''}`,
        );
      for (const p of profiled) {
        lines.push('', out.style.bold(`${p.manufacturer} ${p.model} — ${p.devices} device(s)`));
        for (const line of p.notes) lines.push(`  ${line}`);
      }
      return lines.join('\n');
    });
  }
  return 0;
}

export const command: CliCommand = {
  summary: 'procurement report: device models with no MDS2 manufacturer profile',
  help: HELP,
  options: OPTIONS,
  run,
};
