import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import type { StakeholderAlert } from '../shared/application/ports';
import { parsePolicy } from '../shared/domain/policy';
import { FUNCTIONS, type FunctionDeclaration, type FunctionKey } from '../shared/topology';

/** The CDK context key that carries a hospital's deployment settings (JSON, or a path to a JSON file). */
export const SETTINGS_CONTEXT_KEY = 'medpatch:config';

const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;
/** EventBridge Scheduler expressions: rate(…), cron(…) with six fields, or at(…) for a one-off run. */
const SCHEDULE_EXPRESSION =
  /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(\S+ \S+ \S+ \S+ \S+ \S+\)|at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\))$/;
const KEBAB = /^[a-z][a-z0-9-]*$/;

/**
 * The message attributes stakeholder alerts carry (see SnsAlertPublisher), and so the only keys a subscription
 * filter policy can route on. `satisfies` breaks the build if the alert's attributes change without this list.
 */
export const ALERT_FILTER_ATTRIBUTES = [
  'decision',
  'action',
  'department',
  'deviceType',
  'severity',
] as const satisfies readonly (keyof StakeholderAlert['attributes'])[];

const scheduledFunctions = (Object.entries(FUNCTIONS) as [FunctionKey, (typeof FUNCTIONS)[FunctionKey]][])
  .filter(([, fn]) => fn.triggers.some((trigger) => trigger.kind === 'schedule'))
  .map(([key]) => key);
const functionKeys = Object.keys(FUNCTIONS) as [FunctionKey, ...FunctionKey[]];

/** Hours between runs of a `rate(…)` expression; undefined for cron and one-off expressions. */
function rateHours(expression: string | undefined): number | undefined {
  const match = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression ?? '');
  if (!match) return undefined;
  const per = { minute: 1 / 60, hour: 1, day: 24 }[match[2] as 'minute' | 'hour' | 'day'];
  return Number(match[1]) * per;
}

const Email = z.email();
/** E.164: SNS sends SMS only to numbers in this form. */
const Phone = z.string().regex(/^\+[1-9]\d{6,14}$/, 'phone numbers must be E.164, e.g. +15555550100');

/** One audience of the stakeholder alerts: who, and which alerts (SNS filter policy on message attributes). */
export const AlertSubscription = z.strictObject({
  /** The audience, e.g. `clinical-engineering`, `icu-nursing`; names the subscriptions in the stack. */
  role: z.string().regex(KEBAB, 'role must be kebab-case'),
  emails: z.array(Email).default([]),
  phones: z.array(Phone).default([]),
  /** Attribute → accepted values; an omitted attribute matches every alert. No filter: every alert. */
  filter: z.partialRecord(z.enum(ALERT_FILTER_ATTRIBUTES), z.array(z.string().min(1)).min(1)).optional(),
});
export type AlertSubscription = z.infer<typeof AlertSubscription>;

/**
 * Per-hospital deployment settings. Parsed at synth time so a typo fails `cdk synth` with the field's name
 * instead of failing a Lambda cold start after deployment.
 */
