/*
 * Bounds and decoding of a CSAF document, before it is validated: pure, and free of the validator library, so the
 * functions that only read documents (advisory-ingest, feed-poll) do not carry the validator in their bundle.
 */

/**
 * Documents larger than this are refused before parsing: 5 MiB, what one synchronous Lambda invocation can carry
 * to the csaf-validator function (AWS's limit is 6 MB per request, with the JSON envelope). The largest CISA
 * document of the corpus is 0.5 MB.
 */
export const MAX_CSAF_BYTES = 5 * 1024 * 1024;
/** JSON nesting deeper than this is refused before validation (real advisories nest about 20 levels). */
export const MAX_CSAF_JSON_DEPTH = 128;

export interface CsafValidation {
  /** The validator's messages that make the document invalid ("/document/title: must have required property"). */
  errors: string[];
  /** Non-fatal findings of the validator, recorded with the advisory. */
  warnings: string[];
}

/** The refusal of a document over MAX_CSAF_BYTES, in one wording for files, uploads and feeds. */
export function oversizedCsafMessage(bytes: number, maxBytes = MAX_CSAF_BYTES): string {
  return (
    `document is ${bytes} bytes; the limit is ${maxBytes} bytes ` +
    '(what one synchronous call to the CSAF validator function can carry)'
  );
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
  if (bytes > maxBytes) return { ok: false, error: oversizedCsafMessage(bytes, maxBytes) };
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
