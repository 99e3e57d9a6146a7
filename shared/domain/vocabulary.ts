import * as z from 'zod';

/** How sure MedPatch is that an advisory product is this device (DESIGN.md §4). */
export const MatchConfidence = z.enum(['confirmed', 'probable', 'possible']);
export type MatchConfidence = z.infer<typeof MatchConfidence>;

/** Manufacturer validation status per manufacturer × product × version × advisory/patch. */
export const ValidationStatus = z.enum([
  'UNKNOWN',
  'UNDER_REVIEW',
  'VALIDATED',
  'VALIDATED_WITH_CONDITIONS',
  'NOT_APPROVED',
  'FIX_PLANNED',
  'NO_FIX_AVAILABLE',
  'NOT_AFFECTED',
]);
export type ValidationStatus = z.infer<typeof ValidationStatus>;

/** What a work order asks the hospital to do. */
export const Action = z.enum([
  'APPLY_PATCH',
  'APPLY_MITIGATION',
  'REQUEST_VALIDATION',
  'REVIEW_MATCH',
  'ROLLBACK',
  'NONE',
]);
export type Action = z.infer<typeof Action>;

/** SSVC deployer decision. */
export const Decision = z.enum(['IMMEDIATE', 'OUT_OF_CYCLE', 'SCHEDULED', 'DEFER']);
export type Decision = z.infer<typeof Decision>;

export const RemediationState = z.enum([
  'OPEN',
  'AWAITING_VALIDATION',
  'MITIGATED',
  'PATCH_SCHEDULED',
  'PATCHED',
  'VERIFIED',
  'ROLLED_BACK',
  'RISK_ACCEPTED',
  'NOT_AFFECTED',
]);
export type RemediationState = z.infer<typeof RemediationState>;

export const ClinicalCriticality = z.enum(['life_sustaining', 'high', 'medium', 'low', '']);
export type ClinicalCriticality = z.infer<typeof ClinicalCriticality>;

export const NetworkZone = z.enum([
  'isolated',
  'segmented',
  'clinical_lan',
  'enterprise',
  'internet_facing',
  '',
]);
export type NetworkZone = z.infer<typeof NetworkZone>;

export const DeviceStatus = z.enum(['in_service', 'in_storage', 'out_of_service', 'retired', 'missing']);
export type DeviceStatus = z.infer<typeof DeviceStatus>;

export const EvidenceSource = z.enum([
  'manufacturer_csaf',
  'manufacturer_portal',
  'manufacturer_letter',
  'email',
  'phone',
  'field_service',
  'other',
]);
export type EvidenceSource = z.infer<typeof EvidenceSource>;