export const MedPatchSettings = z
  .strictObject({
    /** Who this deployment is for; with `stage` it names the stack (`MedPatch-<hospital>-<stage>`) and tags. */
    hospital: z.string().regex(KEBAB, 'hospital must be a kebab-case id').default('demo'),
    stage: z.enum(['dev', 'test', 'prod']).default('dev'),
    /** Pins the deployment to one account and region, so prod settings cannot land in a dev account. */
    account: z
      .string()
      .regex(/^\d{12}$/, 'account must be a 12-digit AWS account id')
      .optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'region must be an AWS region such as eu-west-1')
      .optional(),
    /** Connector name in the CMMS registry (kebab-case), e.g. `servicenow`. */
    cmmsKind: z.string().regex(KEBAB, 'cmmsKind must be a kebab-case connector name'),
    cmmsBaseUrl: z.url().refine((url) => url.startsWith('https://'), 'cmmsBaseUrl must use https'),
    /**
     * Complete ARN (with the 6-character suffix) of an existing secret holding CMMS credentials. Partial ARNs are
     * refused: they force a `-??????` wildcard into the functions' policies.
     */
    cmmsSecretArn: z
      .string()
      .regex(SECRET_ARN, 'cmmsSecretArn must be a complete Secrets Manager ARN')
      .optional(),
    /** Customer-managed key of that existing secret, if it is not encrypted with the AWS-managed key. */
    cmmsSecretKmsKeyArn: z
      .string()
      .regex(KMS_KEY_ARN, 'cmmsSecretKmsKeyArn must be a KMS key ARN')
      .optional(),
    /** Name of the secret MedPatch creates when no cmmsSecretArn is given, e.g. `medpatch/prod/cmms`. */
    cmmsSecretName: z
      .string()
      .regex(/^[A-Za-z0-9/_+=.@-]{1,256}$/, 'cmmsSecretName must be a Secrets Manager name')
      .optional(),
    /** CMMS table (or record type) work orders are written to, e.g. ServiceNow `change_request`. */
    cmmsWorkOrderTable: z.string().regex(/^[A-Za-z0-9_]+$/, 'cmmsWorkOrderTable must be a table name'),
    /** CMMS table (or record type) devices are read from, e.g. ServiceNow `cmdb_ci_med_device`. */
    cmmsDeviceTable: z
      .string()
      .regex(/^[A-Za-z0-9_]+$/, 'cmmsDeviceTable must be a table name')
      .optional(),
    /** MedPatch device field → the hospital's CMMS field, where the instance deviates from the defaults. */
    cmmsFieldMap: z
      .record(
        z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, 'field map keys must be MedPatch field names'),
        z.string().regex(/^[A-Za-z0-9_.]+$/, 'field map values must be CMMS field names'),
      )
      .optional(),
    /** Path (relative to the settings file) of the hospital's patch policy JSON; read and checked at synth. */
    policyFile: z.string().min(1).optional(),
    /** Per scheduled function: its EventBridge Scheduler expression, replacing the topology default. */
    schedules: z
      .partialRecord(
        z.enum(functionKeys),
        z.string().regex(SCHEDULE_EXPRESSION, 'not a Scheduler expression'),
      )
      .default({}),
    alerts: z
      .strictObject({
        /** Stakeholder alert audiences; each becomes email / SMS subscriptions with its filter policy. */
        stakeholders: z.array(AlertSubscription).default([]),
        /** On-call for the operational alarms (DLQs, error rates, stale feeds). */
        ops: z
          .strictObject({ emails: z.array(Email).default([]), phones: z.array(Phone).default([]) })
          .default({ emails: [], phones: [] }),
      })
      .default({ stakeholders: [], ops: { emails: [], phones: [] } }),
    alarms: z
      .strictObject({
        /** Percentage of failed invocations in 5 minutes that raises a function's error-rate alarm. */
        errorRatePercent: z.number().positive().max(100).default(5),
        /** Per feed function: hours without a successful run before the stale-feed alarm (overrides topology). */
        staleAfterHours: z.partialRecord(z.enum(functionKeys), z.number().int().min(1).max(168)).default({}),
      })
      .default({ errorRatePercent: 5, staleAfterHours: {} }),
    /** AWS Backup of the table: daily at 03:00 UTC, kept this many days (HIPAA asks for 6 years of records). */
    backup: z
      .strictObject({ retentionDays: z.number().int().min(7).max(36_500).default(35) })
      .default({ retentionDays: 35 }),
    /**
     * Runs the functions in the hospital's VPC (private subnets with a NAT gateway or VPC endpoints for DynamoDB,
     * SQS, SNS, Secrets Manager, X-Ray and CloudWatch Logs, and a route to the CMMS). Omitted: the functions
     * run in the Lambda service network and reach only AWS APIs and the CMMS over TLS.
     */
    vpc: z
      .strictObject({
        vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'vpcId must look like vpc-0123abcd'),
        availabilityZones: z.array(z.string().regex(/^[a-z]{2}-[a-z]+-\d[a-z]$/)).min(1),
        privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/)).min(1),
      })
      .refine((vpc) => vpc.privateSubnetIds.length === vpc.availabilityZones.length, {
        message: 'give one private subnet per availability zone, in the same order',
        path: ['privateSubnetIds'],
      })
      .optional(),
  })
  .superRefine((settings, ctx) => {
    if (settings.cmmsSecretArn && settings.cmmsSecretName) {
      ctx.addIssue({
        code: 'custom',
        path: ['cmmsSecretName'],
        message: 'cmmsSecretName names a secret MedPatch creates; it cannot be combined with cmmsSecretArn',
      });
    }
    if (settings.cmmsSecretKmsKeyArn && !settings.cmmsSecretArn) {
      ctx.addIssue({
        code: 'custom',
        path: ['cmmsSecretKmsKeyArn'],
        message: 'cmmsSecretKmsKeyArn applies only to an existing secret given by cmmsSecretArn',
      });
    }
    for (const key of Object.keys(settings.schedules) as FunctionKey[]) {
      const count = FUNCTIONS[key].triggers.filter((trigger) => trigger.kind === 'schedule').length;
      if (count > 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', key],
          message: `${key} has ${count} schedules; only a function with one schedule can be re-timed here`,
        });
      }
      const hours = rateHours(settings.schedules[key]);
      const staleAfter =
        settings.alarms.staleAfterHours[key] ?? (FUNCTIONS[key] as FunctionDeclaration).staleAfterHours;
      if (hours !== undefined && staleAfter !== undefined && hours >= staleAfter) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', key],
          message: `${key} would run every ${hours} h but its stale-feed alarm fires after ${staleAfter} h; raise alarms.staleAfterHours.${key}`,
        });
      }
      if (!scheduledFunctions.includes(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', key],
          message: `${key} has no schedule trigger; scheduled functions: ${scheduledFunctions.join(', ')}`,
        });
      }
    }
    const roles = settings.alerts.stakeholders.map((subscription) => subscription.role);
    for (const [index, role] of roles.entries()) {
      if (roles.indexOf(role) !== index) {
        ctx.addIssue({
          code: 'custom',
          path: ['alerts', 'stakeholders', index, 'role'],
          message: `role '${role}' is listed twice`,
        });
      }
    }
  });
