import * as z from 'zod';
import { normalizeManufacturer } from './manufacturer';
import { productKey, readCsvRecords } from './validation';

/**
 * MDS2 (ANSI/NEMA HN 1-2019) manufacturer profiles: the CSUP ("Cyber security product upgrades") and SBOM
 * sections per manufacturer × model, and what they mean for a work order (who installs patches, whether the
 * manufacturer announces approved updates and publishes approval status, the review cycle).
 *
 * Real forms contain typos in question ids ("SHAD-15" for "SAHD-15", "refernce"), so ids are read tolerantly:
 * case, separators (space, underscore, en dash, comma for the decimal point), leading zeros and a transposed or
 * reordered section code are all accepted when the result is one of the known ids.
 */

const CSUP_COMPONENTS = ['2', '3', '4', '5', '6'] as const;

export const MDS2_QUESTION_IDS: readonly string[] = [
  'CSUP-1',
  ...CSUP_COMPONENTS.flatMap((c) => [`CSUP-${c}`, ...[1, 2, 3, 4].map((s) => `CSUP-${c}.${s}`)]),
  'CSUP-7',
  'CSUP-8',
  'CSUP-9',
  'CSUP-10',
  'CSUP-10.1',
  'CSUP-11',
  'CSUP-11.1',
  'CSUP-11.2',
  'SBOM-1',
  'SBOM-2',
  'SBOM-2.1',
  'SBOM-2.2',
  'SBOM-2.3',
  'SBOM-2.4',
  'SBOM-3',
  'SBOM-4',
];
const KNOWN_IDS = new Set(MDS2_QUESTION_IDS);
const SECTIONS = ['CSUP', 'SBOM'] as const;

export const Mds2Answer = z.enum(['YES', 'NO', 'NA', 'UNKNOWN']);
export type Mds2Answer = z.infer<typeof Mds2Answer>;

export const Mds2AnswerWithNote = z.object({ answer: Mds2Answer, note: z.string().default('') });
export type Mds2AnswerWithNote = z.infer<typeof Mds2AnswerWithNote>;

export const Mds2Summary = z.object({
  /** Who can install patches, over the device's software components (OS, drivers/firmware, ...). */
  patchInstall: z.object({ owner: Mds2Answer, vendorService: Mds2Answer, remote: Mds2Answer }),
  /** CSUP-x.4: third-party (e.g. Microsoft) updates may be installed without manufacturer approval. */
  thirdPartyWithoutApproval: Mds2Answer,
  notifiesApprovedUpdates: Mds2Answer,
  autoInstallsUpdates: Mds2Answer,
  providesApprovalStatus: Mds2Answer,
  reviewCycle: Mds2AnswerWithNote,
  sbomAvailable: Mds2Answer,
});
export type Mds2Summary = z.infer<typeof Mds2Summary>;

export const Mds2Profile = z.object({
  manufacturer: z.string().trim().min(1),
  manufacturerKey: z.string().trim().min(1),
  model: z.string().trim().min(1),
  /** productKey(model): what lookups compare. */
  modelKey: z.string().min(1),
  answers: z.record(z.string(), Mds2AnswerWithNote),
  summary: Mds2Summary,
});
export type Mds2Profile = z.infer<typeof Mds2Profile>;

export interface Mds2ParseError {
  line: number;
  column?: string;
  message: string;
}

/** Canonical question id for a raw id, or null when it is not a CSUP/SBOM question. */
export function normalizeQuestionId(raw: string): { id: string; corrected: boolean } | null {
  const cleaned = raw
    .normalize('NFKC')
    .trim()
    .toUpperCase()
    .replace(/[\u2010-\u2015_\s]+/g, '-')
    .replace(/\.$/, '');
  const m = /^([A-Z]{3,5})-?(\d+)(?:[.,](\d+))?$/.exec(cleaned);
  if (!m) return null;
  const [, letters = '', major = '', minor] = m;
  const number = `${Number(major)}${minor === undefined ? '' : `.${Number(minor)}`}`;
  const sorted = (s: string) => [...s].sort().join('');
  const section =
    SECTIONS.find((s) => s === letters) ??
    SECTIONS.find((s) => s.length === letters.length && sorted(s) === sorted(letters));
  if (section === undefined) return null;
  const id = `${section}-${number}`;
  if (!KNOWN_IDS.has(id)) return null;
  return { id, corrected: id !== raw.trim() };
}

