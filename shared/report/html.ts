/**
 * Escaping helpers for the posture report. Every value interpolated with `html` is escaped unless it is already
 * `SafeHtml` (the output of another `html` call), so untrusted text (advisory titles, product names, asset tags)
 * can never become markup.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v: HtmlValue) => render(v)).join('');
  return escapeHtml(String(value));
}

/** Tagged template: literal parts are trusted markup, interpolations are escaped. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>`, `&`, U+2028 and U+2029 become `\uXXXX`
 * escapes, so no data can close the element, open a comment or break a JavaScript parser reading it.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * A trusted script (the charting library, the report's own code) made safe to inline: `</script` cannot end
 * the element early. A `<!--` would switch the HTML parser into the "script data escaped" state, and rewriting it
 * inside arbitrary code is not safe, so it is refused instead.
 */
export function inlineScript(code: string): string {
  if (code.includes('<!--'))
    throw new Error('inlineScript: the script contains "<!--" and cannot be inlined safely');
  return code.replace(/<\/(script)/gi, '<\\/$1');
}

/** An http(s) URL, or null (javascript:, data: and relative URLs are never emitted as links). */
export function safeHttpUrl(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}
