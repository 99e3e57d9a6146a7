import type { Advisory, AdvisoryProduct } from './advisory';
import type { Device } from './device';
import type { DeviceMatch, MatchReason } from './finding';
import { foldDiacritics, normalizeManufacturer, relatedManufacturerKeys } from './manufacturer';
import { MANUFACTURER_ALIASES } from './manufacturer-aliases';
import {
  describeVersionSpec,
  type ParsedVersionSpec,
  parseVersionSpec,
  versionSatisfies,
} from './version-spec';
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

/** "Windows 7-Based" inside a product name: a qualifier the CMMS record rarely states (caps at probable). */
const OS_QUALIFIER = /\b(?:microsoft\s+)?windows\s+(?:server\s+)?[a-z0-9.]+(?:\s*-\s*based|\s+based)?\b/gi;

/** "LOGIQ, not including LOGIQ 100 Pro": the part after the marker names excluded products. */
const EXCLUSION = /,?\s*\b(?:not\s+including|excluding|except(?:\s+for)?)\b\s+/i;

/** Versions written into a product name ("IntelliSpace Portal 8.0.x", "Image Vault 3.x"). */
const NAME_VERSION = /\b\d+(?:\.(?:\d+|x))*\.(?:\d+|x)\b/gi;

/**
 * Words a CMMS record may leave out without naming a different product: device kinds ("Pumps", "Monitor") and
 * software qualifiers ("Control Software", "App"). A product name must still keep at least one other word.
 */
const OPTIONAL_WORDS = new Set([
  'pump',
  'pumps',
  'monitor',
  'monitors',
  'patient',
  'machine',
  'unit',
  'app',
  'application',
  'control',
  'operating',
  'client',
  'builds',
  'build',
  'iot',
  'medical',
  'handheld',
  'based',
  'ivd',
  'module',
  'modules',
]);

/** Kind words two different products share without being related ("R Series defibrillator", "… Dashboard"). */
const SIMILARITY_NOISE = new Set([
  'defibrillator',
  'infusion',
  'syringe',
  'ventilator',
  'central',
  'station',
  'telemetry',
  'vital',
  'signs',
  'wireless',
  'wifi',
  'server',
  'workstation',
  'portal',
  'viewer',
  'dicom',
  'system',
  'monitoring',
  'mmt',
]);

/**
 * Device kinds that advisories write into product names ("Ultrasound EPIQ", "MRI 1.5T") and CMMS records keep in
 * the device type instead. Only these words of the device type may complete a product name.
 */
const KIND_WORDS = new Set(['ultrasound', 'mri', 'ct', 'xray', 'mammography', 'ecg', 'ekg', 'eeg']);

const UNKNOWN_MANUFACTURER = 'unknown';

const RULE_STRENGTH: Record<HitStrength, number> = {
  model: 4,
  range: 4,
  name: 3,
  os: 3,
  partial: 2,
  similar: 1,
};
const CONFIDENCE_RANK: Record<MatchConfidence, number> = { confirmed: 3, probable: 2, possible: 1 };

/** Brands that were once company names ("Alaris Medical Systems"): product words, never manufacturer words. */
const BRAND_WORDS: ReadonlySet<string> = new Set(['alaris']);