/** "Yes", "Yes, IFU", "N/A", "no - see note", "" → answer and note. */
export function parseMds2Answer(raw: string): Mds2AnswerWithNote {
  const text = raw.trim();
  const m =
    /^(not applicable|n\/a|n\.a\.?|na|yes|y|no|n|unknown|\?)(?=$|[\s,;:.\-–—(])[\s,;:.\-–—]*(.*)$/is.exec(
      text,
    );
  if (!m) return { answer: 'UNKNOWN', note: text };
  const word = (m[1] ?? '').toLowerCase();
  const note = (m[2] ?? '').trim();
  const answer: Mds2Answer =
    word === 'yes' || word === 'y'
      ? 'YES'
      : word === 'no' || word === 'n'
        ? 'NO'
        : word === 'unknown' || word === '?'
          ? 'UNKNOWN'
          : 'NA';
  return { answer, note };
}

function anyOf(values: readonly Mds2Answer[]): Mds2Answer {
  if (values.includes('YES')) return 'YES';
  if (values.length > 0 && values.every((v) => v === 'NO' || v === 'NA'))
    return values.includes('NO') ? 'NO' : 'NA';
  return 'UNKNOWN';
}

/** Derives the work-order-relevant facts from the answers. */
export function summarizeMds2(answers: Readonly<Record<string, Mds2AnswerWithNote>>): Mds2Summary {
  const get = (id: string): Mds2Answer => answers[id]?.answer ?? 'UNKNOWN';
  // Components the device has (CSUP-x = YES), or all of them when the form does not say.
  const present = CSUP_COMPONENTS.filter((c) => get(`CSUP-${c}`) === 'YES');
  const components = present.length > 0 ? present : CSUP_COMPONENTS.filter((c) => get(`CSUP-${c}`) !== 'NO');
  const over = (sub: number) =>
    anyOf(components.map((c) => get(`CSUP-${c}.${sub}`)).filter((a) => a !== 'UNKNOWN'));
  return {
    patchInstall: { owner: over(1), vendorService: over(2), remote: over(3) },
    thirdPartyWithoutApproval: over(4),
    notifiesApprovedUpdates: get('CSUP-7'),
    autoInstallsUpdates: get('CSUP-8'),
    providesApprovalStatus: get('CSUP-11.1'),
    reviewCycle: answers['CSUP-11.2'] ?? { answer: 'UNKNOWN', note: '' },
    sbomAvailable: get('SBOM-1'),
  };
}

export function buildMds2Profile(
  manufacturer: string,
  model: string,
  answers: Record<string, Mds2AnswerWithNote>,
): Mds2Profile {
  return Mds2Profile.parse({
    manufacturer: manufacturer.trim(),
    manufacturerKey: normalizeManufacturer(manufacturer),
    model: model.trim(),
    modelKey: productKey(model),
    answers,
    summary: summarizeMds2(answers),
  });
}

export interface Mds2ParseResult {
  profiles: Mds2Profile[];
  errors: Mds2ParseError[];
  /** Ids that were read only after correcting a typo, e.g. `CSPU-7 → CSUP-7 (line 4)`. */
  corrections: string[];
}

interface AnswerRow {
  line: number;
  manufacturer: string;
  model: string;
  questionId: string;
  answer: string;
  note: string;
}

function collect(rows: readonly AnswerRow[], errors: Mds2ParseError[]): Mds2ParseResult {
  const corrections: string[] = [];
  const groups = new Map<
    string,
    { manufacturer: string; model: string; answers: Record<string, Mds2AnswerWithNote> }
  >();
  for (const row of rows) {
    if (row.manufacturer.trim() === '' || productKey(row.model) === '') {
      errors.push({ line: row.line, column: 'manufacturer', message: 'manufacturer and model are required' });
      continue;
    }
    const id = normalizeQuestionId(row.questionId);
    if (id === null) {
      // Other MDS2 sections (DOC, MLDP, RMOT, ...) are legitimately present in a full form: skip those quietly.
      if (
        !/^\s*[A-Za-z]{3,5}[\s_\-\u2010-\u2015]?\d/.test(row.questionId) ||
        /^\s*(csup|sbom)/i.test(row.questionId)
      ) {
        errors.push({
          line: row.line,
          column: 'question_id',
          message: `"${row.questionId}" is not a CSUP-1 … CSUP-11.2 or SBOM-1 … SBOM-4 question id`,
        });
      }
      continue;
    }
    if (id.corrected && id.id !== row.questionId.trim().toUpperCase())
      corrections.push(`${row.questionId.trim()} → ${id.id} (line ${row.line})`);
    const answer = parseMds2Answer(row.answer);
    if (row.note.trim() !== '') answer.note = [answer.note, row.note.trim()].filter(Boolean).join('; ');
    const key = `${normalizeManufacturer(row.manufacturer)}|${productKey(row.model)}`;
    const group = groups.get(key) ?? { manufacturer: row.manufacturer, model: row.model, answers: {} };
    group.answers[id.id] = answer;
    groups.set(key, group);
  }
  const profiles = [...groups.values()].map((g) => buildMds2Profile(g.manufacturer, g.model, g.answers));
  return { profiles, errors, corrections };
}

/**
 * CSV, one answer a line: `manufacturer,model,question_id,answer[,note]` (header names case-insensitive;
 * `id` / `question` accepted for question_id). Rows of other MDS2 sections are skipped; a bad row is reported with
 * its line and the others still load.
 */
export function parseMds2Csv(text: string): Mds2ParseResult {
  const { rows, errors } = readCsvRecords(text);
  const errs: Mds2ParseError[] = [...errors];
  const [header, ...body] = rows;
  if (header === undefined)
    return { profiles: [], errors: [{ line: 1, message: 'empty file' }], corrections: [] };
  const names = header.cells.map((c) => c.trim().toLowerCase().replace(/\s+/g, '_'));
  const col = (...candidates: string[]) => names.findIndex((n) => candidates.includes(n));
  const idx = {
    manufacturer: col('manufacturer'),
    model: col('model', 'product'),
    questionId: col('question_id', 'id', 'question'),
    answer: col('answer'),
    note: col('note', 'notes', 'comment'),
  };
  const missing = (['manufacturer', 'model', 'questionId', 'answer'] as const).filter((k) => idx[k] < 0);
  if (missing.length > 0) {
    return {
      profiles: [],
      errors: missing.map((k) => ({ line: header.line, column: k, message: `header: missing column ${k}` })),
      corrections: [],
    };
  }
  const answerRows: AnswerRow[] = body
    .filter((r) => r.cells.some((c) => c.trim() !== ''))
    .map((r) => ({
      line: r.line,
      manufacturer: r.cells[idx.manufacturer] ?? '',
      model: r.cells[idx.model] ?? '',
      questionId: r.cells[idx.questionId] ?? '',
      answer: r.cells[idx.answer] ?? '',
      note: idx.note >= 0 ? (r.cells[idx.note] ?? '') : '',
    }));
  return collect(answerRows, errs);
}

/**
 * JSON: an array of `{ manufacturer, model, answers: { "CSUP-2.2": "Yes, field service" | {answer, note} } }`.
 * `line` in errors is the 1-based item number.
 */
export function parseMds2Json(input: unknown): Mds2ParseResult {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      return {
        profiles: [],
        errors: [{ line: 0, message: `not valid JSON: ${(cause as Error).message}` }],
        corrections: [],
      };
    }
  }
  if (!Array.isArray(value))
    return { profiles: [], errors: [{ line: 0, message: 'expected a JSON array' }], corrections: [] };
  const rows: AnswerRow[] = [];
  const errors: Mds2ParseError[] = [];
  value.forEach((item: unknown, i) => {
    const it = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const answers = it.answers;
    if (
      typeof it.manufacturer !== 'string' ||
      typeof it.model !== 'string' ||
      typeof answers !== 'object' ||
      answers === null
    ) {
      errors.push({ line: i + 1, message: `item ${i + 1}: expected { manufacturer, model, answers }` });
      return;
    }
    for (const [questionId, raw] of Object.entries(answers as Record<string, unknown>)) {
      const r = (typeof raw === 'object' && raw !== null ? raw : { answer: raw }) as Record<string, unknown>;
      rows.push({
        line: i + 1,
        manufacturer: it.manufacturer,
        model: it.model,
        questionId,
        answer: typeof r.answer === 'string' ? r.answer : '',
        note: typeof r.note === 'string' ? r.note : '',
      });
    }
  });
  return collect(rows, errors);
}

