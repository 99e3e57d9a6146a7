import type { Advisory, AdvisoryProduct } from './advisory';
import type { Device } from './device';
import type { DeviceMatch, MatchReason } from './finding';
import { foldDiacritics, normalizeManufacturer, relatedManufacturerKeys } from './manufacturer';
import { MANUFACTURER_ALIASES } from './manufacturer-aliases';
import { describeVersionSpec, versionSatisfies } from './version-spec';
import type { MatchConfidence } from './vocabulary';

/** Words that never identify a product. */
const STOPWORDS = new Set([
  'model',
  'models',
  'number',
  'numbers',
  'no',
  'series',
  'version',
  'versions',
  'the',
  'all',
  'and',
  'or',
  'for',
  'with',
  'without',
  'software',
  'system',
  'systems',
  'of',
  'in',
  'on',
  'a',
  'an',
  'to',
  'by',
  'including',
  'not',
  'only',
  'product',
  'products',
  'family',
  'device',
  'devices',
  'firmware',
  'v',
]);

/** Operating systems that medical advisories list as affected components (Spacelabs lists Windows XP…). */
const GENERIC_OS = /^(?:microsoft\s+)?windows\b|^(?:red\s*hat|rhel|ubuntu|debian|linux|vxworks)\b/i;

const UNKNOWN_MANUFACTURER = 'unknown';

const RULE_STRENGTH: Record<string, number> = { model: 3, range: 3, name: 2, os: 2, similar: 1 };
const CONFIDENCE_RANK: Record<MatchConfidence, number> = { confirmed: 3, probable: 2, possible: 1 };

/** Manufacturer name words ("bd", "welch", "allyn") say nothing about the product: dropped from product tokens. */
const MANUFACTURER_WORDS: ReadonlySet<string> = new Set(
  MANUFACTURER_ALIASES.flatMap((entry) => [entry.displayName, ...entry.aliases])
    .flatMap((name) => tokenize(name))
    .filter((word) => !/\d/.test(word)),
);

function tokenize(text: string): string[] {
  return foldDiacritics(text)
    .replace(/\bwi-?fi\b/g, 'wifi')
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0 && !STOPWORDS.has(word));
}

/** "96280", "mx800", "8015", "m8105a": a token that is a model number rather than a word. */
function isModelToken(token: string): boolean {
  const hasDigit = /\d/.test(token);
  const hasLetter = /[a-z]/.test(token);
  return hasDigit && ((hasLetter && token.length >= 3) || (!hasLetter && token.length >= 4));
}

/** Model numbers in a text, compacted ("MMT-1710" → "mmt1710") and with CISA's slash lists expanded. */
function modelIdsOf(text: string): Set<string> {
  const folded = foldDiacritics(text);
  const ids = new Set<string>();
  for (const match of folded.matchAll(/[a-z0-9]+(?:-[a-z0-9]+)*/g)) {
    const compact = match[0].replace(/-/g, '');
    if (isModelToken(compact)) ids.add(compact);
    for (const part of match[0].split('-')) if (isModelToken(part)) ids.add(part);
  }
  // "MX800/700/600" → mx700, mx600; "M8001A/2A/3A" → m8002a, m8003a; "FM20/FM30" → fm30.
  for (const match of folded.matchAll(/\b([a-z]*\d+[a-z]*)((?:\/[a-z]*\d+[a-z]*)+)/g)) {
    const base = match[1] ?? '';
    for (const suffix of (match[2] ?? '').split('/').filter((s) => s !== '')) {
      const id =
        /^\d/.test(suffix) && suffix.length < base.length
          ? base.slice(0, base.length - suffix.length) + suffix
          : suffix;
      if (isModelToken(id)) ids.add(id);
    }
  }
  return ids;
}

interface ModelRange {
  prefix: string;
  low: number;
  high: number;
  text: string;
}

/** "MX400-MX850", "MP20-MP90", "MX400-550": a family of model numbers given as a range. */
function modelRangesOf(text: string): ModelRange[] {
  const ranges: ModelRange[] = [];
  for (const match of foldDiacritics(text).matchAll(/\b([a-z]+)(\d+)\s*-\s*([a-z]*)(\d+)\b/g)) {
    const prefix = match[1] ?? '';
    const secondPrefix = match[3] ?? '';
    if (secondPrefix !== '' && secondPrefix !== prefix) continue;
    const low = Number(match[2]);
    const high = Number(match[4]);
    if (high > low) ranges.push({ prefix, low, high, text: match[0].toUpperCase() });
  }
  return ranges;
}

