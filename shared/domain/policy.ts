import * as z from 'zod';
import type { Device } from './device';
import type { GatePolicy } from './gate';
import type { Action, Decision } from './vocabulary';

/**
 * The hospital's patch policy (DESIGN §1.1) as versioned configuration. What it can NOT do is as important as what
 * it can: the manufacturer-validation gate for medical devices is a literal that only has one allowed value, and
 * the only exemption is an explicit list of NON-medical IT asset classes (the gate ignores it for medical devices).
 */

const DecisionKey = z.enum(['IMMEDIATE', 'OUT_OF_CYCLE', 'SCHEDULED', 'DEFER']);
const ActionKey = z.enum([
  'APPLY_PATCH',
  'APPLY_MITIGATION',
  'REQUEST_VALIDATION',
  'REVIEW_MATCH',
  'ROLLBACK',
  'NONE',
]);
const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)');
const Text = z.string().trim().min(1);

export const MaintenanceWindow = z
  .object({
    days: z.array(Weekday).min(1),
    start: HHMM,
    end: HHMM,
    /** IANA time zone the times are in. */
    timeZone: Text.default('UTC'),
  })
  .strict();
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

export const StakeholderRule = z
  .object({
    /** Each given criterion must match (case-insensitive); an omitted one matches everything. */
    department: Text.optional(),
    deviceType: Text.optional(),
    decision: DecisionKey.optional(),
    action: ActionKey.optional(),
    /** Who is informed / involved: e-mail addresses, distribution lists or role names. */
    notify: z.array(Text).min(1),
  })
  .strict();
export type StakeholderRule = z.infer<typeof StakeholderRule>;

export const PatchPrecondition = z
  .object({
    deviceType: Text,
    removeFromService: z.boolean().default(false),
    rollbackPlanRequired: z.boolean().default(false),
  })
  .strict();
export type PatchPrecondition = z.infer<typeof PatchPrecondition>;

export const HospitalPolicy = z
  .object({
    /** The policy's own version label, e.g. "2026-11-01.1"; a change of content needs a new version. */
    policyVersion: Text,
    effectiveFrom: z.string().trim().optional(),
    gate: z
      .object({
        /** Cannot be switched off: the only accepted value. */
        medicalDevices: z.literal('manufacturer_validation_required', {
          message:
            'gate.medicalDevices must be "manufacturer_validation_required": the gate cannot be switched off',
        }),
        /**
         * Device types of NON-medical IT assets (isMedicalDevice = false) that may be patched without manufacturer
         * validation. Listing a medical device type has no effect on medical devices.
         */
        exemptAssetClasses: z.array(Text).default([]),
      })
      .strict(),
    slaDays: z.partialRecord(DecisionKey, z.number().int().positive().max(3650)).default({}),
    stakeholders: z.array(StakeholderRule).default([]),
    /** Per department name; the key `*` applies to departments without their own entry. */
    maintenanceWindows: z.record(z.string(), z.array(MaintenanceWindow)).default({}),
    patchPreconditions: z.array(PatchPrecondition).default([]),
    /**
     * REVIEW_MATCH work orders: one per model × advisory (default: one human review confirms a whole model), per
     * model × advisory × department, or one per device.
     */
    reviewMatchGrouping: z.enum(['device', 'model', 'model_department']).default('model'),
    /** CMMS assignment group per performer (vendor field service / manufacturer remote / in-house biomed). */
    assignmentGroups: z
      .partialRecord(z.enum(['vendor_field_service', 'manufacturer_remote', 'in_house_biomed']), Text)
      .default({}),
    /** IAM role names (or CLI roles) that may record manufacturer validations. */
    validationRecorderRoles: z.array(Text).min(1),
  })
  .strict();
export type HospitalPolicy = z.infer<typeof HospitalPolicy>;
export type HospitalPolicyInput = z.input<typeof HospitalPolicy>;

/** Used until a hospital stores its own policy: the gate, the default SLAs of prioritize.ts, one recorder role. */
export const DEFAULT_POLICY: HospitalPolicy = HospitalPolicy.parse({
  policyVersion: 'default',
  gate: { medicalDevices: 'manufacturer_validation_required', exemptAssetClasses: [] },
  validationRecorderRoles: ['clinical-engineering'],
});