export type MedPatchSettings = z.infer<typeof MedPatchSettings>;
export type MedPatchSettingsInput = z.input<typeof MedPatchSettings>;

/** Settings for a synth-able development environment against a placeholder ServiceNow instance. */
export const DEV_SETTINGS: MedPatchSettings = MedPatchSettings.parse({
  cmmsKind: 'servicenow',
  cmmsBaseUrl: 'https://example.service-now.com',
  cmmsWorkOrderTable: 'change_request',
});

/**
 * Reads the settings from the CDK context value: an object (from cdk.json), a JSON string, or a path to a JSON
 * file (`-c medpatch:config=./hospital.json`). Without a value, the development defaults apply. A relative
 * `policyFile` is resolved against the settings file's folder (or the working directory).
 */
export function settingsFromContext(value: unknown): MedPatchSettings {
  if (value === undefined) return DEV_SETTINGS;
  let raw: unknown = value;
  let baseDir = process.cwd();
  if (typeof value === 'string') {
    const isInline = value.trimStart().startsWith('{');
    const text = isInline ? value : readFileSync(value, 'utf8');
    if (!isInline) baseDir = dirname(resolve(value));
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new Error(`Invalid ${SETTINGS_CONTEXT_KEY}: ${isInline ? 'inline value' : value} is not JSON`, {
        cause: error,
      });
    }
  }
  const settings = parseSettings(raw, SETTINGS_CONTEXT_KEY);
  if (settings.policyFile && !isAbsolute(settings.policyFile)) {
    return { ...settings, policyFile: resolve(baseDir, settings.policyFile) };
  }
  return settings;
}

/** The stack's id (and CloudFormation name): `MedPatch-<hospital>-<stage>`. */
export function stackIdFor(settings: Pick<MedPatchSettings, 'hospital' | 'stage'>): string {
  return `MedPatch-${settings.hospital}-${settings.stage}`;
}

/** Validates settings from any origin; the error names the origin and every offending field. */
export function parseSettings(raw: unknown, origin: string): MedPatchSettings {
  const parsed = MedPatchSettings.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid ${origin}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * Reads and validates the hospital's patch policy with the domain schema (so a policy that would switch the gate
 * off, or has a typo, fails `cdk synth` with the offending paths) and returns it as compact JSON. The functions
 * read the active policy from the table (applyPolicyText); a function that declares the `policy` setting gets it
 * in its environment, which Lambda caps at 4 KB in total.
 */
export function readPolicy(path: string): string {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`policyFile ${path}: cannot read it as JSON`, { cause: error });
  }
  const parsed = parsePolicy(value);
  if (!parsed.ok) {
    throw new Error(
      `policyFile ${path}: ${parsed.errors.map((error) => `${error.path}: ${error.message}`).join('; ')}`,
    );
  }
  return JSON.stringify(parsed.policy);
}
