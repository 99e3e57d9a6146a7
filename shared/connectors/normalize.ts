/**
 * Model and software-version normalization at the connector edge, so the same device reads the same whatever the
 * CMMS's spelling. Manufacturer names are normalized by shared/domain/manufacturer.ts (alias table) downstream.
 */

/** Trims, collapses whitespace, drops ™/®/© marks and unifies dashes: "IntelliVue  MX800™" → "IntelliVue MX800". */
export function normalizeModel(raw: string): string {
  return raw
    .replace(/[\u2122\u00ae\u00a9]|\((?:tm|r|c)\)/gi, '')
    .normalize('NFKC')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Strips the labels CMMS put in front of a version ("v", "Ver.", "Version", "SW", "FW", "Rev", "Release") and
 * normalizes separators: "Version 4.0.2" → "4.0.2", "v2.3" → "2.3", "SW: L.01.02" → "L.01.02". A value that is
 * not version-like after stripping is returned trimmed but otherwise unchanged.
 */
export function normalizeVersion(raw: string): string {
  const trimmed = raw.normalize('NFKC').replace(/\s+/g, ' ').trim();
  const stripped = trimmed
    .replace(/^(?:software|firmware|sw|fw)\b\s*(?:version|ver\.?|rev\.?)?\s*[:=]?\s*/i, '')
    .replace(/^(?:version|ver\.?|release|rel\.?|rev\.?)\s*[:=]?\s*/i, '')
    .replace(/^v(?=\d)/i, '');
  return /\d/.test(stripped) ? stripped : trimmed;
}
