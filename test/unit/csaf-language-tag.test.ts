import libraryTest_6_1_12 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_12.js';
import registry from '@secvisogram/csaf-validator-lib/lib/shared/bcpLanguageTagChecker/subtags.js';
import libraryChecker from '@secvisogram/csaf-validator-lib/lib/shared/bcpLanguageTagChecker.js';
import { describe, expect, it } from 'vitest';
import { LANGUAGE_SUBTAGS_SOURCE_VERSION } from '../../shared/domain/csaf/language-subtags';
import { isValidLanguageTag, mandatoryTest_6_1_12 } from '../../shared/domain/csaf/language-tag';
import { csafFiles, readCsafJson } from './csaf-fixtures';

const installedVersion = (
  (await import('@secvisogram/csaf-validator-lib/package.json', { with: { type: 'json' } })) as {
    default: { version: string };
  }
).default.version;

const subtagsOf = (type: string) => registry.subtags.filter((s) => s.type === type);
const languages = subtagsOf('language').map((s) => s.subtag);
const scripts = subtagsOf('script').map((s) => s.subtag);
const regions = subtagsOf('region').map((s) => s.subtag);
const extlangs = subtagsOf('extlang');
const variants = subtagsOf('variant');

/** The ends of a range subtag (`qaa..qtz`); a plain subtag is both. */
const low = (subtag: string): string => subtag.split('..')[0] ?? subtag;
const high = (subtag: string): string => subtag.split('..').at(-1) ?? subtag;

/** A small deterministic generator (mulberry32), so a failure names a tag that fails again. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)] as T;
}

/** Registry subtags alone and in combinations, range edges, quirks of the library's rules, and garbage. */
function candidateTags(): string[] {
  const tags: string[] = [];
  // Every language, script and region subtag of the registry (ranges by their ends), each in a full tag.
  languages.forEach((language, i) => {
    const script = scripts[i % scripts.length] ?? 'Latn';
    const region = regions[(i * 7) % regions.length] ?? 'US';
    tags.push(low(language), high(language), `${low(language)}-${high(script)}-${low(region)}`);
  });
  for (const script of scripts)
    tags.push(...script.split('..').map((s) => `en-${s}`), `en-${script.toUpperCase()}`);
  for (const region of regions)
    tags.push(...region.split('..').map((r) => `de-${r}`), `de-${region.toLowerCase()}`);
  // Ranges compared as strings: inside, outside, and shorter strings that sort inside (the library accepts them).
  tags.push(
    'qaa',
    'qtz',
    'qmm',
    'qua',
    'qb',
    'q',
    'en-Qaaa',
    'en-Qabx',
    'en-Qaby',
    'en-QM',
    'en-QZ',
    'en-XA',
  );
  tags.push('en-XZ', 'en-QL', 'en-YA', 'qtz-Qabx-XZ', 'QAA-qaaa-qm');
  // Extended languages: with their prefix, without it, with another one, two of them.
  for (const extlang of extlangs) {
    const prefix = extlang.prefix[0] ?? 'en';
    tags.push(
      `${prefix}-${extlang.subtag}`,
      extlang.subtag,
      `en-${extlang.subtag}`,
      `${prefix}-${extlang.subtag}-US`,
    );
    tags.push(
      `${prefix}-${extlang.subtag}-${extlang.subtag}`,
      `${prefix.toUpperCase()}-${extlang.subtag.toUpperCase()}`,
    );
  }
  // Variants: every prefix, none, a wrong one, repeated, and the first-occurrence search of the library.
  for (const variant of variants) {
    for (const prefix of variant.prefix) tags.push(`${prefix}-${variant.subtag}`);
    tags.push(`en-${variant.subtag}`, `${variant.subtag}`, `fr-${variant.subtag}-${variant.subtag}`);
    tags.push(
      `${variant.prefix[0] ?? 'de'}-Latn-${variant.subtag}`,
      `${variant.prefix[0] ?? 'de'}-${variant.subtag.toUpperCase()}`,
    );
  }
  tags.push('de-1901-1901', 'de-1901-1996', 'sl-rozaj-biske-1994', 'sl-1994', 'de-DE-1901', 'en-1901-de');
  // Extensions: registered singletons, unregistered ones, duplicates, upper case; private use; grandfathered.
  tags.push('en-u-ca-gregory', 'en-t-de-m0-und', 'en-a-bbb', 'en-u-ca-gregory-u-nu-latn', 'en-U-ca-gregory');
  tags.push(
    'en-u-ca-gregory-t-de',
    'en-u-ca-gregory-x-private',
    'x-private',
    'x-a-b-c',
    'en-x-u-ca',
    'qaa-x-y',
  );
  tags.push('i-klingon', 'en-GB-oed', 'zh-min-nan', 'art-lojban', 'I-KLINGON', 'sgn-BE-FR', 'no-bok');
  // Garbage.
  tags.push(
    '',
    ' ',
    'en_US',
    'english',
    '123',
    'en--us',
    '-en',
    'en-',
    'en-US-',
    'a',
    'toolongtag',
    'é',
    'en-ü',
  );
  tags.push('en US', 'EN-us', 'x', 'x-', 'en-x', 'de-419', 'es-419', 'en-001', 'en-1234', 'en-12345');
  // Random combinations of everything.
  const next = random(20261129);
  for (let i = 0; i < 3000; i++) {
    const parts = [low(pick(next, languages))];
    if (next() < 0.15) parts.push(pick(next, extlangs).subtag);
    if (next() < 0.5) parts.push(low(pick(next, scripts)));
    if (next() < 0.6) parts.push(high(pick(next, regions)));
    if (next() < 0.3) parts.push(pick(next, variants).subtag);
    if (next() < 0.1) parts.push(pick(next, ['u-ca-gregory', 't-en', 'a-foo', 'x-priv']));
    const tag = parts.join('-');
    tags.push(next() < 0.2 ? tag.toUpperCase() : tag);
  }
  return [...new Set(tags)];
}