function wildcardPattern(modelNumber: string): RegExp {
  const escaped = foldDiacritics(modelNumber)
    .replace(/[^a-z0-9?*]/g, '')
    .replace(/\?/g, '.')
    .replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** What the matcher knows about a device's identity. */
interface DeviceProfile {
  manufacturerKey: string;
  /** The device's key plus its corporate family (a Welch Allyn device is covered by Baxter advisories). */
  manufacturerKeys: string[];
  /** Model tokens without manufacturer words. */
  tokens: Set<string>;
  modelIds: Set<string>;
  /** Tokens of everything the device record says, including its software and type (for generic OS products). */
  allTokens: Set<string>;
}

function profileOf(device: Device): DeviceProfile {
  const identity = `${device.model} ${device.modelNumber}`;
  const tokens = new Set(tokenize(identity).filter((t) => !MANUFACTURER_WORDS.has(t)));
  const modelIds = modelIdsOf(identity);
  const compactModelNumber = foldDiacritics(device.modelNumber).replace(/[^a-z0-9]/g, '');
  if (compactModelNumber !== '') modelIds.add(compactModelNumber);
  const allTokens = new Set(tokenize(`${identity} ${device.softwareVersion} ${device.deviceType}`));
  const manufacturerKey = deviceManufacturerKey(device);
  const manufacturerKeys = manufacturerKey === '' ? [] : relatedManufacturerKeys(manufacturerKey);
  return { manufacturerKey, manufacturerKeys, tokens, modelIds, allTokens };
}

interface ProductIdentity {
  /** Name variants: the name without parentheses, then each parenthesised synonym ("XTR"). */
  variants: string[][];
  tokens: Set<string>;
  modelIds: Set<string>;
  ranges: ModelRange[];
  patterns: RegExp[];
  isGenericOs: boolean;
}

function identityOf(product: AdvisoryProduct): ProductIdentity {
  const name = [product.productFamily, product.productName].filter((p) => p !== '').join(' ');
  const withoutParens = name.replace(/\([^)]*\)/g, ' ');
  const synonyms = [...name.matchAll(/\(([^()]+)\)/g)].map((m) => m[1] ?? '');
  const wordTokens = (text: string): string[] =>
    tokenize(text).filter((t) => !MANUFACTURER_WORDS.has(t) && !isModelToken(t));
  const variants = [withoutParens, ...synonyms].map(wordTokens).filter((v) => v.length > 0);
  // CISA sometimes puts model identifiers in the version branch ("MMT-1710", "882160 Gemini Dual").
  const versionText = product.versionSpec.kind === 'free_text' ? product.versionSpec.raw : '';
  const modelIds = modelIdsOf(`${name} ${versionText}`);
  return {
    variants,
    tokens: new Set([...tokenize(name), ...modelIds].filter((t) => !MANUFACTURER_WORDS.has(t))),
    modelIds,
    ranges: modelRangesOf(name),
    patterns: product.modelNumbers.map(wildcardPattern),
    isGenericOs: GENERIC_OS.test(product.productName.trim()),
  };
}

interface ProductRuleHit {
  strength: 'model' | 'range' | 'name' | 'os' | 'similar';
  rule: string;
}

