import type { VersionSpec } from './advisory';

export type VersionComparator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** One constraint of a range: a comparator and a version. `wildcard` marks "5.x" (compare the prefix only). */
export interface VersionConstraint {
  comparator: VersionComparator;
  version: string;
  wildcard: boolean;
}

/** A parsed advisory version spec: the stored VersionSpec plus what the parser understood. */
export type ParsedVersionSpec = VersionSpec & {
  /** vers scheme when written as `vers:<scheme>/...` (`generic`, `semver`, `all`, …). */
  scheme?: string;
  constraints: VersionConstraint[];
  /** Why the text was not fully understood, e.g. "invalid vers: the all scheme only allows *". */
  notes: string[];
};

export type VersionMembership = 'inside' | 'outside' | 'unknown';

type Segment = { rank: number; num: number; text: string };

/** Alphabetic segments that sort before the release they precede (1.0-rc1 < 1.0). */
const PRE_RELEASE_WORDS = new Set(['alpha', 'beta', 'rc', 'pre', 'preview', 'dev', 'snapshot']);
/** Words that carry no ordering information in a version ("2023.3_Build_9342"). */
const NOISE_WORDS = new Set(['build', 'version', 'ver', 'release']);
/** Alphabetic runs allowed in a version; longer words make the text free text ("Gemini", "july"). */
const VERSION_WORDS = new Set([
  ...PRE_RELEASE_WORDS,
  'sp',
  'sr',
  'mr',
  'rev',
  'patch',
  'hotfix',
  'hf',
  'update',
  'build',
]);
const MONTHS = /\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b/i;

const RANK_PRE = 0;
const RANK_NUM = 1;
const RANK_ALPHA = 2;

/** Normalizes how vendors write a version: drops a leading v/V or "Version", spells "Service Pack" as SP. */
function cleanVersionText(raw: string): string {
  return raw
    .trim()
    .replace(/^version\s*/i, '')
    .replace(/service\s*pack\s*/gi, 'SP')
    .replace(/^[vV](?=\d)/, '')
    .trim();
}

function segmentsOf(version: string): Segment[] {
  const segments: Segment[] = [];
  for (const match of cleanVersionText(version)
    .toLowerCase()
    .matchAll(/\d+|[a-z]+/g)) {
    const token = match[0];
    if (/^\d/.test(token)) {
      segments.push({ rank: RANK_NUM, num: Number.parseInt(token, 10), text: '' });
    } else if (!NOISE_WORDS.has(token)) {
      segments.push({ rank: PRE_RELEASE_WORDS.has(token) ? RANK_PRE : RANK_ALPHA, num: 0, text: token });
    }
  }
  return segments;
}

const PADDING: Segment = { rank: RANK_NUM, num: 0, text: '' };

function compareSegment(a: Segment, b: Segment): number {
  if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
  if (a.rank === RANK_NUM) return a.num === b.num ? 0 : a.num < b.num ? -1 : 1;
  return a.text === b.text ? 0 : a.text < b.text ? -1 : 1;
}

function compareSegments(a: Segment[], b: Segment[], length: number): number {
  for (let i = 0; i < length; i++) {
    const order = compareSegment(a[i] ?? PADDING, b[i] ?? PADDING);
    if (order !== 0) return order;
  }
  return 0;
}

/**
 * Compares two version strings: numeric runs numerically, letter runs alphabetically (case-insensitive),
 * pre-release words (alpha, beta, rc…) before the release, missing parts as 0 (so 1.0 = 1.0.0), a leading v ignored.
 * A total preorder: antisymmetric and transitive, which the property tests check.
 */
export function compareVersions(a: string, b: string): number {
  const sa = segmentsOf(a);
  const sb = segmentsOf(b);
  return compareSegments(sa, sb, Math.max(sa.length, sb.length));
}

/** True when the text can be compared as a version (has a digit, no prose words, dates or sentences). */
export function isVersionLike(raw: string): boolean {
  const text = cleanVersionText(raw);
  if (text === '' || !/\d/.test(text) || MONTHS.test(text)) return false;
  // "1.1.3 MR Build 11": noise words do not count towards the three parts a version may have.
  const parts = text.split(/\s+/);
  if (parts.filter((part) => !NOISE_WORDS.has(part.toLowerCase())).length > 3) return false;
  for (const part of parts) {
    if (!/^[0-9A-Za-z]+(?:[._\-+][0-9A-Za-z]+)*$/.test(part)) return false;
  }
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    if (word.length >= 3 && !VERSION_WORDS.has(word) && !NOISE_WORDS.has(word)) return false;
  }
  return true;
}

const WILDCARD_TAIL = /(?:\.[xX*])+$/;