/** Manufacturer name words ("bd", "welch", "allyn") say nothing about the product: dropped from product tokens. */
const MANUFACTURER_WORDS: ReadonlySet<string> = new Set(
  MANUFACTURER_ALIASES.flatMap((entry) => [entry.displayName, ...entry.aliases])
    .flatMap((name) => tokenize(name))
    // Single letters ("i" of i-SENS, "b" of B. Braun) would also strip product names ("Vivid I").
    .filter((word) => !/\d/.test(word) && word.length >= 2 && !BRAND_WORDS.has(word)),
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

/** A bare number of four digits ("4000", "8015") names a model only together with a shared product word. */
function isWeakModelId(id: string): boolean {
  return /^\d{4}$/.test(id);
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
  // Each abbreviated item completes the one before it ("…/MX700/800" → mx800, not a prefix of the first item).
  for (const match of folded.matchAll(/\b([a-z]*\d+[a-z]*)((?:\/[a-z]*\d+[a-z]*)+)/g)) {
    let previous = match[1] ?? '';
    for (const suffix of (match[2] ?? '').split('/').filter((s) => s !== '')) {
      const id =
        /^\d/.test(suffix) && suffix.length < previous.length
          ? previous.slice(0, previous.length - suffix.length) + suffix
          : suffix;
      if (isModelToken(id)) ids.add(id);
      previous = id;
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

/** "Efficia CM Series": model numbers starting with the series letters ("CM12") belong to it. */
function seriesPrefixesOf(text: string): string[] {
  return [...foldDiacritics(text).matchAll(/\b([a-z]{1,4})\s+series\b/g)].map((m) => m[1] ?? '');
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
  /** Model tokens plus the device type's kind words ("Ultrasound"), for names that carry the device kind. */
  nameTokens: Set<string>;
  modelIds: Set<string>;
  /** Model numbers written in the model name itself ("Pyxis MedStation 4000"), not the catalog number field. */
  nameModelIds: Set<string>;
  /** Tokens of everything the device record says, including its software and type (for generic OS products). */
  allTokens: Set<string>;
}

/**
 * Profiles by what they are computed from: a hospital has many devices of one model, version and type, and the
 * tokenization and manufacturer normalization need not run once per device. Bounded; cleared when full.
 */
const PROFILE_CACHE = new Map<string, DeviceProfile>();
const PROFILE_CACHE_LIMIT = 50_000;

function profileOf(device: Device): DeviceProfile {
  const key = profileKeyOf(device);
  const cached = PROFILE_CACHE.get(key);
  if (cached) return cached;
  if (PROFILE_CACHE.size >= PROFILE_CACHE_LIMIT) PROFILE_CACHE.clear();
  const profile = computeProfile(device);
  PROFILE_CACHE.set(key, profile);
  return profile;
}

function computeProfile(device: Device): DeviceProfile {
  const identity = `${device.model} ${device.modelNumber}`;
  const tokens = new Set(tokenize(identity).filter((t) => !MANUFACTURER_WORDS.has(t)));
  const modelIds = modelIdsOf(identity);
  const compactModelNumber = foldDiacritics(device.modelNumber).replace(/[^a-z0-9]/g, '');
  if (compactModelNumber !== '') modelIds.add(compactModelNumber);
  const typeTokens = tokenize(device.deviceType).filter((t) => KIND_WORDS.has(t));
  const allTokens = new Set(tokenize(`${identity} ${device.softwareVersion} ${device.deviceType}`));
  const manufacturerKey = deviceManufacturerKey(device);
  const manufacturerKeys = manufacturerKey === '' ? [] : relatedManufacturerKeys(manufacturerKey);
  return {
    manufacturerKey,
    manufacturerKeys,
    tokens,
    nameTokens: new Set([...tokens, ...typeTokens]),
    modelIds,
    nameModelIds: modelIdsOf(device.model),
    allTokens,
  };
}

type VariantKind = 'name tokens' | 'synonym' | 'name variant';

interface ProductIdentity {
  /**
   * Name variants: the name without parentheses and its slash alternatives, each parenthesised synonym ("XTR"),
   * and a free-text "version" that names the product ("Accu-Chek Inform II").
   */
  variants: { words: string[]; kind: VariantKind }[];
  /** Variants naming excluded products ("not including LOGIQ 100 Pro"). */
  excluded: string[][];
  tokens: Set<string>;
  modelIds: Set<string>;
  /**
   * Model numbers that are part of the name itself ("Tasy EMR HTML5", "Centricity PACS RA1000"), not restated
   * after "Model number" or in parentheses ("Xhibit Telemetry Receiver (XTR) Model number 96280").
   */
  nameModelIds: Set<string>;
  /** The product name compacted to letters and digits ("discoverynm750b"), for model numbers written apart. */
  compactName: string;
  ranges: ModelRange[];
  seriesPrefixes: string[];
  patterns: RegExp[];
  isGenericOs: boolean;
  /** The name carries an OS qualifier ("Windows 7-Based") the device record cannot confirm. */
  osQualified: boolean;
  /** A version written into the name ("8.0.x"): the effective spec when the branch says all versions. */
  nameVersion?: string;
  /** Manufacturer keys the product belongs to ('unknown' excluded). */
  manufacturerKeys: string[];
  /** The spec versions are judged by, parsed once. */
  spec: ParsedVersionSpec;
  specText: string;
}

/** Words of a name that can identify a product: no manufacturer words, no model numbers, no version fragments. */
function nameWords(text: string): string[] {
  return tokenize(text).filter(
    (t) => !MANUFACTURER_WORDS.has(t) && !isModelToken(t) && t !== 'x' && !/^v\d+$/.test(t),
  );
}

/** "Ultrasound EPIQ/Affiniti" → "Ultrasound EPIQ", "Ultrasound Affiniti"; model lists ("MX800/700") stay whole. */
function slashAlternatives(text: string): string[] {
  const match = /\b([A-Za-z][A-Za-z-]+)\/([A-Za-z][A-Za-z-]+)\b/.exec(text);
  if (!match || match[0].toUpperCase() === 'PET/CT' || match[0].toUpperCase() === 'NM/CT') return [text];
  const before = text.slice(0, match.index);
  const after = text.slice(match.index + match[0].length);
  return [`${before}${match[1]}${after}`, `${before}${match[2]}${after}`];
}

/** A word that can tell products apart: three letters or more, not a device kind or an optional word. */
function isDistinctiveWord(word: string): boolean {
  return word.length >= 3 && !/\d/.test(word) && !KIND_WORDS.has(word) && !OPTIONAL_WORDS.has(word);
}

/** The free-text version when it may list model numbers (no comparators, no dates). */
function freeTextModels(product: AdvisoryProduct): string {
  if (product.versionSpec.kind !== 'free_text') return '';
  const text = product.versionSpec.raw;
  return /[<>=]/.test(text) || MONTH_NAME.test(text) ? '' : text;
}

const MONTH_NAME = /\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/i;

/** A free-text "version" that is really a product name ("Accu-Chek Inform II", "MMT-523 Paradigm Revel"). */
function nameLikeVersionText(product: AdvisoryProduct): string | undefined {
  if (product.versionSpec.kind !== 'free_text') return undefined;
  const text = product.versionSpec.raw;
  if (/[<>=]/.test(text) || MONTH_NAME.test(text)) return undefined;
  return nameWords(text).some(isDistinctiveWord) ? text : undefined;
}

const IDENTITY_CACHE = new WeakMap<AdvisoryProduct, ProductIdentity>();

function identityOf(product: AdvisoryProduct): ProductIdentity {
  const cached = IDENTITY_CACHE.get(product);
  if (cached) return cached;
  const fullName = [product.productFamily, product.productName].filter((p) => p !== '').join(' ');
  const [included = fullName, ...excludedParts] = fullName.split(EXCLUSION);
  const isGenericOs = GENERIC_OS.test(product.productName.trim());
  const osQualified = !isGenericOs && new RegExp(OS_QUALIFIER.source, 'i').test(included);
  const nameVersions = isGenericOs ? [] : [...included.matchAll(NAME_VERSION)].map((m) => m[0]);
  const name = isGenericOs ? included : included.replace(OS_QUALIFIER, ' ').replace(NAME_VERSION, ' ');
  const withoutParens = name.replace(/\([^)]*\)/g, ' ');
  const synonyms = [...name.matchAll(/\(([^()]+)\)/g)].map((m) => m[1] ?? '');
  const versionName = nameLikeVersionText(product);
  const variantTexts: [string, VariantKind][] = [
    ...slashAlternatives(withoutParens).map((text): [string, VariantKind] => [text, 'name tokens']),
    ...synonyms.map((text): [string, VariantKind] => [text, 'synonym']),
    ...(versionName !== undefined
      ? [`${withoutParens} ${versionName}`, versionName].map((text): [string, VariantKind] => [
          text,
          'name variant',
        ])
      : []),
  ];
  const variants = variantTexts
    .map(([text, kind]) => ({ words: nameWords(text), kind }))
    .filter((v) => v.words.some((t) => !OPTIONAL_WORDS.has(t)));
  const excluded = excludedParts
    .flatMap((part) => part.split(/\s+and\s+|,/))
    .map(nameWords)
    .filter((v) => v.length > 0);
  // CISA sometimes puts model identifiers in the version branch ("MMT-1710", "882160 Gemini Dual").
  // Dates and comparator text ("distributed < april 1, 2018") hold no model numbers.
  const modelIds = modelIdsOf(`${included} ${freeTextModels(product)}`);
  const nameVersion =
    nameVersions.length === 1 && product.versionSpec.kind === 'all' ? nameVersions[0] : undefined;
  const spec = effectiveSpec(product, nameVersion);
  const identity: ProductIdentity = {
    variants,
    excluded,
    tokens: new Set(
      [...tokenize(`${included} ${versionName ?? ''}`), ...modelIds].filter(
        (t) => !MANUFACTURER_WORDS.has(t),
      ),
    ),
    modelIds,
    nameModelIds: modelIdsOf(
      withoutParens.replace(/\b(?:model|part|ref|catalog)(?:\s*(?:number|no\.?|#))?\s*:?\s*[\w-]+/gi, ' '),
    ),
    compactName: foldDiacritics(included).replace(/[^a-z0-9]/g, ''),
    ranges: modelRangesOf(included),
    seriesPrefixes: seriesPrefixesOf(included),
    patterns: product.modelNumbers.map(wildcardPattern),
    isGenericOs,
    osQualified,
    ...(nameVersion !== undefined ? { nameVersion } : {}),
    manufacturerKeys: productManufacturerKeys(product),
    spec,
    specText: describeVersionSpec(spec),
  };
  IDENTITY_CACHE.set(product, identity);
  return identity;
}

/** The spec a product's versions are judged by: a version written in its name when the branch says "all". */
function effectiveSpec(product: AdvisoryProduct, nameVersion: string | undefined): ParsedVersionSpec {
  const own = parseVersionSpec(product.versionSpec.raw);
  if (nameVersion === undefined) return own;
  const parsed = parseVersionSpec(nameVersion);
  return parsed.kind === 'free_text' ? own : parsed;
}

type HitStrength = 'model' | 'range' | 'name' | 'os' | 'partial' | 'similar';

interface ProductRuleHit {
  strength: HitStrength;
  rule: string;
}

function sharesWord(profile: DeviceProfile, product: ProductIdentity): boolean {
  return [...profile.tokens].some((t) => !isModelToken(t) && t.length >= 3 && product.tokens.has(t));
}

function modelHit(profile: DeviceProfile, product: ProductIdentity): ProductRuleHit | undefined {
  for (const id of profile.modelIds) {
    const weak = isWeakModelId(id) && !sharesWord(profile, product);
    if (product.modelIds.has(id) && !weak) return { strength: 'model', rule: `model number ${id}` };
    if (product.patterns.some((p) => p.test(id)))
      return { strength: 'model', rule: `model number pattern matches ${id}` };
    // "Discovery NM750b" recorded, "Discovery NM 750b" advertised.
    if (/[a-z]/.test(id) && /\d/.test(id) && id.length >= 5 && product.compactName.includes(id))
      return { strength: 'model', rule: `model number ${id} in product name` };
    const m = /^([a-z]+)(\d+)[a-z]*$/.exec(id);
    for (const range of product.ranges) {
      if (m && m[1] === range.prefix && Number(m[2]) >= range.low && Number(m[2]) <= range.high) {
        return { strength: 'range', rule: `model ${id} in range ${range.text}` };
      }
    }
    for (const prefix of product.seriesPrefixes) {
      if (m && m[1] === prefix)
        return { strength: 'range', rule: `model ${id} in the ${prefix.toUpperCase()} series` };
    }
  }
  return undefined;
}

/** Tokens that must be present for a variant to name the device: its words less the optional kind words. */
function requiredWords(variant: readonly string[]): string[] {
  return variant.filter((t) => !OPTIONAL_WORDS.has(t));
}

/** How (and whether) an advisory product names this device. */
function identifyProduct(profile: DeviceProfile, product: ProductIdentity): ProductRuleHit | undefined {
  if (product.isGenericOs) {
    // An OS listed in a medical advisory matches only devices whose record names that OS.
    const osTokens = product.variants[0]?.words ?? [];
    const named = osTokens.length > 0 && osTokens.every((t) => profile.allTokens.has(t));
    const osVersion = [...product.tokens].filter((t) => /\d/.test(t) && !profile.allTokens.has(t));
    return named && osVersion.length === 0
      ? { strength: 'os', rule: `operating system ${osTokens.join(' ')} named by the device` }
      : undefined;
  }
  const byModel = modelHit(profile, product);
  if (byModel) return byModel;
  // Different explicit model numbers on both sides: the same product line at best, never the same product.
  const modelConflict =
    profile.modelIds.size > 0 &&
    (product.modelIds.size > 0 || product.ranges.length > 0 || product.seriesPrefixes.length > 0);
  if (modelConflict) return undefined;
  // The advisory names a model number the record does not state ("Tasy EMR HTML5", "Centricity PACS RA1000"):
  // the name identifies the product line, not which member of it.
  const productMoreSpecific = product.nameModelIds.size > 0;
  for (const variant of product.variants) {
    const required = requiredWords(variant.words);
    if (required.some((t) => !KIND_WORDS.has(t)) && required.every((t) => profile.nameTokens.has(t))) {
      return productMoreSpecific
        ? { strength: 'partial', rule: `${variant.kind} ${required.join(' ')}; model number not recorded` }
        : { strength: 'name', rule: `${variant.kind} ${required.join(' ')}` };
    }
  }
  // The record names the product less precisely than the advisory ("Tasy EMR" for "Tasy EMR HTML5"), and says
  // nothing the advisory does not (a model number in the record's name that the product lacks means another one).
  const deviceWords = [...profile.tokens].filter((t) => !isModelToken(t) && !OPTIONAL_WORDS.has(t));
  const unmentionedModel = [...profile.nameModelIds].some((id) => !product.tokens.has(id));
  if (
    !unmentionedModel &&
    deviceWords.length >= 2 &&
    product.variants.some((v) => deviceWords.every((t) => v.words.includes(t)))
  ) {
    return { strength: 'partial', rule: `device name ${deviceWords.join(' ')} within product name` };
  }
  // Only similar: both sides share a distinctive word. When each side also has words of its own, they name
  // different products of one line ("Alaris PC Unit 8015" vs "Alaris Gateway Workstation"): no finding. Different
  // model numbers on both sides ("MX40" vs "MX100") returned above: a different model is a different product.
  const common = [...profile.tokens].filter((t) => product.tokens.has(t));
  const shared = common.filter((t) => isDistinctiveWord(t) && !SIMILARITY_NOISE.has(t));
  if (shared.length === 0) return undefined;
  const own = (tokens: Iterable<string>): string[] =>
    [...tokens].filter((t) => !common.includes(t) && !OPTIONAL_WORDS.has(t) && t !== 'x');
  const deviceOwn = own(profile.tokens);
  const productOwn = own(product.variants[0]?.words ?? []);
  if (deviceOwn.length > 0 && productOwn.length > 0) return undefined;
  return { strength: 'similar', rule: `similar name: shares ${shared.join(' ')}` };
}

/** Canonical manufacturer key of a device (used to index devices by manufacturer). */
export function deviceManufacturerKey(device: Device): string {
  return normalizeManufacturer(device.manufacturer);
}

/** Lookup keys that can never identify a product alone: optional kind words and short bare numbers. */
function isIndexableToken(token: string): boolean {
  return !OPTIONAL_WORDS.has(token) && !/^\d{1,3}$/.test(token);
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

const AFFECTED_CACHE = new WeakMap<Advisory, AdvisoryProduct[]>();

/** Products an advisory says are affected; every product when no vulnerability lists affected ids. */
function affectedProducts(advisory: Advisory): AdvisoryProduct[] {
  const cached = AFFECTED_CACHE.get(advisory);
  if (cached) return cached;
  const affected = new Set(advisory.vulnerabilities.flatMap((v) => v.affectedProductIds));
  const products =
    affected.size === 0 ? advisory.products : advisory.products.filter((p) => affected.has(p.productId));
  AFFECTED_CACHE.set(advisory, products);
  return products;
}

interface Candidate {
  confidence: MatchConfidence;
  hit: HitStrength;
  strength: number;
  order: number;
  product: AdvisoryProduct;
  reason: MatchReason;
  /** The device's version is outside this product's affected versions: recognised, but not a finding. */
  outside: boolean;
}

const STRONG_HITS: ReadonlySet<HitStrength> = new Set(['model', 'range', 'name', 'os']);

/** The spec a product's versions are judged by: a version written in its name when the branch says "all". */

function evaluateProduct(
  device: Device,
  profile: DeviceProfile,
  product: AdvisoryProduct,
  order: number,
): Candidate | undefined {
  const identity = identityOf(product);
  if (!identity.manufacturerKeys.some((key) => profile.manufacturerKeys.includes(key))) return undefined;
  if (identity.excluded.some((v) => requiredWords(v).every((t) => profile.nameTokens.has(t))))
    return undefined;
  const hit = identifyProduct(profile, identity);
  if (hit === undefined) return undefined;
  const versionSpec = identity.spec;
  const membership = versionSatisfies(versionSpec, device.softwareVersion);
  const spec = identity.specText;
  const identified = hit.strength !== 'similar';
  // Recognised only in part, or under a qualifier the record cannot confirm: at most probable.
  const certain = STRONG_HITS.has(hit.strength) && !identity.osQualified;
  let confidence: MatchConfidence;
  let versionRule: string;
  if (membership === 'inside') {
    confidence = !identified ? 'possible' : certain ? 'confirmed' : 'probable';
    versionRule = versionSpec.kind === 'all' ? 'all versions' : `${device.softwareVersion.trim()} in ${spec}`;
    if (identity.osQualified && identified)
      versionRule += '; operating system qualifier not confirmed by the record';
  } else {
    confidence = identified ? 'probable' : 'possible';
    versionRule =
      membership === 'outside'
        ? `${device.softwareVersion.trim()} outside ${spec}`
        : device.softwareVersion.trim() === ''
          ? `not evaluable: device version unknown (affected: ${spec})`
          : `not evaluable: ${device.softwareVersion.trim()} against ${spec}`;
  }
  return {
    confidence,
    hit: hit.strength,
    strength: RULE_STRENGTH[hit.strength],
    order,
    product,
    outside: membership === 'outside',
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
 * `confirmed` (manufacturer and product identified by model number or full name, version inside the affected
 * spec or all versions affected) > `probable` (identified, but the version is unknown or not evaluable, or the
 * product is recognised only in part: the record names it less precisely than the advisory, or the advisory
 * qualifies it by an operating system the record does not state) > `possible` (same manufacturer, names only
 * share a word and neither names a different product: needs review). A product entry whose affected versions
 * exclude the device's version never counts; and when any entry identifies the device fully (model number or
 * name), weaker partial or similar entries of the same advisory are ignored, so a fixed release is not
 * re-reported through a sibling entry. Null when nothing matches.
 */
export function matchDeviceToAdvisory(device: Device, advisory: Advisory): DeviceMatch | null {
  return matchPreparedDevice(prepareDevice(device), advisory);
}

/** A device with its matching profile computed once, for matching it against many advisories. */
export interface PreparedDevice {
  readonly device: Device;
  /** @internal */
  readonly profile: DeviceProfile;
}

export function prepareDevice(device: Device): PreparedDevice {
  return { device, profile: profileOf(device) };
}

/**
 * matchDeviceToAdvisory for a prepared device. `products` restricts the evaluation to the advisory's candidate
 * products from the product index: every product that could identify the device or share a word with it is
 * among them, so the result is the same as evaluating all products.
 */
export function matchPreparedDevice(
  prepared: PreparedDevice,
  advisory: Advisory,
  products?: ReadonlySet<AdvisoryProduct>,
): DeviceMatch | null {
  const { device, profile } = prepared;
  if (profile.manufacturerKey === '') return null;
  const candidates: Candidate[] = [];
  affectedProducts(advisory).forEach((product, order) => {
    if (products !== undefined && !products.has(product)) return;
    const candidate = evaluateProduct(device, profile, product, order);
    if (candidate) candidates.push(candidate);
  });
  const fullyIdentified = candidates.some((c) => STRONG_HITS.has(c.hit));
  let best: Candidate | undefined;
  for (const candidate of candidates) {
    if (candidate.outside || (fullyIdentified && !STRONG_HITS.has(candidate.hit))) continue;
    if (best === undefined || isBetter(candidate, best)) best = candidate;
  }
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

const ANY_TOKEN = '*';

/**
 * The keys a product is indexed under: its tokens, its model numbers, adjacent token pairs and triples (a model
 * number the advisory writes apart, "NM 750b"), and `*` when it names model ranges, series or wildcard patterns.
 */
function productIndexTokens(product: AdvisoryProduct): Set<string> {
  const identity = identityOf(product);
  // An operating system product is found through what the record says anywhere (type, software), under OS:<word>.
  if (identity.isGenericOs) return new Set((identity.variants[0]?.words ?? []).map((w) => `OS:${w}`));
  const tokens = new Set([...identity.tokens].filter(isIndexableToken));
  const words = tokenize(`${product.productFamily} ${product.productName}`);
  for (let i = 0; i + 1 < words.length; i++) {
    tokens.add(`${words[i]}${words[i + 1]}`);
    if (i + 2 < words.length) tokens.add(`${words[i]}${words[i + 1]}${words[i + 2]}`);
  }
  if (identity.patterns.length > 0 || identity.ranges.length > 0 || identity.seriesPrefixes.length > 0)
    tokens.add(ANY_TOKEN);
  return tokens;
}

/** What a device is looked up by: everything its record says, its model numbers, and the wildcard key. */
function deviceLookupTokens(profile: DeviceProfile): Set<string> {
  const lookup = new Set([...profile.nameTokens, ...profile.modelIds].filter(isIndexableToken));
  lookup.add(ANY_TOKEN);
  for (const token of profile.allTokens) lookup.add(`OS:${token}`);
  return lookup;
}

/** Advisories by manufacturer key and product token, so matching never walks all advisories × all devices. */
export interface AdvisoryIndex {
  /** `${manufacturerKey}|${token}` → advisories; token `*` holds advisories with wildcard model numbers or ranges. */
  readonly byManufacturerToken: ReadonlyMap<string, readonly Advisory[]>;
  readonly size: number;
}

export function buildAdvisoryIndex(advisories: Advisory[]): AdvisoryIndex {
  const buckets = new Map<string, Advisory[]>();
  const add = (key: string, advisory: Advisory): void => {
    const bucket = buckets.get(key);
    if (bucket === undefined) buckets.set(key, [advisory]);
    else if (bucket[bucket.length - 1] !== advisory) bucket.push(advisory);
  };
  for (const advisory of advisories) {
    for (const product of affectedProducts(advisory)) {
      for (const key of productManufacturerKeys(product))
        for (const token of productIndexTokens(product)) add(`${key}|${token}`, advisory);
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
  const lookup = deviceLookupTokens(profile);
  for (const key of profile.manufacturerKeys) {
    for (const token of lookup) {
      for (const advisory of index.byManufacturerToken.get(`${key}|${token}`) ?? []) found.add(advisory);
    }
  }
  return [...found];
}

/** Advisory products by manufacturer key and token: the matcher's unit of work is one device × one product. */
export interface ProductIndex {
  readonly byManufacturerToken: ReadonlyMap<
    string,
    readonly { advisory: Advisory; product: AdvisoryProduct }[]
  >;
  readonly advisories: number;
  /** Affected products across all indexed advisories (the denominator of "pairs evaluated"). */
  readonly products: number;
}

export function buildProductIndex(advisories: readonly Advisory[]): ProductIndex {
  const buckets = new Map<string, { advisory: Advisory; product: AdvisoryProduct }[]>();
  let products = 0;
  for (const advisory of advisories) {
    for (const product of affectedProducts(advisory)) {
      products += 1;
      for (const key of productManufacturerKeys(product)) {
        for (const token of productIndexTokens(product)) {
          const bucketKey = `${key}|${token}`;
          const bucket = buckets.get(bucketKey);
          if (bucket === undefined) buckets.set(bucketKey, [{ advisory, product }]);
          else bucket.push({ advisory, product });
        }
      }
    }
  }
  return { byManufacturerToken: buckets, advisories: advisories.length, products };
}

/**
 * The products that could match a device, grouped by advisory: same manufacturer (or corporate family) and a
 * shared token, model number or wildcard. Evaluating only these gives the same matches as evaluating all.
 */
export function candidateProductsFor(
  index: ProductIndex,
  prepared: PreparedDevice,
): Map<Advisory, Set<AdvisoryProduct>> {
  const { profile } = prepared;
  const found = new Map<Advisory, Set<AdvisoryProduct>>();
  if (profile.manufacturerKey === '') return found;
  const lookup = deviceLookupTokens(profile);
  for (const key of profile.manufacturerKeys) {
    for (const token of lookup) {
      for (const { advisory, product } of index.byManufacturerToken.get(`${key}|${token}`) ?? []) {
        const products = found.get(advisory);
        if (products === undefined) found.set(advisory, new Set([product]));
        else products.add(product);
      }
    }
  }
  return found;
}

/** The key of what matching depends on in a device record (everything but its identity). */
function profileKeyOf(device: Device): string {
  return [
    device.manufacturer,
    device.model,
    device.modelNumber,
    device.softwareVersion,
    device.deviceType,
  ].join('\u0000');
}

export interface InventoryMatch {
  matches: DeviceMatch[];
  /** Device × product pairs the matcher evaluated (once per distinct device profile and candidate product). */
  pairsEvaluated: number;
  /** Device × product pairs covered by those evaluations (each device × its candidate products). */
  pairsCovered: number;
  /** Distinct (manufacturer, model, model number, version, type) profiles among the devices. */
  profiles: number;
}

/**
 * Matches many devices through the product index: devices that read the same (manufacturer, model, model number,
 * software version, type) are evaluated once and share the result, and each profile is evaluated only against
 * its candidate products. Same matches as matchDeviceToAdvisory over every device × advisory.
 */
export function matchDevices(index: ProductIndex, devices: readonly Device[]): InventoryMatch {
  const groups = new Map<string, Device[]>();
  for (const device of devices) {
    const key = profileKeyOf(device);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [device]);
    else group.push(device);
  }
  const matches: DeviceMatch[] = [];
  let pairsEvaluated = 0;
  let pairsCovered = 0;
  for (const group of groups.values()) {
    const first = prepareDevice(group[0] as Device);
    for (const [advisory, products] of candidateProductsFor(index, first)) {
      pairsEvaluated += products.size;
      pairsCovered += products.size * group.length;
      const match = matchPreparedDevice(first, advisory, products);
      if (match === null) continue;
      for (const device of group) matches.push({ ...match, deviceId: device.deviceId });
    }
  }
  return { matches, pairsEvaluated, pairsCovered, profiles: groups.size };
}
