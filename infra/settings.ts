import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The CDK context key that carries a hospital's deployment settings (JSON, or a path to a JSON file). */
export const SETTINGS_CONTEXT_KEY = 'medpatch:config';

const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;

/**
 * Per-hospital deployment settings. Parsed at synth time so a typo fails `cdk synth` with the field's name
 * instead of failing a Lambda cold start after deployment.
 */
export const MedPatchSettings = z.strictObject({
  /** Connector name in the CMMS registry (kebab-case), e.g. `servicenow`. */
  cmmsKind: z.string().regex(/^[a-z][a-z0-9-]*$/, 'cmmsKind must be a kebab-case connector name'),
  cmmsBaseUrl: z.url().refine((url) => url.startsWith('https://'), 'cmmsBaseUrl must use https'),
  /**
   * Complete ARN (with the 6-character suffix) of an existing secret holding CMMS credentials. Partial ARNs are
   * refused: they force a `-??????` wildcard into the functions' policies.
   */
  cmmsSecretArn: z
    .string()
    .regex(SECRET_ARN, 'cmmsSecretArn must be a complete Secrets Manager ARN')
    .optional(),
  /** CMMS table (or record type) work orders are written to, e.g. ServiceNow `change_request`. */
  cmmsWorkOrderTable: z.string().regex(/^[A-Za-z0-9_]+$/, 'cmmsWorkOrderTable must be a table name'),
});
export type MedPatchSettings = z.infer<typeof MedPatchSettings>;

/** Settings for a synth-able development environment against a placeholder ServiceNow instance. */
export const DEV_SETTINGS: MedPatchSettings = {
  cmmsKind: 'servicenow',
  cmmsBaseUrl: 'https://example.service-now.com',
  cmmsWorkOrderTable: 'change_request',
};

/**
 * Reads the settings from the CDK context value: an object (from cdk.json), a JSON string, or a path to a JSON
 * file (`-c medpatch:config=./hospital.json`). Without a value, the development defaults apply.
 */
export function settingsFromContext(value: unknown): MedPatchSettings {
  if (value === undefined) return DEV_SETTINGS;
  let raw: unknown = value;
  if (typeof value === 'string') {
    const text = value.trimStart().startsWith('{') ? value : readFileSync(value, 'utf8');
    raw = JSON.parse(text);
  }
  return parseSettings(raw, SETTINGS_CONTEXT_KEY);
}

/** Validates settings from any origin; the error names the origin and every offending field. */
export function parseSettings(raw: unknown, origin: string): MedPatchSettings {
  const parsed = MedPatchSettings.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid ${origin}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
