import { createHmac, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from './digest';

/**
 * HMAC-SHA256 request signing for callers that cannot sign AWS SigV4 (ServiceNow business rules and Flows).
 *
 *   X-MedPatch-Timestamp: <unix seconds>
 *   X-MedPatch-Signature: v1=<HMAC-SHA256(key, timestamp + "." + raw body), hex or base64>
 *
 * A request is accepted when a configured key (several during a rotation) yields the same MAC (constant-time
 * compare) and the timestamp is within the window of `now`. Replay protection is the caller's job with the
 * returned `replayId` (a conditional put with a TTL): the same signed request is accepted once.
 */

export const TIMESTAMP_HEADER = 'x-medpatch-timestamp';
export const SIGNATURE_HEADER = 'x-medpatch-signature';
export const SIGNATURE_VERSION = 'v1';
export const DEFAULT_WINDOW_SECONDS = 300;
/** Keys shorter than this are refused: a guessable key makes the signature worthless. */
export const MIN_KEY_BYTES = 32;

export type SignatureCheck =
  | { ok: true; replayId: string; timestamp: number; expiresAt: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'forged' | 'no-key'; detail: string };

export function signatureFor(key: string, timestamp: string | number, body: string): string {
  return `${SIGNATURE_VERSION}=${createHmac('sha256', key).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * The MAC of a `v1=` signature, hex (as signatureFor writes it) or base64 (as ServiceNow's
 * GlideCertificateEncryption.generateMac returns it); null when it is neither or not 32 bytes.
 */
function macBytes(signature: string): Buffer | null {
  const value = signature.startsWith('v1=') ? signature.slice(3) : null;
  if (value === null) return null;
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) return Buffer.from(value, 'base64');
  return null;
}

/** Headers as API Gateway v2 hands them (lower-cased) or as each client sends them (mixed case). */
function header(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

export function verifySignature(input: {
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
  keys: readonly string[];
  /** Unix seconds. */
  now: number;
  windowSeconds?: number;
}): SignatureCheck {
  const window = input.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
  const keys = input.keys.filter((k) => Buffer.byteLength(k, 'utf8') >= MIN_KEY_BYTES);
  if (keys.length === 0) return { ok: false, reason: 'no-key', detail: 'no usable HMAC key is configured' };
  const timestampText = header(input.headers, TIMESTAMP_HEADER)?.trim();
  const signature = header(input.headers, SIGNATURE_HEADER)?.trim();
  if (!timestampText || !signature)
    return {
      ok: false,
      reason: 'missing',
      detail: `missing ${!timestampText ? TIMESTAMP_HEADER : SIGNATURE_HEADER} header`,
    };
  if (!/^\d{9,11}$/.test(timestampText))
    return { ok: false, reason: 'malformed', detail: 'timestamp must be unix seconds' };
  const given = macBytes(signature);
  if (!given)
    return {
      ok: false,
      reason: 'malformed',
      detail: 'signature must be v1=<64 hex digits> or v1=<base64 of 32 bytes>',
    };
  const timestamp = Number(timestampText);
  // Compare against every key before judging time, so timing does not tell a stale request from a forged one.
  let valid = false;
  for (const key of keys) {
    const expected = Buffer.from(signatureFor(key, timestampText, input.body).slice(3), 'hex');
    if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
  }
  if (!valid)
    return { ok: false, reason: 'forged', detail: 'signature does not match the body and timestamp' };
  if (Math.abs(input.now - timestamp) > window)
    return {
      ok: false,
      reason: 'stale',
      detail: `timestamp is ${input.now - timestamp} s from now (window ±${window} s)`,
    };
  return {
    ok: true,
    replayId: sha256Hex(`${timestampText}.${given.toString('hex')}`),
    timestamp,
    // Keep the replay marker until the request could no longer pass the window check anyway.
    expiresAt: timestamp + window + 60,
  };
}