function constraintOf(comparator: VersionComparator, rawVersion: string): VersionConstraint | undefined {
  const text = rawVersion.trim();
  const tail = WILDCARD_TAIL.test(text);
  const version = tail ? text.replace(WILDCARD_TAIL, '') : text;
  // A revision letter in a comparator ("<=N": revisions up to N) orders like a version.
  const revisionLetter = comparator !== '=' && comparator !== '!=' && /^[A-Za-z]$/.test(version);
  if (!revisionLetter && !isVersionLike(version)) return undefined;
  // A bare major version listed as affected ("NeuroWorks 8", "OSE 4") covers its minor releases.
  // A revision letter likewise covers the revisions under it ("<=N" includes N.00.04).
  const wildcard = tail || revisionLetter || (comparator === '=' && /^\d+$/.test(version.trim()));
  return { comparator, version: cleanVersionText(version), wildcard };
}

const COMPARATOR_AT_START = /^(<=|>=|!=|<|>|=)\s*/;

/** Parses "<= 9.33.1", ">= 1.0 | <= 1.3", ">=V7.80<V9.40", "HD 16 | HD23", "5.x.x"; undefined when not understood. */
function parseComparatorList(text: string): VersionConstraint[] | undefined {
  const normalized = text
    .trim()
    .replace(/^(.+?)\s+(?:and|or)\s+(?:below|earlier|prior|lower|older)$/i, '<= $1')
    .replace(/^(?:all\s+versions\s+)?(?:prior\s+to|before)\s+/i, '< ')
    // "<=11.2 on Windows 8.1 with IIS 7.5": the platform the version runs on is not part of the version.
    .replace(/^([<>=!]+\s*[0-9][0-9A-Za-z._-]*)\s+on\s+.+$/i, '$1')
    .replace(/^all\s+versions\s*(?=[<>=])/i, '');
  const parts = normalized.split(/\s*\|\s*|\s+and\s+/i).filter((part) => part.trim() !== '');
  if (parts.length === 0) return undefined;
  const constraints: VersionConstraint[] = [];
  for (const part of parts) {
    // CISA writes ">=V7.80<V9.40" without a separator: split before every comparator after the first.
    const pieces = COMPARATOR_AT_START.test(part) ? part.split(/(?=<=|>=|!=|<(?!=)|>(?!=))/) : [part];
    for (const piece of pieces) {
      const match = COMPARATOR_AT_START.exec(piece.trim());
      const comparator = (match?.[1] ?? '=') as VersionComparator;
      const rest = match ? piece.trim().slice(match[0].length) : piece;
      if (/[<>=]/.test(rest)) return undefined;
      const constraint = constraintOf(comparator, rest);
      if (constraint === undefined) return undefined;
      constraints.push(constraint);
    }
  }
  return constraints;
}

function kindOf(constraints: VersionConstraint[]): 'range' | 'exact' {
  return constraints.every((c) => c.comparator === '=' && !c.wildcard) ? 'exact' : 'range';
}

/**
 * Parses an advisory version text into a VersionSpec with constraints. Accepts `vers:` (any scheme; `vers:all/*`
 * and a bare `*` mean every version), vers-like comparators, exact versions and lists, wildcards (`12.x`) and
 * alphanumeric versions. Anything else, including invalid vers that cannot be salvaged, is kept verbatim as
 * `free_text`, which matching reports as not evaluable.
 */
