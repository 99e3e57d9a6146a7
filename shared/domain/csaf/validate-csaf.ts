import * as csaf20 from '@secvisogram/csaf-validator-lib/basic.js';
import * as csaf21 from '@secvisogram/csaf-validator-lib/csaf_2_1/basic.js';
import validate, { type CsafTestResult } from '@secvisogram/csaf-validator-lib/validate.js';
import { isRecord } from './csaf-reader';

/** Documents larger than this are refused before parsing (the largest CISA document of the corpus is 0.5 MB). */
export const MAX_CSAF_BYTES = 10 * 1024 * 1024;
/** JSON nesting deeper than this is refused before validation (real advisories nest about 20 levels). */
export const MAX_CSAF_JSON_DEPTH = 128;

export interface CsafValidation {
  /** The validator's messages that make the document invalid ("/document/title: must have required property"). */
  errors: string[];
  /** Non-fatal findings of the validator, recorded with the advisory. */
  warnings: string[];
}

/** "csaf_2_0_strict", "mandatoryTest_6_1_2" → "schema", "mandatory test 6.1.2". */
function testLabel(name: string): string {
  const mandatory = /^mandatoryTest_(.+)$/.exec(name);
  if (mandatory) return `mandatory test ${(mandatory[1] ?? '').replace(/_/g, '.')}`;
  return /^csaf_/.test(name) ? 'schema' : name;
}

function messagesOf(test: CsafTestResult, kind: 'errors' | 'warnings'): string[] {
  return test[kind].map((m) => `${m.instancePath || '/'}: ${m.message} (${testLabel(test.name)})`);
}

/**
 * Runs the CSAF validator's schema test and mandatory tests (@secvisogram/csaf-validator-lib "basic" preset, for
 * CSAF 2.0, or 2.1 when the document says so). Pure computation, offline; the caller bounds size and depth first.
 */
export async function validateCsafDocument(doc: unknown): Promise<CsafValidation> {
  const version =
    isRecord(doc) && isRecord(doc.document) && doc.document.csaf_version === '2.1' ? '2.1' : '2.0';
  const tests = Object.values(version === '2.1' ? csaf21 : csaf20).filter(
    (test): test is (typeof csaf20)[string] => typeof test === 'function',
  );
  const result = await validate(tests, doc);
  return {
    errors: result.tests.filter((t) => !t.isValid).flatMap((t) => messagesOf(t, 'errors')),
    warnings: result.tests.flatMap((t) => messagesOf(t, 'warnings')),
  };
}

/** Nesting depth of a JSON value, measured without recursion so a hostile document cannot overflow the stack. */
export function jsonDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

export type DecodedCsaf = { ok: true; content: unknown } | { ok: false; error: string };

/**
 * Decodes a CSAF document's text: refuses oversized input before parsing, names where truncated or malformed
 * JSON breaks, and refuses nesting that no real advisory has.
 */
export function decodeCsafText(text: string, maxBytes = MAX_CSAF_BYTES): DecodedCsaf {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    return { ok: false, error: `document is ${bytes} bytes; the limit is ${maxBytes} bytes` };
  }
  let content: unknown;
  try {
    content = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    // A parse error at the very end of the text (or "end of input") means the document was cut short.
    const position = Number(/position (\d+)/.exec(detail)?.[1] ?? Number.NaN);
    const atEnd = /end of (json )?input|unterminated/i.test(detail) || position >= text.trimEnd().length - 1;
    const truncated = atEnd ? ' (truncated?)' : '';
    return { ok: false, error: `not valid JSON${truncated}: ${detail}` };
  }
  return checkCsafShape(content);
}

/** Depth check for an already parsed document (the API and file readers share it). */
export function checkCsafShape(content: unknown): DecodedCsaf {
  const depth = jsonDepth(content, MAX_CSAF_JSON_DEPTH);
  if (depth > MAX_CSAF_JSON_DEPTH) {
    return { ok: false, error: `JSON nested deeper than ${MAX_CSAF_JSON_DEPTH} levels; refusing to read it` };
  }
  return { ok: true, content };
}
