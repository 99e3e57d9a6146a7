import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signatureFor, verifySignature } from '../../shared/domain/hmac';

const KEY = 'k'.repeat(40);
const OLD_KEY = 'o'.repeat(40);
const NOW = 1_764_000_000;
const BODY = '{"sys_id":"0123456789abcdef0123456789abcdef","number":"CHG0030001"}';

const headers = (body = BODY, timestamp = NOW, key = KEY) => ({
  'x-medpatch-timestamp': String(timestamp),
  'x-medpatch-signature': signatureFor(key, timestamp, body),
});
const verify = (h: Record<string, string>, body = BODY, keys = [KEY], now = NOW) =>
  verifySignature({ headers: h, body, keys, now });

describe('HMAC request signatures', () => {
  it('accepts a request signed with the key over timestamp and body, whatever the header case', () => {
    const check = verify(headers());
    expect(check.ok).toBe(true);
    const upper = {
      'X-MedPatch-Timestamp': String(NOW),
      'X-MedPatch-Signature': signatureFor(KEY, NOW, BODY),
    };
    expect(verify(upper).ok).toBe(true);
  });

  it('accepts the MAC in base64, as ServiceNow computes it, with the same replay id as hex', () => {
    const hex = signatureFor(KEY, NOW, BODY).slice(3);
    const base64 = `v1=${Buffer.from(hex, 'hex').toString('base64')}`;
    const a = verify({ ...headers(), 'x-medpatch-signature': base64 });
    const b = verify(headers());
    if (!a.ok || !b.ok) throw new Error('expected valid signatures');
    expect(a.replayId).toBe(b.replayId);
  });

  it('gives the same replay id for the same signed request and a different one for another', () => {
    const a = verify(headers());
    const b = verify(headers());
    const c = verify(headers(BODY, NOW + 1));
    if (!a.ok || !b.ok || !c.ok) throw new Error('expected valid signatures');
    expect(a.replayId).toBe(b.replayId);
    expect(c.replayId).not.toBe(a.replayId);
    expect(a.expiresAt).toBeGreaterThan(NOW + 300);
  });

  it('rejects missing headers', () => {
    expect(verify({})).toMatchObject({ ok: false, reason: 'missing' });
    expect(verify({ 'x-medpatch-timestamp': String(NOW) })).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('rejects a wrong key, a changed body, a changed timestamp and a malformed signature', () => {
    expect(verify(headers(BODY, NOW, 'w'.repeat(40)))).toMatchObject({ ok: false, reason: 'forged' });
    expect(verify(headers(), `${BODY} `)).toMatchObject({ ok: false, reason: 'forged' });
    expect(verify({ ...headers(), 'x-medpatch-timestamp': String(NOW + 1) })).toMatchObject({
      ok: false,
      reason: 'forged',
    });
    expect(verify({ ...headers(), 'x-medpatch-signature': 'v1=zz' })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(verify({ ...headers(), 'x-medpatch-timestamp': '2025-06-01' })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('rejects a correctly signed request outside the 5-minute window, past or future', () => {
    expect(verify(headers(BODY, NOW - 300)).ok).toBe(true);
    expect(verify(headers(BODY, NOW - 301))).toMatchObject({ ok: false, reason: 'stale' });
    expect(verify(headers(BODY, NOW + 301))).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('accepts the previous key during a rotation, and refuses to work with no or too short a key', () => {
    expect(verify(headers(BODY, NOW, OLD_KEY), BODY, [KEY, OLD_KEY]).ok).toBe(true);
    expect(verify(headers(), BODY, [])).toMatchObject({ ok: false, reason: 'no-key' });
    expect(verify(headers(BODY, NOW, 'short'), BODY, ['short'])).toMatchObject({
      ok: false,
      reason: 'no-key',
    });
  });

  it('never accepts a body other than the signed one (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (signedBody, sentBody) => {
        fc.pre(signedBody !== sentBody);
        return !verify(headers(signedBody), sentBody).ok;
      }),
      { numRuns: 300 },
    );
  });
});