export interface PolicyParseError {
  path: string;
  message: string;
}

/** Validates a policy document (already parsed from JSON or YAML); every problem is named by its path. */
export function parsePolicy(
  value: unknown,
): { ok: true; policy: HospitalPolicy } | { ok: false; errors: PolicyParseError[] } {
  const parsed = HospitalPolicy.safeParse(value);
  if (parsed.success) return { ok: true, policy: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(root)',
      message: issue.message,
    })),
  };
}

/** The part of the policy the gate sees. */
export function gatePolicyOf(policy: HospitalPolicy): GatePolicy {
  return { exemptAssetClasses: policy.gate.exemptAssetClasses };
}

function same(a: string, b: string): boolean {
  return a.trim().toLowerCase().replace(/\s+/g, ' ') === b.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Everyone the policy says to inform for this device, decision and action (de-duplicated, in policy order). */
export function stakeholdersFor(
  policy: HospitalPolicy,
  device: Pick<Device, 'department' | 'deviceType'>,
  decision: Decision,
  action: Action,
): string[] {
  const out: string[] = [];
  for (const rule of policy.stakeholders) {
    if (rule.department !== undefined && !same(rule.department, device.department)) continue;
    if (rule.deviceType !== undefined && !same(rule.deviceType, device.deviceType)) continue;
    if (rule.decision !== undefined && rule.decision !== decision) continue;
    if (rule.action !== undefined && rule.action !== action) continue;
    for (const who of rule.notify) if (!out.includes(who)) out.push(who);
  }
  return out;
}

export function maintenanceWindowsFor(
  policy: HospitalPolicy,
  department: string,
): readonly MaintenanceWindow[] {
  const own = Object.entries(policy.maintenanceWindows).find(([name]) => same(name, department));
  return own?.[1] ?? policy.maintenanceWindows['*'] ?? [];
}

export function preconditionsFor(
  policy: HospitalPolicy,
  deviceType: string,
): { removeFromService: boolean; rollbackPlanRequired: boolean } {
  const rules = policy.patchPreconditions.filter((p) => same(p.deviceType, deviceType));
  return {
    removeFromService: rules.some((r) => r.removeFromService),
    rollbackPlanRequired: rules.some((r) => r.rollbackPlanRequired),
  };
}

/**
 * Roles of an AWS principal ARN: the role name of an assumed role (`arn:aws:sts::1:assumed-role/<Role>/<session>`)
 * or of a role ARN (`arn:aws:iam::1:role/<path>/<Role>`); an IAM user has none.
 */
export function rolesOfPrincipal(arn: string): string[] {
  const assumed = /^arn:aws[\w-]*:sts::\d*:assumed-role\/([^/]+)\/.+$/.exec(arn);
  if (assumed?.[1]) return [assumed[1]];
  const role = /^arn:aws[\w-]*:iam::\d*:role\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (role?.[1]) return [role[1]];
  return [];
}

/** May a principal with these roles record manufacturer validations under this policy? */
export function mayRecordValidations(policy: HospitalPolicy, roles: readonly string[]): boolean {
  return roles.some((role) => policy.validationRecorderRoles.some((allowed) => allowed === role));
}

/** Lines a work order carries from the policy: who to involve, when, and what must happen before patching. */
export function policyNotesFor(
  policy: HospitalPolicy,
  device: Pick<Device, 'department' | 'deviceType'>,
  decision: Decision,
  action: Action,
): string[] {
  const notes: string[] = [`Policy ${policy.policyVersion}`];
  const who = stakeholdersFor(policy, device, decision, action);
  if (who.length > 0) notes.push(`Stakeholders: ${who.join(', ')}`);
  const windows = maintenanceWindowsFor(policy, device.department);
  if (windows.length > 0) {
    notes.push(
      `Maintenance windows: ${windows.map((w) => `${w.days.join('/')} ${w.start}-${w.end} ${w.timeZone}`).join('; ')}`,
    );
  }
  if (action === 'APPLY_PATCH' || action === 'ROLLBACK') {
    const pre = preconditionsFor(policy, device.deviceType);
    if (pre.removeFromService) notes.push('Take the device out of clinical service before patching');
    if (pre.rollbackPlanRequired) notes.push('A rollback plan is required before patching');
  }
  return notes;
}