export function parseVersionSpec(raw: string): ParsedVersionSpec {
  const text = raw.trim();
  const notes: string[] = [];
  const freeText = (note: string): ParsedVersionSpec => ({
    raw,
    kind: 'free_text',
    constraints: [],
    notes: [...notes, note],
  });
  if (text === '') return freeText('empty version text');
  if (text === '*' || /^all(?:\s+versions)?$/i.test(text))
    return { raw, kind: 'all', constraints: [], notes };

  const vers = /^vers:([a-z.+-][a-z0-9.+-]*)\/(.*)$/i.exec(text);
  if (vers) {
    const scheme = (vers[1] ?? '').toLowerCase();
    const body = (vers[2] ?? '').replace(/\s+/g, '');
    if (body === '*') return { raw, kind: 'all', scheme, constraints: [], notes };
    if (scheme === 'all' || scheme === 'none') notes.push(`invalid vers: the ${scheme} scheme only allows *`);
    const decoded = safeDecode(body);
    const constraints = parseComparatorList(
      scheme === 'semver' ? decoded.replace(/\+[0-9A-Za-z.-]*/g, '') : decoded,
    );
    if (constraints === undefined) return { ...freeText('vers constraints not understood'), scheme };
    return { raw, kind: kindOf(constraints), scheme, constraints, notes };
  }

  const constraints = parseComparatorList(text);
  if (constraints === undefined) return freeText('not a version, comparator or list');
  return { raw, kind: kindOf(constraints), constraints, notes };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** "012U000062" → "U62" when compared with a short-form constraint such as "L81". */
function comparableDeviceVersion(version: string, constraintVersion: string): string {
  const long = /^\d+([A-Za-z])0*(\d+)$/.exec(version.trim());
  return long && /^[A-Za-z]\d+$/.test(constraintVersion.trim()) ? `${long[1]}${long[2]}` : version;
}

function constraintOrder(version: string, constraint: VersionConstraint): number {
  const v = segmentsOf(comparableDeviceVersion(version, constraint.version));
  const c = segmentsOf(comparableConstraintVersion(version, constraint.version));
  return compareSegments(v, c, constraint.wildcard ? c.length : Math.max(v.length, c.length));
}

/**
 * "VS4 A.07.107" against a device's "A.07.110": the words before the dotted version name the product, not the
 * version; compare with the dotted part only when the device version is a single dotted version.
 */
function comparableConstraintVersion(version: string, constraintVersion: string): string {
  const parts = constraintVersion.trim().split(/\s+/);
  const last = parts[parts.length - 1] ?? '';
  const dotted = /\d\.\d|[A-Za-z]\.\d/;
  return parts.length > 1 && !/\s/.test(version.trim()) && dotted.test(last) && dotted.test(version)
    ? last
    : constraintVersion;
}

function satisfies(version: string, constraint: VersionConstraint): boolean {
  const order = constraintOrder(version, constraint);
  switch (constraint.comparator) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

const isLower = (c: VersionConstraint): boolean => c.comparator === '<' || c.comparator === '<=';
const isUpper = (c: VersionConstraint): boolean => c.comparator === '>' || c.comparator === '>=';

/**
 * The vers containment algorithm over constraints sorted by version. When the comparators do not alternate
 * (invalid vers such as "<= U61 | <= L81", two product lines), each constraint is read as its own half-range.
 */
function contains(constraints: VersionConstraint[], version: string): boolean {
  for (const c of constraints) {
    if (
      constraintOrder(version, c) === 0 &&
      (c.comparator === '=' || c.comparator === '<=' || c.comparator === '>=')
    )
      return true;
  }
  for (const c of constraints) if (c.comparator === '!=' && constraintOrder(version, c) === 0) return false;
  const ranges = constraints
    .filter((c) => c.comparator !== '=' && c.comparator !== '!=')
    .sort((a, b) => compareVersions(a.version, b.version));
  if (ranges.length === 0) return constraints.some((c) => c.comparator === '!=');
  const alternates = ranges.every(
    (c, i) => i === 0 || isLower(c) !== isLower(ranges[i - 1] as VersionConstraint),
  );
  if (!alternates) return ranges.some((c) => satisfies(version, c));
  const first = ranges[0] as VersionConstraint;
  const last = ranges[ranges.length - 1] as VersionConstraint;
  if (isLower(first) && satisfies(version, first)) return true;
  if (isUpper(last) && satisfies(version, last)) return true;
  for (let i = 0; i + 1 < ranges.length; i++) {
    const low = ranges[i] as VersionConstraint;
    const high = ranges[i + 1] as VersionConstraint;
    if (isUpper(low) && isLower(high) && satisfies(version, low) && satisfies(version, high)) return true;
  }
  return false;
}

/**
 * Whether a device version is inside an advisory's version spec. 'unknown' when the spec is free text, the
 * device version is empty, or the device version is not a comparable version ("unknown", "see label").
 */
export function versionSatisfies(spec: VersionSpec, version: string): VersionMembership {
  const parsed = 'constraints' in spec ? (spec as ParsedVersionSpec) : parseVersionSpec(spec.raw);
  if (parsed.kind === 'all') return 'inside';
  if (parsed.kind === 'free_text' || parsed.constraints.length === 0) return 'unknown';
  const deviceVersion = cleanVersionText(version);
  if (deviceVersion === '' || !isVersionLike(deviceVersion)) return 'unknown';
  return contains(parsed.constraints, deviceVersion) ? 'inside' : 'outside';
}

/** A short human reading of a spec for match reasons ("< 1.2.1", "all versions", "free text: …"). */
export function describeVersionSpec(spec: VersionSpec): string {
  const parsed = 'constraints' in spec ? (spec as ParsedVersionSpec) : parseVersionSpec(spec.raw);
  if (parsed.kind === 'all') return 'all versions';
  if (parsed.kind === 'free_text') return `free text "${spec.raw}"`;
  return parsed.constraints
    .map((c) => `${c.comparator === '=' ? '' : `${c.comparator} `}${c.version}${c.wildcard ? '.x' : ''}`)
    .join(' | ');
}
