/**
 * Sanitization of untrusted text (advisory titles and remediations, CMMS free text) before it reaches an email,
 * an SMS or a ticket. Advisory prose comes from third parties; a hostile or careless document must not inject
 * markup, terminal escapes, e-mail headers, bidi-reordered text, hidden characters or credential-bearing URLs
 * into what a clinician reads. Pure and total: every string in, a bounded, printable string out.
 */

export interface SanitizeOptions {
  /** Upper bound of the result in characters (an ellipsis marks a cut). */
  maxChars: number;
  /** Keep line breaks (email bodies, work notes) or fold everything onto one line (subjects, SMS). Default false. */
  multiline?: boolean;
  /** Lines longer than this are cut with an ellipsis (multiline only). Default 200. */
  maxLineChars?: number;
}

const ELLIPSIS = '…';

/** ESC-introduced sequences: CSI (colours, cursor moves), OSC (titles, hyperlinks), and two-byte escapes. */
const ANSI =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escapes is the point
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;
/** C0/C1 controls except TAB and LF (CR is normalized first). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** Bidi embeddings/overrides/isolates/marks and invisible or zero-width characters. */
const INVISIBLE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: each code point is removed on its own, combining or not
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]/g;
/** Line and paragraph separators some mail clients treat as line breaks. */
const UNICODE_BREAKS = /[\u0085\u2028\u2029]/g;
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: ' ',
  gt: ' ',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  '#39': "'",
};

/** Removes the user-info part (`user:password@`) of URLs; the host and path stay readable. */
export function stripUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, '$1');
}

function stripMarkup(text: string): string {
  return (
    text
      .replace(/<!--[\s\S]*?(-->|$)/g, ' ')
      .replace(/<(script|style|iframe|object|template)\b[\s\S]*?(<\/\1\s*>|$)/gi, ' ')
      .replace(/<!\[CDATA\[[\s\S]*?(\]\]>|$)/gi, ' ')
      // ServiceNow journal markup: [code]…[/code] renders raw HTML in work notes.
      .replace(/\[\/?code\]/gi, ' ')
      // Markdown links and images keep their text and show where they point.
      .replace(/!?\[([^\]\n]{0,500})\]\(([^)\s]{0,2000})(?:\s+"[^"]*")?\)/g, '$1 ($2)')
      .replace(/<br\s*\/?>|<\/(p|div|li|tr|h[1-6])\s*>/gi, '\n')
      .replace(/<\/?[a-z!?][^>]*(>|$)/gi, ' ')
      .replace(/&(#?[a-z0-9]+);/gi, (match, name: string) => {
        const lower = name.toLowerCase();
        if (lower in NAMED_ENTITIES) return NAMED_ENTITIES[lower] ?? ' ';
        return /^#x?[0-9a-f]+$/.test(lower) ? ' ' : match;
      })
      .replace(/[<>]/g, ' ')
  );
}

function cut(text: string, max: number): string {
  if (max <= 0) return '';
  if (text.length <= max) return text;
  // Never split a surrogate pair.
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end).trimEnd()}${ELLIPSIS}`;
}

/**
 * Makes untrusted text safe for a human-facing channel: drops markup (HTML, ServiceNow `[code]`, markdown link
 * syntax), terminal escapes, control characters (CR/LF too unless `multiline`), bidi overrides and zero-width
 * characters, strips credentials from URLs, collapses whitespace and caps line and total length.
 */
export function sanitizeUntrusted(text: unknown, options: SanitizeOptions): string {
  const raw = typeof text === 'string' ? text : text === null || text === undefined ? '' : String(text);
  // Bound the work on pathological input before running any regular expression over it.
  const bounded = raw.length > options.maxChars * 8 + 4096 ? raw.slice(0, options.maxChars * 8 + 4096) : raw;
  let value = bounded
    .normalize('NFC')
    .replace(ANSI, '')
    .replace(/\r\n?/g, '\n')
    .replace(UNICODE_BREAKS, '\n')
    .replace(INVISIBLE, '');
  value = stripMarkup(value).replace(CONTROL, ' ').replace(INVISIBLE, '');
  value = stripUrlCredentials(value);
  const maxLine = options.maxLineChars ?? 200;
  if (options.multiline) {
    const lines = value
      .split('\n')
      .map((line) => cut(line.replace(/[\t ]+/g, ' ').trim(), maxLine))
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    return cut(lines, options.maxChars);
  }
  return cut(value.replace(/\s+/g, ' ').trim(), options.maxChars);
}

/** One printable line, e.g. for a field inside an email body or a ticket's short description. */
export function sanitizeLine(text: unknown, maxChars: number): string {
  return sanitizeUntrusted(text, { maxChars });
}

/**
 * An SNS email subject: SNS accepts only ASCII without line breaks or control characters, starting with a letter,
 * digit or punctuation, under 100 characters. Accents are folded, anything else becomes `?`.
 */
export function sanitizeSubject(text: unknown, maxChars = 99): string {
  const line = sanitizeUntrusted(text, { maxChars: Math.max(1, maxChars) * 2 })
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/…/g, '...')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/^[^A-Za-z0-9[({<"'!#$%&*+,./:;=?@\\^_`|~-]+/, '')
    .trim();
  const capped = line.length > maxChars ? `${line.slice(0, maxChars - 3).trimEnd()}...` : line;
  return capped === '' ? 'MedPatch alert' : capped;
}

/**
 * Characters that cost one GSM 03.38 septet each (basic set, no extension table): a message of at most 160 of
 * them fits one SMS segment on every carrier.
 */
const GSM7_SAFE = /[A-Za-z0-9 @$_!"#%&'()*+,\-./:;<=>?]/;

/** Folds text to single-segment-safe GSM-7 characters; everything else becomes `?` (accents are folded first). */
export function toGsm7Safe(text: string): string {
  let out = '';
  for (const char of text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/…/g, '...')) {
    out += GSM7_SAFE.test(char) ? char : char === '\n' || char === '\t' ? ' ' : '?';
  }
  return out.replace(/ {2,}/g, ' ');
}

export function isGsm7Safe(text: string): boolean {
  for (const char of text) if (!GSM7_SAFE.test(char)) return false;
  return true;
}
