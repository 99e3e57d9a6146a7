import { parse } from 'bcp47';
import {
  EXTENSION_SINGLETONS,
  EXTLANG_PREFIXES,
  LANGUAGE_RANGES,
  LANGUAGE_SUBTAGS,
  REGION_RANGES,
  REGION_SUBTAGS,
  SCRIPT_RANGES,
  SCRIPT_SUBTAGS,
  VARIANT_PREFIXES,
} from './language-subtags';

/*
 * CSAF mandatory test 6.1.12 (language of `/document/lang` and `/document/source_lang`), giving exactly the
 * verdicts of @secvisogram/csaf-validator-lib's `bcpLanguageTagChecker` — same parser (bcp47), same rules, quirks
 * included — over the compact registry in language-subtags.ts instead of the library's 470 kB object array.
 * test/unit/csaf-language-tag.test.ts compares both on thousands of tags and on the CISA corpus.
 */

interface SubtagSet {
  exact: ReadonlySet<string>;
  ranges: readonly (readonly [string, string])[];
}

const set = (joined: string): Set<string> => new Set(joined === '' ? [] : joined.split(' '));

/** `subtag:prefix|prefix …` → subtag → every prefix of every registry entry of that subtag. */
function prefixMap(joined: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const entry of joined === '' ? [] : joined.split(' ')) {
    const [subtag = '', prefixes = ''] = entry.split(':');
    const list = map.get(subtag) ?? [];
    if (prefixes !== '') list.push(...prefixes.split('|'));
    map.set(subtag, list);
  }
  return map;
}

const LANGUAGES: SubtagSet = { exact: set(LANGUAGE_SUBTAGS), ranges: LANGUAGE_RANGES };
const SCRIPTS: SubtagSet = { exact: set(SCRIPT_SUBTAGS), ranges: SCRIPT_RANGES };
const REGIONS: SubtagSet = { exact: set(REGION_SUBTAGS), ranges: REGION_RANGES };
const EXTLANGS = prefixMap(EXTLANG_PREFIXES);
const VARIANTS = prefixMap(VARIANT_PREFIXES);
const SINGLETONS = set(EXTENSION_SINGLETONS);

/** The library's `stringMatchesSubtag`: case-insensitive, ranges compared as lower-case strings. */
function registered(value: string, subtags: SubtagSet): boolean {
  const lower = value.toLowerCase();
  return subtags.exact.has(lower) || subtags.ranges.some(([low, high]) => low <= lower && lower <= high);
}

/**
 * The library's `stringMatchesSubtagPrefix`: the tag up to (the first occurrence of) the subtag must start with
 * the prefix. Kept as is, first-occurrence search included, so the verdicts stay identical.
 */
function prefixed(tag: string, subtag: string, prefix: string): boolean {
  return tag
    .substring(0, tag.toLowerCase().indexOf(subtag.toLowerCase()) - 1)
    .toLowerCase()
    .startsWith(prefix);
}

function registeredWithPrefix(tag: string, subtag: string, registry: ReadonlyMap<string, string[]>): boolean {
  return (registry.get(subtag.toLowerCase()) ?? []).some((prefix) => prefixed(tag, subtag, prefix));
}

/** Whether `tag` is a valid BCP 47 language tag by the rules of the CSAF validator's mandatory test 6.1.12. */
export function isValidLanguageTag(tag: string): boolean {
  const parsed = parse(tag);
  if (parsed === null) return false;
  const { language, script, region, variant, extension } = parsed.langtag;
  return (
    (language.language === null || registered(language.language, LANGUAGES)) &&
    language.extlang.length <= 1 &&
    language.extlang.every((extlang) => registeredWithPrefix(tag, extlang, EXTLANGS)) &&
    (script === null || registered(script, SCRIPTS)) &&
    (region === null || registered(region, REGIONS)) &&
    variant.every((v) => registeredWithPrefix(tag, v, VARIANTS)) &&
    variant.every((v, index) => variant.indexOf(v) === index) &&
    extension.every(
      (e, index) => extension.findIndex((other) => other.singleton === e.singleton) === index,
    ) &&
    extension.every((e) => SINGLETONS.has(e.singleton))
  );
}

export interface LanguageTestOutcome {
  isValid: boolean;
  errors: { message: string; instancePath: string }[];
}

/** CSAF mandatory test 6.1.12: `/document/lang` and `/document/source_lang`, when strings, are valid tags. */
export function mandatoryTest_6_1_12(doc: unknown): LanguageTestOutcome {
  const errors: LanguageTestOutcome['errors'] = [];
  const document =
    typeof doc === 'object' && doc !== null && 'document' in doc
      ? (doc as { document: unknown }).document
      : null;
  if (typeof document === 'object' && document !== null) {
    for (const field of ['lang', 'source_lang'] as const) {
      const value = (document as Record<string, unknown>)[field];
      if (typeof value === 'string' && !isValidLanguageTag(value)) {
        errors.push({ message: 'is not a valid language-tag', instancePath: `/document/${field}` });
      }
    }
  }
  return { isValid: errors.length === 0, errors };
}
