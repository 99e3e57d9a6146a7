import * as basic20 from '@secvisogram/csaf-validator-lib/basic.js';
import * as basic21 from '@secvisogram/csaf-validator-lib/csaf_2_1/basic.js';
import validate from '@secvisogram/csaf-validator-lib/validate.js';
import { describe, expect, it } from 'vitest';
import { type CsafValidation, validateCsafDocument } from '../../shared/domain/csaf/validate-csaf';
import { csafFiles, readCsafJson } from './csaf-fixtures';

/**
 * The library's own "basic" preset run through its validate(), labelled as MedPatch labels messages: what
 * validateCsafDocument did before it imported the tests one by one (and replaced 6.1.12).
 */
async function libraryPreset(doc: unknown): Promise<CsafValidation> {
  const document = (doc as { document?: { csaf_version?: unknown } } | null)?.document;
  const preset = document?.csaf_version === '2.1' ? basic21 : basic20;
  const tests = Object.values(preset).filter((test) => typeof test === 'function');
  const result = await validate(tests, doc);
  const label = (name: string) =>
    name.startsWith('csaf_')
      ? 'schema'
      : `mandatory test ${name.replace('mandatoryTest_', '').replace(/_/g, '.')}`;
  const messages = (kind: 'errors' | 'warnings', onlyInvalid: boolean) =>
    result.tests
      .filter((t) => !onlyInvalid || !t.isValid)
      .flatMap((t) => t[kind].map((m) => `${m.instancePath || '/'}: ${m.message} (${label(t.name)})`));
  return { errors: messages('errors', true), warnings: messages('warnings', false) };
}

const sorted = (v: CsafValidation) => ({ errors: [...v.errors].sort(), warnings: [...v.warnings].sort() });

type Doc = Record<string, unknown> & {
  document: Record<string, unknown> & { tracking: Record<string, unknown> };
  product_tree?: Record<string, unknown>;
  vulnerabilities?: Record<string, unknown>[];
};

/** Alterations that each break (or exercise) a different test: schema, 6.1.1, 6.1.12, 6.1.16, 2.1, … */
const ALTERATIONS: Record<string, (doc: Doc) => unknown> = {
  'no title': (doc) => ({ ...doc, document: { ...doc.document, title: undefined } }),
  'unknown language': (doc) => ({ ...doc, document: { ...doc.document, lang: 'xx-XX' } }),
  'variant without prefix': (doc) => ({
    ...doc,
    document: { ...doc.document, lang: 'en-1901', source_lang: 'zz' },
  }),
  'undefined product id': (doc) => ({
    ...doc,
    vulnerabilities: (doc.vulnerabilities ?? []).map((v) => ({
      ...v,
      product_status: { known_affected: ['NOPE'] },
    })),
  }),
  'version not in history': (doc) => ({
    ...doc,
    document: { ...doc.document, tracking: { ...doc.document.tracking, version: '99' } },
  }),
  'CSAF 2.1': (doc) => ({ ...doc, document: { ...doc.document, csaf_version: '2.1' } }),
  'bad CVSS': (doc) => ({
    ...doc,
    vulnerabilities: (doc.vulnerabilities ?? []).map((v) => ({
      ...v,
      scores: [
        { products: ['X'], cvss_v3: { version: '3.1', vectorString: 'CVSS:3.1/AV:N', baseScore: 11 } },
      ],
    })),
  }),
  'empty product tree': (doc) => ({ ...doc, product_tree: {} }),
};

describe("CSAF validation imports the library's tests one by one", () => {
  it("gives the library's basic preset results on every CISA document and on altered ones", async () => {
    const files = [...csafFiles('icsma'), ...csafFiles('icsa')];
    const documents: [string, unknown][] = files.map((file) => [file, readCsafJson(file)]);
    for (const file of files.slice(0, 12)) {
      for (const [name, alter] of Object.entries(ALTERATIONS)) {
        documents.push([`${file} (${name})`, JSON.parse(JSON.stringify(alter(readCsafJson(file) as Doc)))]);
      }
    }
    const differences: string[] = [];
    let invalid = 0;
    for (const [name, doc] of documents) {
      const ours = sorted(await validateCsafDocument(doc));
      const theirs = sorted(await libraryPreset(doc));
      if (theirs.errors.length > 0) invalid += 1;
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
        differences.push(`${name}: ours ${JSON.stringify(ours)}\nlibrary ${JSON.stringify(theirs)}`);
      }
    }

    expect(differences).toEqual([]);
    expect(invalid).toBeGreaterThanOrEqual(12 * 7);
  }, 120_000);

  it('labels messages with the test that produced them, also for CSAF 2.1', async () => {
    const doc = readCsafJson(csafFiles('icsma')[0] as string) as Doc;
    const result = await validateCsafDocument({
      ...doc,
      document: { ...doc.document, lang: 'xx', tracking: { ...doc.document.tracking, version: '99' } },
    });
    expect(result.errors).toContain('/document/lang: is not a valid language-tag (mandatory test 6.1.12)');
    expect(result.errors.some((e) => e.endsWith('(mandatory test 6.1.16)'))).toBe(true);

    const v21 = await validateCsafDocument({ ...doc, document: { ...doc.document, csaf_version: '2.1' } });
    expect(v21.errors.some((e) => e.endsWith('(schema)'))).toBe(true);
  });
});
