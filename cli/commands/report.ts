import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseInventoryCsv } from '../../shared/connectors/csv/inventory-csv';
import {
  findProfileFor,
  mds2NotesFor,
  modelsWithoutProfile,
  parseMds2Csv,
  parseMds2Json,
} from '../../shared/domain/mds2';
import { type CliCommand, UsageError } from '../support';

const HELP = `medpatch report procurement — device models of an inventory without an MDS2 profile (CSUP / SBOM answers).

  medpatch report procurement --inventory FILE.csv [--mds2 FILE.csv|FILE.json] [--format text|csv|json] [--profiled]

MDS2 CSV: manufacturer,model,question_id,answer[,note] — one answer a line, question ids CSUP-1 … CSUP-11.2 and
SBOM-1 … SBOM-4 (typos such as "CSPU-7", "CSUP 2.1" or en dashes are read and reported); other sections are skipped.
MDS2 JSON: [{ "manufacturer", "model", "answers": { "CSUP-2.2": "Yes, field service" } }].
  --profiled   also list the models that have a profile, with what it says about patching`;

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      inventory: { type: 'string' },
      mds2: { type: 'string' },
      format: { type: 'string', default: 'text' },
      profiled: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals[0] !== 'procurement')
    throw new UsageError('usage: medpatch report procurement --inventory FILE …');
  if (!values.inventory) throw new UsageError('--inventory FILE is required');
  if (!['text', 'csv', 'json'].includes(values.format))
    throw new UsageError('--format must be text, csv or json');
  const inventory = parseInventoryCsv(readFileSync(values.inventory, 'utf8'));
  for (const e of inventory.errors) console.error(`  ${values.inventory}:${e.line}: ${e.message}`);
  const parsed = values.mds2
    ? values.mds2.endsWith('.json')
      ? parseMds2Json(readFileSync(values.mds2, 'utf8'))
      : parseMds2Csv(readFileSync(values.mds2, 'utf8'))
    : { profiles: [], errors: [], corrections: [] };
  for (const e of parsed.errors) console.error(`  ${values.mds2}:${e.line}: ${e.message}`);
  for (const c of parsed.corrections) console.error(`  ${values.mds2}: read question id ${c}`);
  const missing = modelsWithoutProfile(inventory.devices, parsed.profiles);
  const profiled = values.profiled
    ? parsed.profiles.map((p) => ({
        manufacturer: p.manufacturer,
        model: p.model,
        devices: inventory.devices.filter((d) => findProfileFor([p], d) !== null).length,
        notes: mds2NotesFor(p),
      }))
    : [];
  if (values.format === 'json') {
    console.log(
      JSON.stringify({ modelsWithoutProfile: missing, ...(values.profiled ? { profiled } : {}) }, null, 2),
    );
  } else if (values.format === 'csv') {
    console.log('manufacturer,model,model_number,devices');
    for (const m of missing)
      console.log([m.manufacturer, m.model, m.modelNumber, m.devices].map(csvCell).join(','));
  } else {
    console.log(
      `Device models without an MDS2 profile (${missing.length}) — ask the manufacturer for its MDS2 form:`,
    );
    for (const m of missing)
      console.log(
        `  ${String(m.devices).padStart(5)}  ${m.manufacturer} ${m.model}${m.modelNumber ? ` (${m.modelNumber})` : ''}`,
      );
    for (const p of profiled) {
      console.log(`\n${p.manufacturer} ${p.model} — ${p.devices} device(s)`);
      for (const line of p.notes) console.log(`  ${line}`);
    }
  }
  return 0;
}

export const command: CliCommand = {
  summary: 'procurement report: device models with no MDS2 manufacturer profile',
  help: HELP,
  run,
};
