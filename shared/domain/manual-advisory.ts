import * as z from 'zod';
import type { Advisory, AdvisoryProduct, AdvisoryVulnerability, Remediation } from './advisory';
import { RemediationCategory } from './advisory';
import { manufacturerKeysOf } from './manufacturer';
import { parseVersionSpec } from './version-spec';

/**
 * A manually entered advisory (an ECRI alert, an H-ISAC notice, a manufacturer's letter), normalized into the
 * same Advisory model as CSAF: products with a manufacturer, a name, optional model numbers and a version spec
 * in the same syntax as CSAF ranges (`vers:`, `<= 9.33.1`, `*` for all versions).
 */
export const ManualAdvisoryInput = z.object({
  source: z.literal('manual').default('manual'),
  /** Stable id from the issuer ("ECRI-H0123", "HISAC-2024-017", "MFR-LETTER-2024-05-Philips"). */
  advisoryId: z
    .string()
    .trim()
    .min(3)
    .max(80)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, ".", "_", ":" and "-" only'),
  title: z.string().trim().min(1).max(300),
  /** Who issued it. */
  kind: z.enum(['ecri_alert', 'h_isac_notice', 'manufacturer_letter', 'other']),
  publisherName: z.string().trim().min(1).max(120),
  /** Revision of the alert; a higher one replaces the stored one (same rule as CSAF tracking.version). */
  version: z
    .string()
    .trim()
    .regex(/^\d+(?:\.\d+){0,2}$/, 'an integer or semantic version')
    .default('1'),
  releaseDate: z.iso.datetime({ offset: true }).or(z.iso.date()),
  url: z.url().optional(),
  products: z
    .array(
      z.object({
        manufacturer: z.string().trim().min(1).max(120),
        product: z.string().trim().min(1).max(200),
        modelNumbers: z.array(z.string().trim().min(1).max(60)).max(50).default([]),
        /** Affected versions, CSAF syntax; `*` (the default) means all versions. */
        versions: z.string().trim().min(1).max(200).default('*'),
      }),
    )
    .min(1)
    .max(200),
  vulnerabilities: z
    .array(
      z.object({
        cve: z
          .string()
          .regex(/^CVE-\d{4}-\d{4,}$/)
          .optional(),
        title: z.string().max(300).default(''),
        cvss: z
          .object({ version: z.string(), baseScore: z.number().min(0).max(10), vectorString: z.string() })
          .optional(),
        exploitReported: z.boolean().default(false),
      }),
    )
    .max(100)
    .default([]),
  /** Guidance for every listed product: mitigation/workaround become interim guidance, vendor_fix the candidate patch. */
  remediations: z
    .array(
      z.object({
        category: RemediationCategory,
        details: z.string().trim().min(1).max(2000),
        url: z.url().optional(),
      }),
    )
    .max(100)
    .default([]),
});
export type ManualAdvisoryInput = z.input<typeof ManualAdvisoryInput>;

export type ManualAdvisoryResult = { ok: true; advisory: Advisory } | { ok: false; errors: string[] };

/** True when a JSON value looks like a manual advisory rather than a CSAF document. */
export function isManualAdvisoryDocument(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as Record<string, unknown>).source === 'manual' &&
    !('document' in value)
  );
}

/** Validates a manual advisory and normalizes it; errors name the field ("products.0.versions: …"). */
export function parseManualAdvisory(value: unknown): ManualAdvisoryResult {
  const parsed = ManualAdvisoryInput.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '$'}: ${i.message}`),
    };
  }
  const input = parsed.data;
  const errors: string[] = [];
  const products: AdvisoryProduct[] = input.products.map((p, i) => {
    const keys = manufacturerKeysOf(p.manufacturer);
    const spec = parseVersionSpec(p.versions);
    if (keys.length === 0) errors.push(`products.${i}.manufacturer: not a manufacturer name`);
    return {
      productId: `MANUAL-${i + 1}`,
      vendor: p.manufacturer,
      manufacturerKey: keys[0] ?? 'unknown',
      productName: p.product,
      productFamily: '',
      fullName: `${p.product}: ${p.versions}`,
      versionSpec: { raw: spec.raw, kind: spec.kind },
      modelNumbers: p.modelNumbers,
      ...(keys.length > 1 ? { manufacturerKeys: keys } : {}),
    };
  });
  if (errors.length > 0) return { ok: false, errors };
  const productIds = products.map((p) => p.productId);
  const remediations: Remediation[] = input.remediations.map((r) => ({
    category: r.category,
    details: r.details,
    productIds,
    ...(r.url ? { url: r.url } : {}),
  }));
  const vulnerabilityInputs =
    input.vulnerabilities.length > 0
      ? input.vulnerabilities
      : [{ title: input.title, exploitReported: false }];
  const vulnerabilities: AdvisoryVulnerability[] = vulnerabilityInputs.map((v, i) => ({
    ...(v.cve ? { cve: v.cve } : {}),
    title: v.title ?? '',
    affectedProductIds: productIds,
    fixedProductIds: [],
    notAffectedProductIds: [],
    // The guidance applies to every vulnerability; list it once, on the first.
    remediations: i === 0 ? remediations : [],
    cvss: 'cvss' in v && v.cvss ? [v.cvss] : [],
    exploitReported: v.exploitReported ?? false,
  }));
  const date = input.releaseDate.length === 10 ? `${input.releaseDate}T00:00:00Z` : input.releaseDate;
  return {
    ok: true,
    advisory: {
      advisoryId: input.advisoryId,
      title: input.title,
      source: 'manual',
      publisherName: input.publisherName,
      publisherCategory: input.kind,
      trackingVersion: input.version,
      initialReleaseDate: date,
      currentReleaseDate: date,
      products,
      vulnerabilities,
      ...(input.url ? { selfUrl: input.url } : {}),
      trackingStatus: 'final',
    },
  };
}
