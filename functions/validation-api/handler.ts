import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { DynamoPolicyRepository } from '../../shared/adapters/dynamodb/policy-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoValidationRepository } from '../../shared/adapters/dynamodb/validation-repository';
import { SqsPrioritizeQueue } from '../../shared/adapters/sqs/sqs-queues';
import { authorizeRecorder, recordValidation } from '../../shared/application/record-validation';
import { PrioritizeQueueEnv, parseEnvironment, TableEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { normalizeManufacturer } from '../../shared/domain/manufacturer';
import { rolesOfPrincipal } from '../../shared/domain/policy';
import { parseValidationJson } from '../../shared/domain/validation';
import { AuthError, ValidationError } from '../../shared/errors';
import { createDynamoDbClient, createSqsClient } from '../../shared/runtime/aws-clients';
import { httpError, json } from '../../shared/runtime/http';

const MAX_BODY_BYTES = 64 * 1024;

const env = parseEnvironment(TableEnv.extend(PrioritizeQueueEnv.shape));
const dynamodb = createDynamoDbClient();
const sqs = createSqsClient();
const table = new TableClient(dynamodb, env[ENV.tableName]);
const deps = {
  validations: new DynamoValidationRepository(table),
  devices: new DynamoDeviceRepository(table),
  findings: new DynamoFindingRepository(table),
  prioritizeQueue: new SqsPrioritizeQueue(sqs, env[ENV.prioritizeQueueUrl]),
  policy: new DynamoPolicyRepository(table),
};
const logger = new Logger({ serviceName: 'medpatch-validation-api' });

/** The caller as API Gateway's IAM authorizer saw it; its role names are checked against the policy. */
function principalOf(event: APIGatewayProxyEventV2WithIAMAuthorizer): { actor: string; roles: string[] } {
  const arn = event.requestContext.authorizer?.iam?.userArn;
  if (!arn) throw new AuthError('request carries no IAM principal');
  return { actor: arn, roles: rolesOfPrincipal(arn) };
}

/**
 * POST /v1/validations: one validation record (the JSON form of DESIGN §5); `recordedBy` is always the caller.
 * GET /v1/validations?manufacturer=NAME: the manufacturer's records.
 * Both need a role the hospital policy lists in validationRecorderRoles.
 */
export const handler = async (
  event: APIGatewayProxyEventV2WithIAMAuthorizer,
): Promise<APIGatewayProxyResultV2> => {
  try {
    const principal = principalOf(event);
    const method = event.requestContext.http.method.toUpperCase();
    if (method === 'GET') {
      const manufacturer = event.queryStringParameters?.manufacturer?.trim() ?? '';
      if (manufacturer === '')
        throw new ValidationError('manufacturer is required', [
          { path: 'manufacturer', message: 'required' },
        ]);
      await authorizeRecorder(deps, principal);
      const records = await deps.validations.listByManufacturer(normalizeManufacturer(manufacturer));
      return json(200, { manufacturerKey: normalizeManufacturer(manufacturer), records });
    }
    if (method !== 'POST') return json(405, { error: `${method} is not supported` });
    const raw = event.body ?? '';
    const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    if (Buffer.byteLength(text) > MAX_BODY_BYTES) return json(413, { error: 'body too large' });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ValidationError('body is not valid JSON; send one validation record');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new ValidationError('body must be one validation record (a JSON object)');
    const { recordId: _ignored, recordedAt: _set, ...fields } = body as Record<string, unknown>;
    // The caller is the recorder: a request cannot record a statement in someone else's name.
    const evidence =
      typeof fields.evidence === 'object' && fields.evidence !== null ? fields.evidence : undefined;
    const input = evidence
      ? { ...fields, evidence: { ...evidence, recordedBy: principal.actor } }
      : { ...fields, recordedBy: principal.actor };
    const now = new Date().toISOString();
    const parsed = parseValidationJson([input], { recordedAt: now });
    const [record] = parsed.records;
    if (!record) {
      throw new ValidationError(
        'invalid validation record',
        parsed.errors.map((e) => ({ path: e.column ?? '', message: e.message.replace(/^item 1: /, '') })),
      );
    }
    const reason =
      typeof fields.reason === 'string' && fields.reason.trim() !== ''
        ? fields.reason.trim().slice(0, 500)
        : 'recorded through the Validation API';
    const outcome = await recordValidation(deps, record, principal, { reason, now });
    if (outcome.status === 'rejected')
      return json(409, { error: outcome.reason, recordId: outcome.recordId });
    return json(outcome.status === 'created' ? 201 : 200, outcome);
  } catch (error) {
    return httpError(error, logger);
  }
};
