import type {
  Advisory,
  AdvisoryVulnerability,
  CvssScore,
  Remediation,
  RemediationCategory,
} from '../advisory';
import {
  CsafIssues,
  describeType,
  isRecord,
  type JsonRecord,
  optionalArray,
  optionalRecord,
  optionalString,
  requiredString,
  stringArray,
} from './csaf-reader';
import { mentionsPublicExploit } from './exploitation';
import { readProductTree } from './product-tree';

export { isNewerTrackingVersion } from './tracking-version';

export type ParseCsafResult =
  | { ok: true; advisory: Advisory; warnings: string[] }
  | { ok: false; errors: string[] };

const REMEDIATION_CATEGORIES: ReadonlySet<string> = new Set<RemediationCategory>([
  'vendor_fix',
  'mitigation',
  'workaround',
  'none_available',
  'no_fix_planned',
  'fix_planned',
  'optional_patch',
]);

const AFFECTED_STATUSES = [
  'known_affected',
  'first_affected',
  'last_affected',
  'under_investigation',
] as const;
const FIXED_STATUSES = ['fixed', 'first_fixed'] as const;
const CVE_PATTERN = /^CVE-\d{4}-\d{4,}$/;

/**
 * Reads a CSAF 2.0 document (2.1 fields tolerated) into the Advisory model. Errors name the JSON path of what is
 * wrong ("document.tracking.id: required", "product_tree.branches[0].product: duplicate product_id CSAFPID-0003");
 * oddities that still leave a usable advisory (unknown product references, invalid vers, missing versions) are
 * returned as warnings. Pure: no I/O, the caller passes the already parsed JSON value.
 */
export function parseCsafDocument(doc: unknown): ParseCsafResult {
  const issues = new CsafIssues();
  if (!isRecord(doc))
    return { ok: false, errors: [`$: expected a CSAF document object, got ${describeType(doc)}`] };

  const document = doc.document;
  if (!isRecord(document)) {
    return {
      ok: false,
      errors: [
        document === undefined
          ? 'document: required'
          : `document: expected an object, got ${describeType(document)}`,
      ],
    };
  }
  const title = requiredString(document, 'title', 'document', issues);
  const csafVersion = optionalString(document, 'csaf_version', 'document', issues);
  if (csafVersion !== undefined && csafVersion !== '2.0' && csafVersion !== '2.1') {
    issues.warn('document.csaf_version', `unsupported version "${csafVersion}", read as 2.0`);
  }
  const publisher = optionalRecord(document, 'publisher', 'document', issues);
  if (document.publisher === undefined) issues.error('document.publisher', 'required');
  const tracking = optionalRecord(document, 'tracking', 'document', issues);
  if (document.tracking === undefined) issues.error('document.tracking', 'required');

  const advisoryId = tracking ? requiredString(tracking, 'id', 'document.tracking', issues) : '';
  const trackingVersion = tracking ? requiredString(tracking, 'version', 'document.tracking', issues) : '';
  const initialReleaseDate = tracking
    ? requiredString(tracking, 'initial_release_date', 'document.tracking', issues)
    : '';
  const currentReleaseDate = tracking
    ? requiredString(tracking, 'current_release_date', 'document.tracking', issues)
    : '';
  const trackingStatus = tracking
    ? optionalString(tracking, 'status', 'document.tracking', issues)
    : undefined;
  const publisherName = publisher ? requiredString(publisher, 'name', 'document.publisher', issues) : '';
  const publisherCategory = publisher
    ? requiredString(publisher, 'category', 'document.publisher', issues)
    : '';
  const publisherNamespace = publisher
    ? optionalString(publisher, 'namespace', 'document.publisher', issues)
    : undefined;

  const selfUrl = readSelfUrl(document, issues);
  const documentNotesText = readNotesText(document, 'document', issues);

  const treeValue = doc.product_tree;
  let products: Advisory['products'] = [];
  let groups = new Map<string, string[]>();
  if (treeValue !== undefined) {
    if (!isRecord(treeValue))
      issues.error('product_tree', `expected an object, got ${describeType(treeValue)}`);
    else ({ products, groups } = readProductTree(treeValue, issues));
  }
  const productIds = new Set(products.map((p) => p.productId));

  const vulnerabilitiesValue = doc.vulnerabilities;
  const vulnerabilities: AdvisoryVulnerability[] = [];
  if (vulnerabilitiesValue !== undefined && !Array.isArray(vulnerabilitiesValue)) {
    issues.error('vulnerabilities', `expected an array, got ${describeType(vulnerabilitiesValue)}`);
  } else {
    const documentReportsExploit = mentionsPublicExploit(documentNotesText);
    (vulnerabilitiesValue ?? []).forEach((item: unknown, i: number) => {
      const vulnerability = readVulnerability(item, `vulnerabilities[${i}]`, productIds, groups, issues);
      if (vulnerability) {
        if (documentReportsExploit) vulnerability.exploitReported = true;
        vulnerabilities.push(vulnerability);
      }
    });
  }

  if (issues.errors.length > 0) return { ok: false, errors: issues.errors };
  if (products.length === 0) issues.warn('product_tree', 'no products: nothing can be matched');

  const advisory: Advisory = {
    advisoryId,
    title,
    source: 'csaf',
    publisherName,
    publisherCategory,
    trackingVersion,
    initialReleaseDate,
    currentReleaseDate,
    products,
    vulnerabilities,
    ...(selfUrl !== undefined ? { selfUrl } : {}),
    ...(trackingStatus !== undefined ? { trackingStatus } : {}),
    ...(publisherNamespace !== undefined ? { publisherNamespace } : {}),
  };
  return { ok: true, advisory, warnings: issues.warnings };
}

