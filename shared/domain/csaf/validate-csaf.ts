import csaf_2_1_strict from '@secvisogram/csaf-validator-lib/csaf_2_1/schemaTests/csaf_2_1_strict.js';
import mandatoryTest_6_1_1 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_1.js';
import mandatoryTest_6_1_2 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_2.js';
import mandatoryTest_6_1_3 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_3.js';
import mandatoryTest_6_1_4 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_4.js';
import mandatoryTest_6_1_5 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_5.js';
import mandatoryTest_6_1_6 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_6.js';
import mandatoryTest_6_1_7 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_7.js';
import mandatoryTest_6_1_9 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_9.js';
import mandatoryTest_6_1_10 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_10.js';
import mandatoryTest_6_1_11 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_11.js';
import mandatoryTest_6_1_13 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_13.js';
import mandatoryTest_6_1_14 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_14.js';
import mandatoryTest_6_1_15 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_15.js';
import mandatoryTest_6_1_16 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_16.js';
import mandatoryTest_6_1_17 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_17.js';
import mandatoryTest_6_1_18 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_18.js';
import mandatoryTest_6_1_19 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_19.js';
import mandatoryTest_6_1_20 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_20.js';
import mandatoryTest_6_1_21 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_21.js';
import mandatoryTest_6_1_22 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_22.js';
import mandatoryTest_6_1_23 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_23.js';
import mandatoryTest_6_1_24 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_24.js';
import mandatoryTest_6_1_25 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_25.js';
import mandatoryTest_6_1_26 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_26.js';
import mandatoryTest_6_1_27_1 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_27_1.js';
import mandatoryTest_6_1_27_2 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_27_2.js';
import mandatoryTest_6_1_27_3 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_27_3.js';
import mandatoryTest_6_1_27_4 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_27_4.js';
import mandatoryTest_6_1_27_5 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_27_5.js';
import mandatoryTest_6_1_27_6 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_27_6.js';
import mandatoryTest_6_1_27_7 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_27_7.js';
import mandatoryTest_6_1_27_8 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_27_8.js';
import mandatoryTest_6_1_27_9 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_27_9.js';
import mandatoryTest_6_1_27_10 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_27_10.js';
import mandatoryTest_6_1_27_11 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_27_11.js';
import mandatoryTest_6_1_28 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_28.js';
import mandatoryTest_6_1_29 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_29.js';
import mandatoryTest_6_1_30 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_30.js';
import mandatoryTest_6_1_31 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_31.js';
import mandatoryTest_6_1_32 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_32.js';
import mandatoryTest_6_1_33 from '@secvisogram/csaf-validator-lib/lib/mandatoryTests/mandatoryTest_6_1_33.js';
import csaf_2_0_strict from '@secvisogram/csaf-validator-lib/lib/schemaTests/csaf_2_0_strict.js';
import type { CsafTestOutcome } from '@secvisogram/csaf-validator-lib/test-outcome';
import { isRecord } from './csaf-reader';
import type { CsafValidation } from './decode-csaf';
import { mandatoryTest_6_1_12 } from './language-tag';

export {
  type CsafValidation,
  checkCsafShape,
  type DecodedCsaf,
  decodeCsafText,
  jsonDepth,
  MAX_CSAF_BYTES,
  MAX_CSAF_JSON_DEPTH,
} from './decode-csaf';

type CsafTest = (doc: unknown) => CsafTestOutcome | Promise<CsafTestOutcome>;

/**
 * The library's "basic" preset (schema + mandatory tests; 6.1.8 is part of the schema test there), imported test
 * by test instead of through `basic.js`: that barrel pulls in the library's 470 kB language-subtag registry, which
 * only test 6.1.12 reads, and 6.1.12 is ours (language-tag.ts, same verdicts over a compact registry). CSAF 2.1
 * uses the same mandatory tests with its own schema, as the library's `csaf_2_1/basic.js` does. Labels are
 * given here, not read from the functions' names, which a minifier renames.
 */
