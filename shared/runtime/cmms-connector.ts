import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import type { CmmsEnv } from '../config/env';
import { ENV } from '../config/env-names';
import { type CmmsConnector, createConnector } from '../connectors/registry';
import { ConfigurationError } from '../errors';

/** OAuth when the secret names a client (password grant if it also has a user, else client_credentials). */
const SecretShape = z.union([
  z.object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    username: z.string().min(1).optional(),
    password: z.string().optional(),
  }),
  z.object({ username: z.string().min(1), password: z.string() }),
]);

/**
 * Builds the CMMS connector once per container. Credentials come from Secrets Manager when an ARN is configured
 * (AWS), otherwise from environment variables (local runner and CLI).
 */
export function lazyCmmsConnector(
  env: z.infer<typeof CmmsEnv>,
  secrets: SecretsManagerClient,
  extra: Record<string, unknown> = {},
): () => Promise<CmmsConnector> {
  let connector: Promise<CmmsConnector> | undefined;
  return () => {
    connector ??= (async () => {
      const secretArn = env[ENV.cmmsSecretArn];
      let auth: Record<string, unknown>;
      if (secretArn) {
        const secret = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
        const parsed = SecretShape.safeParse(JSON.parse(secret.SecretString ?? '{}'));
        if (!parsed.success) {
          throw new ConfigurationError(
            `CMMS secret ${secretArn} must hold {"username","password"} or {"clientId","clientSecret"} (OAuth; add "username","password" for the password grant)`,
          );
        }
        auth =
          'clientId' in parsed.data ? { kind: 'oauth', ...parsed.data } : { kind: 'basic', ...parsed.data };
      } else {
        auth = { kind: 'basic', username: env[ENV.cmmsUsername], password: env[ENV.cmmsPassword] };
      }
      const baseUrl = env[ENV.cmmsBaseUrl];
      if (baseUrl.startsWith('file://')) {
        return createConnector(env[ENV.cmmsKind], { directory: new URL(baseUrl).pathname, ...extra });
      }
      return createConnector(env[ENV.cmmsKind], { instanceUrl: baseUrl, auth, ...extra });
    })();
    connector.catch(() => {
      connector = undefined; // a failed secret read must not poison the container forever
    });
    return connector;
  };
}