function readSelfUrl(document: JsonRecord, issues: CsafIssues): string | undefined {
  const references = optionalArray(document, 'references', 'document', issues);
  for (const reference of references) {
    if (isRecord(reference) && reference.category === 'self' && typeof reference.url === 'string')
      return reference.url;
  }
  return undefined;
}

function readNotesText(record: JsonRecord, path: string, issues: CsafIssues): string {
  return optionalArray(record, 'notes', path, issues)
    .map((note, i) => {
      if (!isRecord(note)) {
        issues.error(`${path}.notes[${i}]`, `expected an object, got ${describeType(note)}`);
        return '';
      }
      return typeof note.text === 'string' ? note.text : '';
    })
    .join('\n');
}

/** Product ids referenced by an item, with group ids expanded; unknown ids become warnings and are dropped. */
function referencedProducts(
  record: JsonRecord,
  idsKey: string,
  path: string,
  productIds: Set<string>,
  groups: Map<string, string[]>,
  issues: CsafIssues,
): string[] {
  const ids: string[] = [];
  stringArray(record, idsKey, path, issues).forEach((id, i) => {
    if (productIds.has(id)) ids.push(id);
    else issues.warn(`${path}.${idsKey}[${i}]`, `unknown product id ${id}; ignored`);
  });
  stringArray(record, 'group_ids', path, issues).forEach((groupId, i) => {
    const members = groups.get(groupId);
    if (members === undefined) issues.warn(`${path}.group_ids[${i}]`, `unknown group id ${groupId}; ignored`);
    else ids.push(...members.filter((id) => productIds.has(id)));
  });
  return [...new Set(ids)];
}

function readVulnerability(
  value: unknown,
  path: string,
  productIds: Set<string>,
  groups: Map<string, string[]>,
  issues: CsafIssues,
): AdvisoryVulnerability | undefined {
  if (!isRecord(value)) {
    issues.error(path, `expected an object, got ${describeType(value)}`);
    return undefined;
  }
  const cve = optionalString(value, 'cve', path, issues);
  if (cve !== undefined && !CVE_PATTERN.test(cve)) issues.warn(`${path}.cve`, `"${cve}" is not a CVE id`);
  const title = optionalString(value, 'title', path, issues) ?? '';
  const cwe = readCwe(value, path, issues);

  const status = optionalRecord(value, 'product_status', path, issues) ?? {};
  const statusPath = `${path}.product_status`;
  const statusIds = (keys: readonly string[]): string[] => [
    ...new Set(
      keys.flatMap((key) => referencedProducts(status, key, statusPath, productIds, groups, issues)),
    ),
  ];
  const affectedProductIds = statusIds(AFFECTED_STATUSES);
  const fixedProductIds = statusIds(FIXED_STATUSES);
  const notAffectedProductIds = statusIds(['known_not_affected']);
  const recommendedProductIds = statusIds(['recommended']);

  const remediations: Remediation[] = [];
  optionalArray(value, 'remediations', path, issues).forEach((item, i) => {
    const remediation = readRemediation(item, `${path}.remediations[${i}]`, productIds, groups, issues);
    if (remediation) remediations.push(remediation);
  });

  const cvss = readScores(value, path, issues);
  const notesText = readNotesText(value, path, issues);
  const threatsReportExploit = optionalArray(value, 'threats', path, issues).some((threat, i) => {
    if (!isRecord(threat)) {
      issues.error(`${path}.threats[${i}]`, `expected an object, got ${describeType(threat)}`);
      return false;
    }
    return (
      threat.category === 'exploit_status' &&
      typeof threat.details === 'string' &&
      mentionsPublicExploit(threat.details)
    );
  });
  const exploitationDates = optionalArray(value, 'first_known_exploitation_dates', path, issues);

  return {
    ...(cve !== undefined ? { cve } : {}),
    title,
    ...(cwe !== undefined ? { cwe } : {}),
    affectedProductIds,
    fixedProductIds,
    notAffectedProductIds,
    ...(recommendedProductIds.length > 0 ? { recommendedProductIds } : {}),
    remediations,
    cvss,
    exploitReported: threatsReportExploit || exploitationDates.length > 0 || mentionsPublicExploit(notesText),
  };
}

