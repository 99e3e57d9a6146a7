import * as z from 'zod';
import { Action, Decision, MatchConfidence, RemediationState, ValidationStatus } from './vocabulary';

/** Why the matcher believes an advisory product is this device. */
export const MatchReason = z.object({
  productId: z.string(),
  productFullName: z.string(),
  /** Which rule matched the product (e.g. "model number 96280", "name tokens xhibit telemetry receiver"). */
  productRule: z.string(),
  /** Which version rule applied (e.g. "1.0.2 in < 1.2.1", "all versions", "not evaluable: free text"). */
  versionRule: z.string(),
});
export type MatchReason = z.infer<typeof MatchReason>;

/** A match of one device to one advisory (the best product entry wins). Pure matcher output. */
export const DeviceMatch = z.object({
  deviceId: z.string(),
  advisoryId: z.string(),
  confidence: MatchConfidence,
  cves: z.array(z.string()),
  reason: MatchReason,
});
export type DeviceMatch = z.infer<typeof DeviceMatch>;

/** The SSVC inputs stored with every decision so it can be explained and re-scored later. */
export const DecisionInputs = z.object({
  exploitation: z.enum(['none', 'public_poc', 'active']),
  exposure: z.enum(['small', 'controlled', 'open']),
  automatable: z.enum(['no', 'yes']),
  humanImpact: z.enum(['low', 'medium', 'high', 'very_high']),
});
export type DecisionInputs = z.infer<typeof DecisionInputs>;

export const Prioritization = z.object({
  decision: Decision,
  score: z.number().min(0).max(100),
  inputs: DecisionInputs,
  tableId: z.string(),
  tableVersion: z.string(),
  reason: z.string(),
});
export type Prioritization = z.infer<typeof Prioritization>;

/** A device × advisory finding as stored and reported. */
export const Finding = z.object({
  findingId: z.string(),
  deviceId: z.string(),
  assetTag: z.string(),
  advisoryId: z.string(),
  advisoryVersion: z.string(),
  cves: z.array(z.string()),
  product: z.string(),
  matchConfidence: MatchConfidence,
  matchReason: MatchReason,
  validationStatus: ValidationStatus.default('UNKNOWN'),
  action: Action.optional(),
  prioritization: Prioritization.optional(),
  remediationState: RemediationState.default('OPEN'),
  /** When the finding first appeared: due dates count from here, so re-planning later keeps the same SLA. */
  firstSeenAt: z.string(),
  updatedAt: z.string(),
});
export type Finding = z.infer<typeof Finding>;

export function findingIdOf(deviceId: string, advisoryId: string): string {
  return `${deviceId}|${advisoryId}`;
}