/** How (and whether) an advisory product names this device. */
function identifyProduct(profile: DeviceProfile, product: ProductIdentity): ProductRuleHit | undefined {
  if (product.isGenericOs) {
    // An OS listed in a medical advisory matches only devices whose record names that OS.
    const osTokens = product.variants[0] ?? [];
    const named = osTokens.length > 0 && osTokens.every((t) => profile.allTokens.has(t));
    const osVersion = [...product.tokens].filter((t) => /\d/.test(t) && !profile.allTokens.has(t));
    return named && osVersion.length === 0
      ? { strength: 'os', rule: `operating system ${osTokens.join(' ')} named by the device` }
      : undefined;
  }
  for (const id of profile.modelIds) {
    if (product.modelIds.has(id)) return { strength: 'model', rule: `model number ${id}` };
    if (product.patterns.some((p) => p.test(id)))
      return { strength: 'model', rule: `model number pattern matches ${id}` };
    for (const range of product.ranges) {
      const m = /^([a-z]+)(\d+)$/.exec(id);
      if (m && m[1] === range.prefix && Number(m[2]) >= range.low && Number(m[2]) <= range.high) {
        return { strength: 'range', rule: `model ${id} in range ${range.text}` };
      }
    }
  }
  // Different explicit model numbers on both sides: the same product line at best, never the same product.
  const modelConflict = profile.modelIds.size > 0 && (product.modelIds.size > 0 || product.ranges.length > 0);
  if (!modelConflict) {
    for (const [i, variant] of product.variants.entries()) {
      if (variant.every((t) => profile.tokens.has(t))) {
        return { strength: 'name', rule: `${i === 0 ? 'name tokens' : 'synonym'} ${variant.join(' ')}` };
      }
    }
    const deviceWords = [...profile.tokens].filter((t) => !isModelToken(t));
    if (deviceWords.length >= 2 && product.variants.some((v) => deviceWords.every((t) => v.includes(t)))) {
      return { strength: 'name', rule: `device name ${deviceWords.join(' ')} within product name` };
    }
  }
  const shared = [...profile.tokens].filter(
    (t) => product.tokens.has(t) && (t.length >= 3 || isModelToken(t)),
  );
  return shared.length > 0
    ? { strength: 'similar', rule: `similar name: shares ${shared.join(' ')}` }
    : undefined;
}

/** Canonical manufacturer key of a device (used to index devices by manufacturer). */
export function deviceManufacturerKey(device: Device): string {
  return normalizeManufacturer(device.manufacturer);
}

/** Every manufacturer key an advisory's products belong to (used to index advisories by manufacturer). */
export function advisoryManufacturerKeys(advisory: Advisory): string[] {
  const keys = new Set<string>();
  for (const product of advisory.products) {
    for (const key of product.manufacturerKeys ?? [product.manufacturerKey])
      if (key !== 'unknown') keys.add(key);
  }
  return [...keys].sort();
}

/** A product whose vendor the parser could not tell ('unknown') never matches any device. */
function productManufacturerKeys(product: AdvisoryProduct): string[] {
  return (product.manufacturerKeys ?? [product.manufacturerKey]).filter(
    (key) => key !== UNKNOWN_MANUFACTURER,
  );
}

/** Products an advisory says are affected; every product when no vulnerability lists affected ids. */
function affectedProducts(advisory: Advisory): AdvisoryProduct[] {
  const affected = new Set(advisory.vulnerabilities.flatMap((v) => v.affectedProductIds));
  return affected.size === 0 ? advisory.products : advisory.products.filter((p) => affected.has(p.productId));
}

interface Candidate {
  confidence: MatchConfidence;
  strength: number;
  order: number;
  product: AdvisoryProduct;
  reason: MatchReason;
}

function evaluateProduct(
  device: Device,
  profile: DeviceProfile,
  product: AdvisoryProduct,
  order: number,
): Candidate | undefined {
  if (!productManufacturerKeys(product).some((key) => profile.manufacturerKeys.includes(key)))
    return undefined;
  const hit = identifyProduct(profile, identityOf(product));
  if (hit === undefined) return undefined;
  const membership = versionSatisfies(product.versionSpec, device.softwareVersion);
  // Outside the affected versions: not a finding, however the product was recognised.
  if (membership === 'outside') return undefined;
  const spec = describeVersionSpec(product.versionSpec);
  const identified = hit.strength !== 'similar';
  let confidence: MatchConfidence;
  let versionRule: string;
  if (membership === 'inside') {
    confidence = identified ? 'confirmed' : 'possible';
    versionRule =
      product.versionSpec.kind === 'all' ? 'all versions' : `${device.softwareVersion.trim()} in ${spec}`;
  } else {
    confidence = identified ? 'probable' : 'possible';
    versionRule =
      device.softwareVersion.trim() === ''
        ? `not evaluable: device version unknown (affected: ${spec})`
        : `not evaluable: ${device.softwareVersion.trim()} against ${spec}`;
  }
  return {
    confidence,
    strength: RULE_STRENGTH[hit.strength] ?? 0,
    order,
    product,
    reason: {
      productId: product.productId,
      productFullName: product.fullName,
      productRule: hit.rule,
      versionRule,
    },
  };
}

