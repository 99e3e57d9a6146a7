import { compareVersions } from '../version-spec';

const INTEGER = /^(0|[1-9][0-9]*)$/;
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;

function comparePreRelease(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xNum = /^\d+$/.test(x);
    const yNum = /^\d+$/.test(y);
    if (xNum && yNum) {
      const diff = Number(x) - Number(y);
      if (diff !== 0) return Math.sign(diff);
    } else if (xNum !== yNum) {
      return xNum ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** Orders CSAF `version_t` values: integers numerically, SemVer by SemVer 2.0 precedence, others leniently. */
export function compareTrackingVersions(a: string, b: string): number {
  const ta = a.trim();
  const tb = b.trim();
  if (INTEGER.test(ta) && INTEGER.test(tb)) {
    const diff = BigInt(ta) - BigInt(tb);
    return diff === 0n ? 0 : diff < 0n ? -1 : 1;
  }
  const sa = SEMVER.exec(ta);
  const sb = SEMVER.exec(tb);
  if (sa && sb) {
    for (let i = 1; i <= 3; i++) {
      const diff = BigInt(sa[i] ?? '0') - BigInt(sb[i] ?? '0');
      if (diff !== 0n) return diff < 0n ? -1 : 1;
    }
    return comparePreRelease(sa[4], sb[4]);
  }
  // Mixed forms ("2" vs "2.0.0") or non-conforming values: fall back to the generic version order.
  return Math.sign(compareVersions(ta, tb));
}

/** True when tracking version `a` is newer than `b` (so a stored advisory at `b` must be replaced). */
export function isNewerTrackingVersion(a: string, b: string): boolean {
  return compareTrackingVersions(a, b) > 0;
}
