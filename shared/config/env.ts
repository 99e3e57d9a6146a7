import * as z from 'zod';
import { ConfigurationError } from '../errors';
import { ENV } from './env-names';

/**
 * Parses the environment once, at cold start, with a schema per function. A missing or malformed variable fails
 * the cold start with a message naming it, instead of failing later inside a batch.
 */
export function parseEnvironment<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new ConfigurationError(`Invalid environment: ${problems.join('; ')}`);
  }
  return result.data;
}

const nonEmpty = z.string().trim().min(1, 'must be set');
const url = z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL');

export const TableEnv = z.object({ [ENV.tableName]: nonEmpty });
export const MatchQueueEnv = z.object({ [ENV.matchQueueUrl]: url });
export const PrioritizeQueueEnv = z.object({ [ENV.prioritizeQueueUrl]: url });
export const WorkOrderQueueEnv = z.object({ [ENV.workOrderQueueUrl]: url });
export const AlertsTopicEnv = z.object({ [ENV.alertsTopicArn]: nonEmpty });
export const OpsTopicEnv = z.object({ [ENV.opsTopicArn]: nonEmpty });
/** The csaf-validator function to invoke (its name in AWS; the local runner serves the same name). */
export const CsafValidatorFunctionEnv = z.object({ [ENV.csafValidatorFunction]: nonEmpty });

/** CMMS connection: credentials come from Secrets Manager in AWS, or from env variables on a laptop. */
export const CmmsEnv = z
  .object({
    /** A connector kind from shared/connectors/registry.ts; an unknown kind fails when the connector is built. */
    [ENV.cmmsKind]: nonEmpty,
    [ENV.cmmsBaseUrl]: z.string().regex(/^(https?|file):\/\/\S+$/, 'must be an http(s) or file URL'),
    [ENV.cmmsSecretArn]: z.string().optional().default(''),
    [ENV.cmmsUsername]: z.string().optional().default(''),
    [ENV.cmmsPassword]: z.string().optional().default(''),
  })
  .refine(
    (env) =>
      env[ENV.cmmsSecretArn] !== '' ||
      env[ENV.cmmsUsername] !== '' ||
      env[ENV.cmmsBaseUrl].startsWith('file://'),
    {
      message: `set ${ENV.cmmsSecretArn} (AWS) or ${ENV.cmmsUsername}/${ENV.cmmsPassword} (local)`,
      path: [ENV.cmmsSecretArn],
    },
  );

/** Seconds a presigned report link lasts: at least a minute, at most 12 hours (a role session's longest life). */
const linkSeconds = (fallback: number) => z.coerce.number().int().min(60).max(43_200).default(fallback);

/** The posture-report function: where reports go, whose they are, and how long their links work. */
export const ReportsEnv = z.object({
  [ENV.hospital]: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be the kebab-case hospital id'),
  [ENV.reportsBucket]: nonEmpty,
  [ENV.reportLinkSeconds]: linkSeconds(3600),
  [ENV.reportRequestLinkSeconds]: linkSeconds(900),
});
