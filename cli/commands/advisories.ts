import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type AdvisoryDocument, readAdvisoryDocument } from '../../shared/application/ingest-advisories';
import type { Advisory } from '../../shared/domain/advisory';
import { isNewerTrackingVersion } from '../../shared/domain/csaf/parse-csaf';
import { MAX_CSAF_BYTES } from '../../shared/domain/csaf/validate-csaf';
import { type ManualAdvisoryInput, parseManualAdvisory } from '../../shared/domain/manual-advisory';
import { type CliCommand, UsageError } from '../support';

const HELP = `medpatch advisories — check, collect and enter advisories.

  medpatch advisories import PATH... [--into DIR] [--json]
      Reads CSAF 2.0 documents (files or folders) and manual advisories, validates each one (CSAF schema and
      mandatory tests, size and nesting limits), shows progress and a per-document report: accepted, accepted
      with warnings, unchanged, or rejected and why. One bad document never stops the others. With --into DIR,
      accepted documents are copied to DIR/<advisory id>.json when new or of a newer tracking version, ready for
      'medpatch run --advisories DIR'. Exit code 1 when any document was rejected.

  medpatch advisories add --id ID --title TEXT --kind KIND --publisher NAME --manufacturer NAME --product NAME
                          [--model-number N]... [--versions SPEC] [--cve CVE]... [--mitigation TEXT]...
                          [--workaround TEXT]... [--vendor-fix TEXT] [--date YYYY-MM-DD] [--version N]
                          [--url URL] [--exploited] [--into DIR]
  medpatch advisories add --file MANUAL.json [--into DIR]
      Enters a manual advisory (KIND: ecri_alert, h_isac_notice, manufacturer_letter, other) in the same
      product/version model as CSAF (SPEC: "*" for all versions, "<= 9.33.1", "vers:generic/<2.4"), validates
      it and writes DIR/<id>.json (default DIR: advisories/manual). The same JSON can be POSTed to
      /v1/advisories/manual.

Options:
  --json        print the report as JSON
  -h, --help    this help`;

interface Reported {
  name: string;
  status: 'accepted' | 'accepted_with_warnings' | 'unchanged' | 'rejected';
  advisoryId?: string;
  trackingVersion?: string;
  messages: string[];
}

function listFiles(path: string): string[] {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`${path}: no such file or folder`);
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
  asJson: boolean,
): Promise<number> {
  if (paths.length === 0) throw new UsageError('advisories import needs at least one PATH');
  const files = paths.flatMap((p) => listFiles(resolve(p)));
  const reports: Reported[] = [];
  for (const [i, file] of files.entries()) {
    const document = documentOf(file);
    const read =
      typeof document === 'string'
        ? { ok: false as const, errors: [document] }
        : await readAdvisoryDocument(document);
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
    if (!asJson) {
      const bar = `${'#'.repeat(Math.round(((i + 1) / files.length) * 20)).padEnd(20, '.')}`;
      process.stderr.write(`\r  [${bar}] ${i + 1}/${files.length} ${report.status.padEnd(22)}`);
    }
  }
  if (!asJson) process.stderr.write('\n');
  const count = (status: Reported['status']) => reports.filter((r) => r.status === status).length;
  const summary = {
    documents: reports.length,
    accepted: count('accepted'),
    acceptedWithWarnings: count('accepted_with_warnings'),
    unchanged: count('unchanged'),
    rejected: count('rejected'),
  };
  if (asJson) {
    console.log(JSON.stringify({ summary, documents: reports }));
  } else {
    for (const r of reports) {
      const id = r.advisoryId ? ` ${r.advisoryId} v${r.trackingVersion}` : '';
      console.log(`${r.status.toUpperCase().padEnd(22)} ${r.name}${id}`);
      const shown = r.status === 'rejected' ? r.messages : r.messages.slice(0, 5);
      for (const m of shown) console.log(`    ${m}`);
      if (shown.length < r.messages.length)
        console.log(`    … ${r.messages.length - shown.length} more warnings`);
    }
    console.log(
      `\n${summary.documents} documents: ${summary.accepted} accepted, ${summary.acceptedWithWarnings} accepted with warnings, ${summary.unchanged} unchanged, ${summary.rejected} rejected`,
    );
  }
  return summary.rejected > 0 ? 1 : 0;
}

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
  json: { type: 'boolean', default: false },
} as const;

async function addCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: ADD_OPTIONS, strict: true });
  let input: unknown;
  if (values.file) {
    input = { source: 'manual', ...(JSON.parse(readFileSync(values.file, 'utf8')) as object) };
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
    console.error(`manual advisory rejected:\n${parsed.errors.map((e) => `  ${e}`).join('\n')}`);
    return 1;
  }
  const written = collect(resolve(values.into), parsed.advisory, `${JSON.stringify(input, null, 2)}\n`);
  const summary = {
    advisoryId: parsed.advisory.advisoryId,
    trackingVersion: parsed.advisory.trackingVersion,
    products: parsed.advisory.products.map((p) => `${p.manufacturerKey}: ${p.fullName}`),
    written,
    into: values.into,
  };
  if (values.json) console.log(JSON.stringify(summary));
  else
    console.log(
      written
        ? `${summary.advisoryId} v${summary.trackingVersion} written to ${values.into} (${summary.products.join('; ')})`
        : `${summary.advisoryId}: an equal or newer version is already in ${values.into}; nothing written`,
    );
  return 0;
}

async function run(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    console.log(HELP);
    return 0;
  }
  if (sub === 'import') {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { into: { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
    return importCommand(positionals, values.into ? resolve(values.into) : undefined, values.json);
  }
  if (sub === 'add') return addCommand(rest);
  throw new UsageError(`unknown subcommand "${sub}" (import, add)`);
}

export const command: CliCommand = {
  summary: 'import (validate, report, collect) CSAF documents; add manual advisories (ECRI, H-ISAC, letters)',
  help: HELP,
  run,
};
