import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type AdvisoryDocument, readAdvisoryDocument } from '../../shared/application/ingest-advisories';
import type { Advisory } from '../../shared/domain/advisory';
import { MAX_CSAF_BYTES } from '../../shared/domain/csaf/decode-csaf';
import { isNewerTrackingVersion } from '../../shared/domain/csaf/parse-csaf';
import { type ManualAdvisoryInput, parseManualAdvisory } from '../../shared/domain/manual-advisory';
import { parseCommandLine, printHelp, readJsonFile, renderHelp } from '../command-line';
import { closest } from '../failure';
import type { Output } from '../output';
import { type CliCommand, CliError, fileNotFound, UsageError } from '../support';

const IMPORT_OPTIONS = { into: { type: 'string' } } as const;

const ADD_OPTIONS = {
  file: { type: 'string' },
  id: { type: 'string' },
  title: { type: 'string' },
  kind: { type: 'string' },
  publisher: { type: 'string' },
  manufacturer: { type: 'string' },
  product: { type: 'string' },
  'model-number': { type: 'string', multiple: true },
  versions: { type: 'string' },
  cve: { type: 'string', multiple: true },
  mitigation: { type: 'string', multiple: true },
  workaround: { type: 'string', multiple: true },
  'vendor-fix': { type: 'string' },
  date: { type: 'string' },
  version: { type: 'string' },
  url: { type: 'string' },
  exploited: { type: 'boolean', default: false },
  into: { type: 'string', default: 'advisories/manual' },
} as const;

const HELP = renderHelp({
  command: 'advisories',
  summary: 'check, collect and enter advisories',
  usage: [
    'medpatch advisories import PATH... [--into DIR] [--json]',
    'medpatch advisories add --id ID --title TEXT --kind KIND --publisher NAME --manufacturer NAME --product NAME',
    '                        [--model-number N]... [--versions SPEC] [--cve CVE]... [--mitigation TEXT]...',
    '                        [--workaround TEXT]... [--vendor-fix TEXT] [--date YYYY-MM-DD] [--version N]',
    '                        [--url URL] [--exploited] [--into DIR]',
    'medpatch advisories add --file MANUAL.json [--into DIR]',
  ],
  description: `import: reads CSAF 2.0 documents (files or folders) and manual advisories, validates each one (CSAF
schema and mandatory tests, size and nesting limits), shows a progress bar and a per-document report: accepted,
accepted with warnings, unchanged, or rejected with the JSON path of each problem. One bad document never stops
the others. With --into DIR, accepted documents are copied to DIR/<advisory id>.json when new or of a newer
tracking version, ready for 'medpatch run --advisories DIR'.

add: enters a manual advisory (KIND: ecri_alert, h_isac_notice, manufacturer_letter, other) in the same
product/version model as CSAF (SPEC: "*" for all versions, "<= 9.33.1", "vers:generic/<2.4"), validates it and
writes DIR/<id>.json (default DIR: advisories/manual). The same JSON can be POSTed to /v1/advisories/manual.`,
  flags: [
    [
      '--into DIR',
      'import: collect accepted documents here; add: where to write (default advisories/manual)',
    ],
    ['--file MANUAL.json', 'add: the manual advisory as JSON instead of flags'],
    ['--id ID', 'add: advisory id (e.g. ECRI-H0999)'],
    ['--title TEXT', 'add: title'],
    ['--kind KIND', 'add: ecri_alert, h_isac_notice, manufacturer_letter or other'],
    ['--publisher NAME', 'add: who published it'],
    ['--manufacturer NAME', 'add: the affected manufacturer'],
    ['--product NAME', 'add: the affected product'],
    ['--model-number N', 'add: model number; repeatable'],
    ['--versions SPEC', 'add: affected versions (default "*")'],
    ['--cve CVE', 'add: CVE id; repeatable'],
    ['--exploited', 'add: exploitation reported for the CVEs'],
    ['--mitigation TEXT', "add: the manufacturer's interim mitigation; repeatable"],
    ['--workaround TEXT', 'add: workaround; repeatable'],
    ['--vendor-fix TEXT', 'add: the fix the manufacturer names'],
    ['--date YYYY-MM-DD', 'add: release date (default today)'],
    ['--version N', 'add: tracking version'],
    ['--url URL', 'add: where the advisory is published'],
  ],
  examples: [
    'medpatch advisories import data/csaf/icsma ./new-advisories --into advisories',
    'medpatch advisories import vendor.json --json | jq \'.documents[] | select(.status=="rejected")\'',
    'medpatch advisories add --id ECRI-H0999 --title "…" --kind ecri_alert --publisher ECRI --manufacturer BD \\\n      --product "Alaris PC Unit" --versions "<= 9.33.1" --cve CVE-2020-25165 --mitigation "Isolate the pumps."',
  ],
  failure:
    'import: at least one document was rejected (the report says which and where); add: the advisory was rejected',
});