const MANDATORY_TESTS: readonly (readonly [string, CsafTest])[] = [
  ['6.1.1', mandatoryTest_6_1_1],
  ['6.1.2', mandatoryTest_6_1_2],
  ['6.1.3', mandatoryTest_6_1_3],
  ['6.1.4', mandatoryTest_6_1_4],
  ['6.1.5', mandatoryTest_6_1_5],
  ['6.1.6', mandatoryTest_6_1_6],
  ['6.1.7', mandatoryTest_6_1_7],
  ['6.1.9', mandatoryTest_6_1_9],
  ['6.1.10', mandatoryTest_6_1_10],
  ['6.1.11', mandatoryTest_6_1_11],
  ['6.1.12', mandatoryTest_6_1_12],
  ['6.1.13', mandatoryTest_6_1_13],
  ['6.1.14', mandatoryTest_6_1_14],
  ['6.1.15', mandatoryTest_6_1_15],
  ['6.1.16', mandatoryTest_6_1_16],
  ['6.1.17', mandatoryTest_6_1_17],
  ['6.1.18', mandatoryTest_6_1_18],
  ['6.1.19', mandatoryTest_6_1_19],
  ['6.1.20', mandatoryTest_6_1_20],
  ['6.1.21', mandatoryTest_6_1_21],
  ['6.1.22', mandatoryTest_6_1_22],
  ['6.1.23', mandatoryTest_6_1_23],
  ['6.1.24', mandatoryTest_6_1_24],
  ['6.1.25', mandatoryTest_6_1_25],
  ['6.1.26', mandatoryTest_6_1_26],
  ['6.1.27.1', mandatoryTest_6_1_27_1],
  ['6.1.27.2', mandatoryTest_6_1_27_2],
  ['6.1.27.3', mandatoryTest_6_1_27_3],
  ['6.1.27.4', mandatoryTest_6_1_27_4],
  ['6.1.27.5', mandatoryTest_6_1_27_5],
  ['6.1.27.6', mandatoryTest_6_1_27_6],
  ['6.1.27.7', mandatoryTest_6_1_27_7],
  ['6.1.27.8', mandatoryTest_6_1_27_8],
  ['6.1.27.9', mandatoryTest_6_1_27_9],
  ['6.1.27.10', mandatoryTest_6_1_27_10],
  ['6.1.27.11', mandatoryTest_6_1_27_11],
  ['6.1.28', mandatoryTest_6_1_28],
  ['6.1.29', mandatoryTest_6_1_29],
  ['6.1.30', mandatoryTest_6_1_30],
  ['6.1.31', mandatoryTest_6_1_31],
  ['6.1.32', mandatoryTest_6_1_32],
  ['6.1.33', mandatoryTest_6_1_33],
];

const SCHEMA_TESTS: Readonly<Record<'2.0' | '2.1', CsafTest>> = {
  '2.0': csaf_2_0_strict,
  '2.1': csaf_2_1_strict,
};

function messagesOf(messages: CsafTestOutcome['errors'], label: string): string[] {
  return (messages ?? []).map((m) => `${m.instancePath || '/'}: ${m.message} (${label})`);
}

/**
 * Runs the CSAF validator's schema test and mandatory tests (@secvisogram/csaf-validator-lib "basic" preset, for
 * CSAF 2.0, or 2.1 when the document says so). Pure computation, offline; the caller bounds size and depth first.
 * A test that throws on a document propagates its error (the callers turn it into a rejection).
 */
export async function validateCsafDocument(doc: unknown): Promise<CsafValidation> {
  const version =
    isRecord(doc) && isRecord(doc.document) && doc.document.csaf_version === '2.1' ? '2.1' : '2.0';
  const tests: (readonly [string, CsafTest])[] = [
    ['schema', SCHEMA_TESTS[version]],
    ...MANDATORY_TESTS.map(([id, test]) => [`mandatory test ${id}`, test] as const),
  ];
  const validation: CsafValidation = { errors: [], warnings: [] };
  for (const [label, test] of tests) {
    const outcome = await test(doc);
    // As the library's validate(): a test without an explicit verdict counts as passed.
    if (outcome.isValid === false) validation.errors.push(...messagesOf(outcome.errors, label));
    validation.warnings.push(...messagesOf(outcome.warnings, label));
  }
  return validation;
}
