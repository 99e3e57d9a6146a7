import * as z from 'zod';

/**
 * The advisory model every source (CSAF, manual alert) is normalized into. CSAF specifics stay in the parser;
 * the matcher, prioritizer and planner only see this shape.
 */
export const VersionSpec = z.object({
  /** The text exactly as the advisory wrote it. */
  raw: z.string(),
  /** `all`: every version; `range`/`exact`: evaluable; `free_text`: kept verbatim, not evaluable (→ probable). */
  kind: z.enum(['all', 'range', 'exact', 'free_text']),
});
export type VersionSpec = z.infer<typeof VersionSpec>;

export const AdvisoryProduct = z.object({
  productId: z.string().min(1),
  /** Vendor as written in the advisory. */
  vendor: z.string(),
  /** Normalized manufacturer key (see normalizeManufacturer). */
  manufacturerKey: z.string().min(1),
  /** Product name branch (without version), e.g. "Xhibit Telemetry Receiver (XTR) Model number 96280". */
  productName: z.string(),
  productFamily: z.string().default(''),
  /** Full product name as in the advisory, e.g. "... : v1.0.2". */
  fullName: z.string(),
  versionSpec: VersionSpec,
  modelNumbers: z.array(z.string()).default([]),
  /** Every manufacturer key when the vendor branch names several vendors ("ENEA, …, and Wind River"). */
  manufacturerKeys: z.array(z.string()).optional(),
  /** Set for products created by a CSAF relationship ("firmware X installed_on camera Y"). */
  relationship: z
    .object({
      category: z.string(),
      productReference: z.string(),
      relatesToProductReference: z.string(),
    })
    .optional(),
});
export type AdvisoryProduct = z.infer<typeof AdvisoryProduct>;

export const RemediationCategory = z.enum([
  'vendor_fix',
  'mitigation',
  'workaround',
  'none_available',
  'no_fix_planned',
  'fix_planned',
  'optional_patch',
]);
export type RemediationCategory = z.infer<typeof RemediationCategory>;

export const Remediation = z.object({
  category: RemediationCategory,
  details: z.string(),
  productIds: z.array(z.string()),
  url: z.string().optional(),
});
export type Remediation = z.infer<typeof Remediation>;

export const CvssScore = z.object({
  version: z.string(),
  baseScore: z.number(),
  vectorString: z.string(),
});
export type CvssScore = z.infer<typeof CvssScore>;

export const AdvisoryVulnerability = z.object({
  cve: z.string().optional(),
  title: z.string().default(''),
  cwe: z.string().optional(),
  /** Product ids listed as known_affected (plus first_affected/last_affected/under_investigation). */
  affectedProductIds: z.array(z.string()),
  fixedProductIds: z.array(z.string()).default([]),
  /** Product ids the vendor recommends (CSAF product_status.recommended). */
  recommendedProductIds: z.array(z.string()).optional(),
  notAffectedProductIds: z.array(z.string()).default([]),
  remediations: z.array(Remediation).default([]),
  cvss: z.array(CvssScore).default([]),
  /** True when the advisory reports exploitation or a public exploit. */
  exploitReported: z.boolean().default(false),
});
export type AdvisoryVulnerability = z.infer<typeof AdvisoryVulnerability>;

export const Advisory = z.object({
  /** CSAF document.tracking.id, e.g. ICSMA-20-049-01. */
  advisoryId: z.string().min(1),
  title: z.string(),
  source: z.enum(['csaf', 'manual']),
  publisherName: z.string(),
  publisherCategory: z.string(),
  /** document.tracking.version, compared as integer or semver. */
  trackingVersion: z.string(),
  initialReleaseDate: z.string(),
  currentReleaseDate: z.string(),
  products: z.array(AdvisoryProduct),
  vulnerabilities: z.array(AdvisoryVulnerability),
  selfUrl: z.string().optional(),
  /** CSAF document.tracking.status (draft, interim, final). */
  trackingStatus: z.string().optional(),
  /** CSAF document.publisher.namespace: with advisoryId the globally unique natural key. */
  publisherNamespace: z.string().optional(),
});
export type Advisory = z.infer<typeof Advisory>;