function readCwe(value: JsonRecord, path: string, issues: CsafIssues): string | undefined {
  const cwe = optionalRecord(value, 'cwe', path, issues);
  if (cwe) return optionalString(cwe, 'id', `${path}.cwe`, issues);
  // CSAF 2.1: cwes[]
  const first = optionalArray(value, 'cwes', path, issues)[0];
  return isRecord(first) && typeof first.id === 'string' ? first.id : undefined;
}

function readRemediation(
  value: unknown,
  path: string,
  productIds: Set<string>,
  groups: Map<string, string[]>,
  issues: CsafIssues,
): Remediation | undefined {
  if (!isRecord(value)) {
    issues.error(path, `expected an object, got ${describeType(value)}`);
    return undefined;
  }
  const category = requiredString(value, 'category', path, issues);
  const details = requiredString(value, 'details', path, issues);
  const url = optionalString(value, 'url', path, issues);
  if (category === '') return undefined;
  if (!REMEDIATION_CATEGORIES.has(category)) {
    issues.warn(`${path}.category`, `unknown remediation category "${category}"; ignored`);
    return undefined;
  }
  return {
    category: category as RemediationCategory,
    details,
    productIds: referencedProducts(value, 'product_ids', path, productIds, groups, issues),
    ...(url !== undefined ? { url } : {}),
  };
}

function readCvss(
  value: unknown,
  path: string,
  fallbackVersion: string,
  issues: CsafIssues,
): CvssScore | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    issues.error(path, `expected an object, got ${describeType(value)}`);
    return undefined;
  }
  const baseScore = value.baseScore;
  const vectorString = value.vectorString;
  if (typeof baseScore !== 'number' || !Number.isFinite(baseScore)) {
    issues.error(
      `${path}.baseScore`,
      baseScore === undefined ? 'required' : `expected a number, got ${describeType(baseScore)}`,
    );
    return undefined;
  }
  if (typeof vectorString !== 'string') {
    issues.error(
      `${path}.vectorString`,
      vectorString === undefined ? 'required' : `expected a string, got ${describeType(vectorString)}`,
    );
    return undefined;
  }
  const version = typeof value.version === 'string' ? value.version : fallbackVersion;
  return { version, baseScore, vectorString };
}

function readScores(value: JsonRecord, path: string, issues: CsafIssues): CvssScore[] {
  const scores: CvssScore[] = [];
  const readContent = (content: JsonRecord, contentPath: string): void => {
    for (const [key, fallback] of [
      ['cvss_v4', '4.0'],
      ['cvss_v3', '3.1'],
      ['cvss_v2', '2.0'],
    ] as const) {
      const score = readCvss(content[key], `${contentPath}.${key}`, fallback, issues);
      if (score) scores.push(score);
    }
  };
  optionalArray(value, 'scores', path, issues).forEach((item, i) => {
    if (!isRecord(item))
      issues.error(`${path}.scores[${i}]`, `expected an object, got ${describeType(item)}`);
    else readContent(item, `${path}.scores[${i}]`);
  });
  // CSAF 2.1: metrics[].content
  optionalArray(value, 'metrics', path, issues).forEach((item, i) => {
    const content = isRecord(item) ? item.content : undefined;
    if (isRecord(content)) readContent(content, `${path}.metrics[${i}].content`);
  });
  return scores;
}