describe('CSAF mandatory test 6.1.12 over the compact language-subtag registry', () => {
  it('was generated from the installed csaf-validator-lib (re-run scripts/generate-language-subtags.ts)', () => {
    expect(LANGUAGE_SUBTAGS_SOURCE_VERSION).toBe(installedVersion);
  });

  it("gives the library's verdict on every registry subtag, their combinations, edge cases and garbage", () => {
    const tags = candidateTags();
    const library = new Map(tags.map((tag) => [tag, libraryChecker(tag)]));
    const differences = tags
      .filter((tag) => isValidLanguageTag(tag) !== library.get(tag))
      .map((tag) => `${JSON.stringify(tag)}: library ${library.get(tag)}`);

    expect(tags.length).toBeGreaterThan(20_000);
    expect(differences).toEqual([]);
    // Both verdicts occur often, so agreeing is not trivial.
    const valid = tags.filter((tag) => library.get(tag)).length;
    expect(valid).toBeGreaterThan(5_000);
    expect(tags.length - valid).toBeGreaterThan(1_000);
  });

  it('accepts what the registry holds and refuses what it does not', () => {
    expect(isValidLanguageTag('en-US')).toBe(true);
    expect(isValidLanguageTag('de-CH-1901')).toBe(true);
    expect(isValidLanguageTag('zh-yue-HK')).toBe(true);
    expect(isValidLanguageTag('qaa-Qaaa-QM-x-local')).toBe(true);
    expect(isValidLanguageTag('i-klingon')).toBe(true);
    expect(isValidLanguageTag('xx-US')).toBe(false);
    expect(isValidLanguageTag('en-Abcd')).toBe(false);
    expect(isValidLanguageTag('en-1901')).toBe(false);
    expect(isValidLanguageTag('de-1901-1901')).toBe(false);
    expect(isValidLanguageTag('en-a-foo')).toBe(false);
    expect(isValidLanguageTag('en_US')).toBe(false);
  });

  it("reports the same errors as the library's test on the CISA corpus and on altered lang fields", async () => {
    const corpus = [...csafFiles('icsma'), ...csafFiles('icsa')].map((file) => readCsafJson(file));
    const altered = ['en', 'EN-us', 'xx', 'en-1901', 'i-klingon', 'zh-yue', '', 42, null].flatMap((lang) => [
      { document: { lang } },
      { document: { lang: 'en', source_lang: lang } },
      { document: { source_lang: lang } },
    ]);
    const documents: unknown[] = [
      ...corpus,
      ...altered,
      {},
      null,
      'text',
      { document: 'text' },
      { document: [] },
    ];
    const differences: string[] = [];
    for (const [i, doc] of documents.entries()) {
      const ours = mandatoryTest_6_1_12(doc);
      const theirs = await libraryTest_6_1_12(doc);
      const same =
        ours.isValid === (theirs.isValid ?? true) &&
        JSON.stringify(ours.errors) === JSON.stringify(theirs.errors ?? []);
      if (!same)
        differences.push(`document ${i}: ours ${JSON.stringify(ours)}, library ${JSON.stringify(theirs)}`);
    }

    expect(corpus.length).toBeGreaterThan(100);
    expect(differences).toEqual([]);
    expect(altered.filter((doc) => !mandatoryTest_6_1_12(doc).isValid).length).toBeGreaterThan(5);
  });
});