interface Reported {
  name: string;
  status: 'accepted' | 'accepted_with_warnings' | 'unchanged' | 'rejected';
  advisoryId?: string;
  trackingVersion?: string;
  messages: string[];
}

function listFiles(path: string): string[] {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw fileNotFound('PATH', path);
  if (!stat.isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => {
      const child = join(path, name);
      return statSync(child).isDirectory() ? listFiles(child) : name.endsWith('.json') ? [child] : [];
    });
}

/** Reads a file as a document, refusing oversized files before reading them. */
function documentOf(file: string): AdvisoryDocument | string {
  const size = statSync(file).size;
  if (size > MAX_CSAF_BYTES) return `document is ${size} bytes; the limit is ${MAX_CSAF_BYTES} bytes`;
  return { name: file, text: readFileSync(file, 'utf8') };
}

/** Writes the original document into DIR when it is new or newer there (same rule as the advisory store). */
function collect(dir: string, advisory: Advisory, text: string): boolean {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, `${advisory.advisoryId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  const existing = statSync(target, { throwIfNoEntry: false }) ? readFileSync(target, 'utf8') : undefined;
  if (existing !== undefined) {
    const version = (
      JSON.parse(existing) as { document?: { tracking?: { version?: string } }; version?: string }
    ).document?.tracking?.version;
    const manualVersion = (JSON.parse(existing) as { version?: string }).version;
    const previous = version ?? manualVersion ?? '1';
    if (!isNewerTrackingVersion(advisory.trackingVersion, previous)) return false;
  }
  writeFileSync(target, text);
  return true;
}

async function importCommand(
  paths: readonly string[],
  into: string | undefined,
  out: Output,
): Promise<number> {
  if (paths.length === 0) throw new UsageError('advisories import needs at least one PATH');
  const files = paths.flatMap((p) => listFiles(resolve(p)));
  const reports: Reported[] = [];
  const bar = out.progress('advisories', { total: files.length, unit: 'documents' });
  const tally = () =>
    (['accepted', 'accepted_with_warnings', 'unchanged', 'rejected'] as const)
      .map(
        (status) =>
          `${status === 'accepted_with_warnings' ? 'warnings' : status} ${reports.filter((r) => r.status === status).length}`,
      )
      .join(' · ');
  // No stack here: the CSAF validator runs in this process.
  // Loaded only here: the CSAF validator library takes seconds to load, and `medpatch --help` lists this command.
  const { InProcessCsafValidator } = await import('../../shared/adapters/csaf/in-process-csaf-validator');
  const csafValidator = new InProcessCsafValidator();
  for (const [i, file] of files.entries()) {
    const document = documentOf(file);
    const read =
      typeof document === 'string'
        ? { ok: false as const, errors: [document] }
        : await readAdvisoryDocument(document, csafValidator);
    let report: Reported;
    if (!read.ok) {
      report = { name: file, status: 'rejected', messages: read.errors };
    } else {
      const fresh = into === undefined || collect(into, read.advisory, (document as { text: string }).text);
      report = {
        name: file,
        status: !fresh ? 'unchanged' : read.warnings.length > 0 ? 'accepted_with_warnings' : 'accepted',
        advisoryId: read.advisory.advisoryId,
        trackingVersion: read.advisory.trackingVersion,
        messages: read.warnings,
      };
    }
    reports.push(report);
    bar.update(i + 1, { detail: tally() });
  }
  bar.done({ done: files.length, detail: tally() });
  const count = (status: Reported['status']) => reports.filter((r) => r.status === status).length;
  const summary = {
    documents: reports.length,
    accepted: count('accepted'),
    acceptedWithWarnings: count('accepted_with_warnings'),
    unchanged: count('unchanged'),
    rejected: count('rejected'),
  };
  const st = out.style;
  const statusStyle = (status: Reported['status']) =>
    status === 'rejected'
      ? st.red
      : status === 'accepted'
        ? st.green
        : status === 'unchanged'
          ? st.dim
          : st.yellow;
  out.result({ summary, documents: reports }, () => {
    const lines: string[] = [];
    for (const r of reports) {
      const id = r.advisoryId ? ` ${r.advisoryId} v${r.trackingVersion}` : '';
      lines.push(`${statusStyle(r.status)(r.status.toUpperCase().padEnd(22))} ${r.name}${id}`);
      const shown = r.status === 'rejected' ? r.messages : r.messages.slice(0, 5);
      for (const m of shown) lines.push(`    ${m}`);
      if (shown.length < r.messages.length)
        lines.push(`    … ${r.messages.length - shown.length} more warnings`);
    }
    lines.push(
      `\n${summary.documents} documents: ${summary.accepted} accepted, ${summary.acceptedWithWarnings} accepted with warnings, ${summary.unchanged} unchanged, ${summary.rejected} rejected`,
    );
    return lines.join('\n');
  });
  if (summary.rejected > 0)
    out.info(
      `${out.errStyle.bold('Next:')} fix the rejected documents at the JSON paths named above (or ask their publisher for a corrected version) and import them again`,
    );
  return summary.rejected > 0 ? 1 : 0;
}

async function addCommand(args: readonly string[]): Promise<number> {
  const { values, out } = parseCommandLine('advisories', args, ADD_OPTIONS);
  if (values.help) return printHelp(HELP);
  let input: unknown;
  if (values.file) {
    input = { source: 'manual', ...(readJsonFile('--file', values.file) as object) };
  } else {
    for (const flag of ['id', 'title', 'kind', 'publisher', 'manufacturer', 'product'] as const) {
      if (!values[flag]) throw new UsageError(`--${flag} is required (or give --file MANUAL.json)`);
    }
    const manual: ManualAdvisoryInput = {
      source: 'manual',
      advisoryId: values.id as string,
      title: values.title as string,
      kind: values.kind as ManualAdvisoryInput['kind'],
      publisherName: values.publisher as string,
      releaseDate: values.date ?? new Date().toISOString().slice(0, 10),
      ...(values.version ? { version: values.version } : {}),
      ...(values.url ? { url: values.url } : {}),
      products: [
        {
          manufacturer: values.manufacturer as string,
          product: values.product as string,
          modelNumbers: values['model-number'] ?? [],
          versions: values.versions ?? '*',
        },
      ],
      vulnerabilities: (values.cve ?? []).map((cve) => ({ cve, exploitReported: values.exploited })),
      remediations: [
        ...(values.mitigation ?? []).map((details) => ({ category: 'mitigation' as const, details })),
        ...(values.workaround ?? []).map((details) => ({ category: 'workaround' as const, details })),
        ...(values['vendor-fix'] ? [{ category: 'vendor_fix' as const, details: values['vendor-fix'] }] : []),
      ],
    };
    input = manual;
  }
  const parsed = parseManualAdvisory(input);
  if (!parsed.ok) {
    throw new CliError(`manual advisory rejected: ${parsed.errors.join('; ')}`, {
      code: 'ADVISORY_REJECTED',
      hint: 'correct the fields named above (see `medpatch advisories --help` for KIND and version SPEC forms)',
    });
  }
  const written = collect(resolve(values.into), parsed.advisory, `${JSON.stringify(input, null, 2)}\n`);
  const summary = {
    advisoryId: parsed.advisory.advisoryId,
    trackingVersion: parsed.advisory.trackingVersion,
    products: parsed.advisory.products.map((p) => `${p.manufacturerKey}: ${p.fullName}`),
    written,
    into: values.into,
  };
  out.result(summary, () =>
    written
      ? `${summary.advisoryId} v${summary.trackingVersion} written to ${values.into} (${summary.products.join('; ')})`
      : `${summary.advisoryId}: an equal or newer version is already in ${values.into}; nothing written`,
  );
  return 0;
}

async function run(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') return printHelp(HELP);
  if (sub === 'import') {
    const { values, positionals, out } = parseCommandLine('advisories', rest, IMPORT_OPTIONS, {
      positionals: true,
    });
    if (values.help) return printHelp(HELP);
    return importCommand(positionals, values.into ? resolve(values.into) : undefined, out);
  }
  if (sub === 'add') return addCommand(rest);
  const nearest = closest(sub, ['import', 'add']);
  throw new UsageError(
    `unknown subcommand "${sub}"${nearest ? ` (did you mean "${nearest}"?)` : ''}; use import or add; see \`medpatch advisories --help\``,
  );
}

export const command: CliCommand = {
  summary: 'import (validate, report, collect) CSAF documents; add manual advisories (ECRI, H-ISAC, letters)',
  help: HELP,
  options: { ...IMPORT_OPTIONS, ...ADD_OPTIONS },
  run,
};
