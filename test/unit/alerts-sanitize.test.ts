import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatEmail, formatSms } from '../../shared/domain/alerts';
import {
  isGsm7Safe,
  sanitizeLine,
  sanitizeSubject,
  sanitizeUntrusted,
  stripUrlCredentials,
} from '../../shared/domain/sanitize';
import { aFacts } from './alerts-builders';

const corpus = JSON.parse(
  readFileSync(new URL('../fixtures/hostile-advisory-texts.json', import.meta.url), 'utf8'),
) as { name: string; text: string }[];

// biome-ignore lint/suspicious/noControlCharactersInRegex: the assertion looks for control characters
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each invisible code point is listed on purpose
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u061c\u00ad\ufe0e\ufe0f]/;

function assertClean(out: string, where: string) {
  expect(out, where).not.toMatch(CONTROL);
  expect(out, where).not.toMatch(INVISIBLE);
  expect(out, where).not.toMatch(/[<>]/);
  expect(out, where).not.toMatch(/\[\/?code\]/i);
  expect(out, where).not.toMatch(/:\/\/[^\s/@]*:[^\s/@]*@/);
  expect(out, where).not.toContain('\u001b');
}

describe('sanitization of hostile advisory texts', () => {
  it('has a corpus covering markup, escapes, header injection, bidi, nulls and 10 KB strings', () => {
    const names = corpus.map((c) => c.name);
    for (const required of [
      'html-script',
      'ansi-colour',
      'crlf-header-injection',
      'rtl-override',
      'null-bytes',
      'overlong-10kb',
      'markdown-link',
      'servicenow-code-block',
      'url-credentials',
      'zero-width',
    ])
      expect(names).toContain(required);
    expect(corpus.find((c) => c.name === 'overlong-10kb')?.text.length).toBeGreaterThanOrEqual(10_240);
  });

  it.each(corpus)(
    'single-line output of "$name" has no markup, controls, line breaks or hidden characters',
    ({ name, text }) => {
      const out = sanitizeLine(text, 300);
      assertClean(out, name);
      expect(out).not.toMatch(/[\r\n]/);
      expect(out.length).toBeLessThanOrEqual(300);
    },
  );

  it.each(corpus)(
    'multi-line output of "$name" keeps lines bounded and never carries a header line break',
    ({ name, text }) => {
      const out = sanitizeUntrusted(text, { maxChars: 2000, multiline: true, maxLineChars: 120 });
      assertClean(out, name);
      expect(out).not.toContain('\r');
      expect(out.length).toBeLessThanOrEqual(2000);
      for (const line of out.split('\n')) expect(line.length, name).toBeLessThanOrEqual(120);
    },
  );

  it.each(corpus)(
    'the email subject built from "$name" is ASCII, one line and under 100 characters',
    ({ text }) => {
      const subject = sanitizeSubject(text);
      expect(subject).toMatch(/^[\x20-\x7e]+$/);
      expect(subject.length).toBeLessThan(100);
      expect(subject).toMatch(/^[^\s]/);
    },
  );

  it.each(corpus)('an SMS whose fields all carry "$name" is one GSM-7 segment', ({ text }) => {
    const sms = formatSms(
      aFacts({
        device: { assetTag: text, department: text, location: text, manufacturer: text },
        advisory: { advisoryId: text, title: text },
        workOrderRef: text,
      }),
    );
    expect(sms.length).toBeLessThanOrEqual(160);
    expect(isGsm7Safe(sms)).toBe(true);
  });

  it.each(corpus)('an email whose advisory text is "$name" carries none of it raw', ({ name, text }) => {
    const email = formatEmail(
      aFacts({ advisory: { advisoryId: 'ICSMA-20-049-01', title: text }, interimMitigation: [text] }),
    );
    assertClean(email.body, name);
    // The header block ends only where the formatter puts a blank line; no injected header survives.
    expect(email.body).not.toMatch(/^(Bcc|Subject|Content-Type):/im);
  });

  it('keeps the readable text of markup, markdown links and ServiceNow code blocks', () => {
    expect(sanitizeLine('<b>Restrict</b> access &amp; <i>segment</i>', 100)).toBe(
      'Restrict access & segment',
    );
    expect(sanitizeLine('See [the portal](https://vendor.example/kb)', 100)).toBe(
      'See the portal (https://vendor.example/kb)',
    );
    expect(sanitizeLine('[code]<p>Apply</p>[/code] the patch', 100)).toBe('Apply the patch');
    expect(sanitizeLine('p\u200bat\u202ech', 100)).toBe('patch');
  });

  it('removes credentials from URLs and keeps host and path', () => {
    expect(stripUrlCredentials('get https://admin:hunter2@vendor.example/fw.bin now')).toBe(
      'get https://vendor.example/fw.bin now',
    );
    expect(sanitizeLine('ftp://user@files.example/x', 100)).toBe('ftp://files.example/x');
  });

  it('cuts long text with an ellipsis and never splits a surrogate pair', () => {
    const out = sanitizeLine(`${'x'.repeat(98)}\u{1F600}\u{1F600}`, 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out.endsWith('…')).toBe(true);
    expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('turns non-string input into a bounded string instead of throwing', () => {
    expect(sanitizeLine(undefined, 10)).toBe('');
    expect(sanitizeLine(12345, 10)).toBe('12345');
  });

  it('any input yields a clean, bounded single line (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 3000 }),
        fc.integer({ min: 1, max: 500 }),
        (text, max) => {
          const out = sanitizeLine(text, max);
          return out.length <= max && !CONTROL.test(out) && !/[\r\n<>]/.test(out) && !INVISIBLE.test(out);
        },
      ),
      { numRuns: 500 },
    );
  });
});