function isBetter(a: Candidate, b: Candidate): boolean {
  const byConfidence = CONFIDENCE_RANK[a.confidence] - CONFIDENCE_RANK[b.confidence];
  if (byConfidence !== 0) return byConfidence > 0;
  if (a.strength !== b.strength) return a.strength > b.strength;
  return a.order < b.order;
}

/**
 * Matches one device to one advisory (DESIGN.md §4). Every affected product entry is tried and the best wins:
 * `confirmed` (manufacturer and product identified, version inside the affected spec or all versions affected) >
 * `probable` (identified, version unknown or not evaluable) > `possible` (manufacturer matches, product only
 * similar). A product entry whose affected versions exclude the device's version never counts, so the result is
 * null when nothing matches or every recognised entry has the device's version outside its range.
 */
export function matchDeviceToAdvisory(device: Device, advisory: Advisory): DeviceMatch | null {
  const profile = profileOf(device);
  if (profile.manufacturerKey === '') return null;
  let best: Candidate | undefined;
  affectedProducts(advisory).forEach((product, order) => {
    const candidate = evaluateProduct(device, profile, product, order);
    if (candidate && (best === undefined || isBetter(candidate, best))) best = candidate;
  });
  if (best === undefined) return null;
  const productId = best.product.productId;
  const productCves = advisory.vulnerabilities
    .filter((v) => v.affectedProductIds.includes(productId))
    .flatMap((v) => (v.cve ? [v.cve] : []));
  const cves =
    productCves.length > 0 ? productCves : advisory.vulnerabilities.flatMap((v) => (v.cve ? [v.cve] : []));
  return {
    deviceId: device.deviceId,
    advisoryId: advisory.advisoryId,
    confidence: best.confidence,
    cves: [...new Set(cves)],
    reason: best.reason,
  };
}

/** Advisories by manufacturer key and product token, so matching never walks all advisories × all devices. */
export interface AdvisoryIndex {
  /** `${manufacturerKey}|${token}` → advisories; token `*` holds advisories with wildcard model numbers or ranges. */
  readonly byManufacturerToken: ReadonlyMap<string, readonly Advisory[]>;
  readonly size: number;
}

const ANY_TOKEN = '*';

export function buildAdvisoryIndex(advisories: Advisory[]): AdvisoryIndex {
  const buckets = new Map<string, Advisory[]>();
  const add = (key: string, advisory: Advisory): void => {
    const bucket = buckets.get(key);
    if (bucket === undefined) buckets.set(key, [advisory]);
    else if (bucket[bucket.length - 1] !== advisory) bucket.push(advisory);
  };
  for (const advisory of advisories) {
    for (const product of affectedProducts(advisory)) {
      const identity = identityOf(product);
      const tokens = new Set(identity.tokens);
      if (identity.patterns.length > 0 || identity.ranges.length > 0) tokens.add(ANY_TOKEN);
      for (const key of productManufacturerKeys(product))
        for (const token of tokens) add(`${key}|${token}`, advisory);
    }
  }
  return { byManufacturerToken: buckets, size: advisories.length };
}

/**
 * Advisories that could match a device: same manufacturer key and at least one shared product token (or a
 * wildcard/range product). Every advisory matchDeviceToAdvisory would match is among them.
 */
export function candidateAdvisoriesFor(index: AdvisoryIndex, device: Device): Advisory[] {
  const profile = profileOf(device);
  if (profile.manufacturerKey === '') return [];
  const found = new Set<Advisory>();
  const lookup = new Set([...profile.allTokens, ...profile.tokens, ...profile.modelIds, ANY_TOKEN]);
  for (const key of profile.manufacturerKeys) {
    for (const token of lookup) {
      for (const advisory of index.byManufacturerToken.get(`${key}|${token}`) ?? []) found.add(advisory);
    }
  }
  return [...found];
}
