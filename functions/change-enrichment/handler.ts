import { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { DynamoReplayGuard } from '../../shared/adapters/dynamodb/replay-guard';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoValidationRepository } from '../../shared/adapters/dynamodb/validation-repository';
import {
  ChangeEnrichmentRequest,
  enrichChangeRequest,
  type WorkNoteWriter,
} from '../../shared/application/enrich-change-request';
import { CmmsEnv, parseEnvironment, TableEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { verifySignature } from '../../shared/domain/hmac';
import { ConfigurationError } from '../../shared/errors';
import { createDynamoDbClient, createSecretsManagerClient } from '../../shared/runtime/aws-clients';
import { lazyCmmsConnector } from '../../shared/runtime/cmms-connector';
import { httpError, json } from '../../shared/runtime/http';

const MAX_BODY_BYTES = 64 * 1024;

const env = parseEnvironment(TableEnv.extend({ [ENV.enrichmentHmacKey]: z.string().optional().default('') }));
const cmmsEnv = parseEnvironment(CmmsEnv);
const dynamodb = createDynamoDbClient();
const secrets = createSecretsManagerClient();
const table = new TableClient(dynamodb, env[ENV.tableName]);
const deps = {
  devices: new DynamoDeviceRepository(table),
  findings: new DynamoFindingRepository(table),
  validations: new DynamoValidationRepository(table),
};
const replayGuard = new DynamoReplayGuard(table, 'change-enrichment');
const connector = lazyCmmsConnector(cmmsEnv, secrets);
const logger = new Logger({ serviceName: 'medpatch-change-enrichment' });

const KeysInSecret = z.union([
  z.object({ enrichmentHmacKeys: z.array(z.string().min(1)).min(1) }),
  z.object({ enrichmentHmacKey: z.string().min(1) }),
]);

/** HMAC keys: from the CMMS secret in AWS (rotation: several keys, newest first), from the environment locally. */
let hmacKeys: Promise<string[]> | undefined;
function loadHmacKeys(): Promise<string[]> {
  hmacKeys ??= (async () => {
    const secretArn = cmmsEnv[ENV.cmmsSecretArn];
    if (!secretArn) return env[ENV.enrichmentHmacKey] ? [env[ENV.enrichmentHmacKey]] : [];
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    const parsed = KeysInSecret.safeParse(JSON.parse(secret.SecretString ?? '{}'));
    if (!parsed.success)
      throw new ConfigurationError(
        `CMMS secret ${secretArn} has no "enrichmentHmacKeys" (array) or "enrichmentHmacKey" field`,
      );
    return 'enrichmentHmacKeys' in parsed.data
      ? parsed.data.enrichmentHmacKeys
      : [parsed.data.enrichmentHmacKey];
  })();
  hmacKeys.catch(() => {
    hmacKeys = undefined; // a failed secret read must not poison the container
  });
  return hmacKeys;
}

function hasWorkNotes(value: object): value is WorkNoteWriter {
  return typeof (value as Partial<WorkNoteWriter>).appendWorkNote === 'function';
}

/**
 * POST /v1/change-requests/enrich, called by a ServiceNow business rule or Flow step with the change's sys_id,
 * number, cmdb_ci and description, signed with HMAC-SHA256 (see shared/domain/hmac.ts). Answers the validation
 * verdict synchronously and writes it as a work note on the change. Unsigned, forged, stale or replayed
 * requests get 401 and are logged with the reason; nothing else is revealed to the caller.
 */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
  try {
    const raw = event.body ?? '';
    const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    if (Buffer.byteLength(body) > MAX_BODY_BYTES) return json(413, { error: 'Request body too large' });
    const source = {
      sourceIp: event.requestContext?.http?.sourceIp,
      requestId: event.requestContext?.requestId,
    };

    const check = verifySignature({
      headers: event.headers ?? {},
      body,
      keys: await loadHmacKeys(),
      now: Math.floor(Date.now() / 1000),
    });
    if (!check.ok) {
      if (check.reason === 'no-key') logger.error('change enrichment has no usable HMAC key', { ...source });
      else
        logger.warn('rejected change-enrichment request', {
          reason: check.reason,
          detail: check.detail,
          ...source,
        });
      return json(401, { error: 'Not authorized' });
    }
    if (!(await replayGuard.claim(check.replayId, check.expiresAt))) {
      logger.warn('rejected change-enrichment request', { reason: 'replayed', ...source });
      return json(401, { error: 'Not authorized' });
    }

    let content: unknown;
    try {
      content = JSON.parse(body);
    } catch {
      return json(400, { error: 'Body is not valid JSON' });
    }
    const request = ChangeEnrichmentRequest.safeParse(content);
    if (!request.success) {
      return json(400, {
        error: 'Invalid change-enrichment request',
        details: request.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
      });
    }
    const cmms = await connector();
    if (!hasWorkNotes(cmms))
      throw new ConfigurationError(`CMMS connector ${cmmsEnv[ENV.cmmsKind]} cannot write work notes`);
    const outcome = await enrichChangeRequest(
      { ...deps, workNotes: cmms },
      request.data,
      new Date().toISOString(),
    );
    if (!outcome.workNoteWritten)
      logger.error('work note not written', { change: request.data.number, error: outcome.workNoteError });
    logger.info('change enriched', {
      change: request.data.number,
      allowed: outcome.allowed,
      validationStatus: outcome.validationStatus,
      findings: outcome.openFindings.length,
    });
    const { workNoteError: _omitted, ...answer } = outcome;
    return json(200, answer);
  } catch (error) {
    return httpError(error, logger);
  }
};
