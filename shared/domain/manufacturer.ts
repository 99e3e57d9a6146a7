import { MANUFACTURER_ALIASES } from './manufacturer-aliases';

/** Words that say what kind of company it is, not which company: dropped before comparing names. */
const CORPORATE_SUFFIXES = new Set([
  'inc',
  'incorporated',
  'corp',
  'corporation',
  'co',
  'company',
  'gmbh',
  'ag',
  'kg',
  'kgaa',
  'ltd',
  'limited',
  'llc',
  'plc',
  'sa',
  'bv',
  'nv',
  'oy',
  'oyj',
  'ab',
  'as',
  'spa',
  'srl',
  'pty',
  'pvt',
  'se',
  'ulc',
  'lp',
  'llp',
]);

/** Trailing words tried away when the full name is unknown ("Baxter Healthcare" → "baxter"). */
const GENERIC_TRAILING_WORDS = new Set([
  'healthcare',
  'health',
  'medical',
  'systems',
  'international',
  'technologies',
  // Country subsidiaries ("FRESENIUS KABI USA", "Siemens Medical Solutions USA") are the same manufacturer.
  'usa',
  'us',
  'america',
  'uk',
]);

/**
 * Repairs UTF-8 text that was decoded as Latin-1 somewhere upstream ("YhtymÃ¤" → "Yhtymä"). Leaves text alone
 * when it does not look mis-encoded or does not decode cleanly.
 */
export function repairMojibake(text: string): string {
  if (!/[\u00c2-\u00f4][\u0080-\u00bf]/.test(text)) return text;
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code > 0xff) return text;
    bytes.push(code);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return text;
  }
}

/** Lowercase ASCII with diacritics folded (ä → a, ß → ss, ø → o). */
export function foldDiacritics(text: string): string {
  return repairMojibake(text)
    .replace(/ß/g, 'ss')
    .replace(/[øØ]/g, 'o')
    .replace(/[æÆ]/g, 'ae')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase();
}

function slugWords(raw: string): string[] {
  const words = foldDiacritics(raw)
    .replace(/\([^)]*\)/g, ' ')
    .replace(/&/g, ' and ')
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  // "B. Braun" → ["b", "braun"]; corporate suffixes only at the end ("Co, Ltd.") so "AG" inside a name survives.
  while (words.length > 1 && CORPORATE_SUFFIXES.has(words[words.length - 1] ?? '')) words.pop();
  return words;
}

/** A lowercase, hyphenated form of a company name with punctuation and corporate suffixes removed. */
export function slugifyManufacturer(raw: string): string {
  return slugWords(raw).join('-');
}

const ALIAS_INDEX: ReadonlyMap<string, string> = (() => {
  const index = new Map<string, string>();
  for (const entry of MANUFACTURER_ALIASES) {
    for (const name of [entry.key, entry.displayName, ...entry.aliases]) {
      const slug = slugifyManufacturer(name);
      if (slug !== '' && !index.has(slug)) index.set(slug, entry.key);
    }
  }
  return index;
})();

function lookupAlias(raw: string): string | undefined {
  const words = slugWords(raw);
  const direct = ALIAS_INDEX.get(words.join('-'));
  if (direct !== undefined) return direct;
  const trimmed = [...words];
  while (trimmed.length > 1 && GENERIC_TRAILING_WORDS.has(trimmed[trimmed.length - 1] ?? '')) {
    trimmed.pop();
    const hit = ALIAS_INDEX.get(trimmed.join('-'));
    if (hit !== undefined) return hit;
  }
  // "General Electric (GE)": the parenthesised short name may be the known one.
  for (const match of raw.matchAll(/\(([^)]+)\)/g)) {
    const hit = ALIAS_INDEX.get(slugifyManufacturer(match[1] ?? ''));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** True when the name is a known manufacturer spelling (not just a slug fallback). */
export function isKnownManufacturer(raw: string): boolean {
  return lookupAlias(raw) !== undefined;
}

/**
 * The canonical manufacturer key for a vendor name as written in an advisory or a CMMS ("Phillips" → "philips",
 * "General Electric (GE)" → "ge-healthcare"). Unknown names fall back to their slug; an empty name gives ''.
 */
export function normalizeManufacturer(raw: string): string {
  return lookupAlias(raw) ?? slugifyManufacturer(raw);
}

/** Display name for a key, or the key itself when the table does not know it. */
export function manufacturerDisplayName(key: string): string {
  return MANUFACTURER_ALIASES.find((entry) => entry.key === key)?.displayName ?? key;
}

const VENDOR_LIST_SEPARATOR = /\s*(?:,|;|\band\b|&|\s\/\s)\s*/i;

/**
 * Manufacturer keys of a vendor text that may name several vendors ("ENEA, Green Hills Software, ITRON,
 * IP Infusion, and Wind River" → five keys). A name that is itself a known spelling ("Becton, Dickinson and
 * Company (BD)", "Johnson & Johnson") is never split; an unknown name is split only when a part is known or it is
 * a comma list of three or more, so "Smith and Sons Medical" stays one vendor.
 */
export function manufacturerKeysOf(vendorText: string): string[] {
  const whole = lookupAlias(vendorText);
  if (whole !== undefined) return [whole];
  const parts = vendorText
    .split(VENDOR_LIST_SEPARATOR)
    .map((part) => part.trim())
    .filter((part) => slugifyManufacturer(part) !== '' && !isOnlyCorporateSuffix(part));
  const splitIsPlausible =
    parts.length >= 2 && (parts.some((part) => lookupAlias(part) !== undefined) || parts.length >= 3);
  if (!splitIsPlausible) {
    const key = normalizeManufacturer(vendorText);
    return key === '' ? [] : [key];
  }
  return [...new Set(parts.map((part) => normalizeManufacturer(part)))];
}

function isOnlyCorporateSuffix(part: string): boolean {
  const words = foldDiacritics(part)
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  return words.length > 0 && words.every((w) => CORPORATE_SUFFIXES.has(w));
}

const RELATED_KEYS: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const related = new Map<string, Set<string>>();
  const link = (a: string, b: string): void => {
    const set = related.get(a) ?? new Set<string>();
    set.add(b);
    related.set(a, set);
  };
  for (const entry of MANUFACTURER_ALIASES) {
    for (const other of entry.relatedKeys ?? []) {
      link(entry.key, other);
      link(other, entry.key);
    }
  }
  return related;
})();

/**
 * The key itself plus the keys of companies in the same corporate family (hillrom → [hillrom, baxter]), for
 * matching devices to advisories published under the acquiring company's name.
 */
export function relatedManufacturerKeys(key: string): string[] {
  return [key, ...(RELATED_KEYS.get(key) ?? [])];
}