/** The profile for a device: same manufacturer key, model or model number equal by productKey. */
export function findProfileFor(
  profiles: readonly Mds2Profile[],
  device: { manufacturer: string; model: string; modelNumber: string },
): Mds2Profile | null {
  const key = normalizeManufacturer(device.manufacturer);
  const models = [device.model, device.modelNumber].map(productKey).filter((k) => k !== '');
  return profiles.find((p) => p.manufacturerKey === key && models.includes(p.modelKey)) ?? null;
}

const WORD: Record<Mds2Answer, string> = { YES: 'yes', NO: 'no', NA: 'n/a', UNKNOWN: 'not stated' };

/** Lines for a work order or finding report: how this model gets patched according to its MDS2. */
export function mds2NotesFor(profile: Mds2Profile): string[] {
  const s = profile.summary;
  const who = [
    s.patchInstall.owner === 'YES' ? 'hospital staff (owner/operator)' : '',
    s.patchInstall.vendorService === 'YES' ? 'manufacturer or authorized service' : '',
    s.patchInstall.remote === 'YES' ? 'remotely' : '',
  ].filter(Boolean);
  const cycle = s.reviewCycle.note
    ? `${WORD[s.reviewCycle.answer]} (${s.reviewCycle.note})`
    : WORD[s.reviewCycle.answer];
  return [
    `MDS2 ${profile.manufacturer} ${profile.model}: patches installed by ${who.length > 0 ? who.join(', ') : 'not stated'} (CSUP-x.1–x.3)`,
    `Manufacturer notifies approved updates: ${WORD[s.notifiesApprovedUpdates]} (CSUP-7); publishes review/approval status: ${WORD[s.providesApprovalStatus]} (CSUP-11.1); update review cycle: ${cycle} (CSUP-11.2)`,
    ...(s.thirdPartyWithoutApproval === 'YES'
      ? ['Manufacturer allows third-party security updates without its approval (CSUP-x.4)']
      : []),
  ];
}

/** Device models (manufacturer × model) of an inventory with no MDS2 profile: a procurement follow-up list. */
export function modelsWithoutProfile(
  devices: readonly { manufacturer: string; model: string; modelNumber: string }[],
  profiles: readonly Mds2Profile[],
): { manufacturer: string; model: string; modelNumber: string; devices: number }[] {
  const out = new Map<
    string,
    { manufacturer: string; model: string; modelNumber: string; devices: number }
  >();
  for (const device of devices) {
    if (findProfileFor(profiles, device) !== null) continue;
    const key = `${normalizeManufacturer(device.manufacturer)}|${productKey(device.model || device.modelNumber)}`;
    const entry = out.get(key) ?? {
      manufacturer: device.manufacturer,
      model: device.model,
      modelNumber: device.modelNumber,
      devices: 0,
    };
    entry.devices += 1;
    out.set(key, entry);
  }
  return [...out.values()].sort(
    (a, b) => b.devices - a.devices || (a.manufacturer + a.model < b.manufacturer + b.model ? -1 : 1),
  );
}
