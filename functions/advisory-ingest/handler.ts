import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import { DynamoAdvisoryRepository } from '../../shared/adapters/dynamodb/advisory-repository';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoValidationRepository } from '../../shared/adapters/dynamodb/validation-repository';
import { LambdaCsafValidator } from '../../shared/adapters/lambda/lambda-csaf-validator';
import { SqsMatchQueue } from '../../shared/adapters/sqs/sqs-queues';
import { type AdvisoryDocument, ingestAdvisories } from '../../shared/application/ingest-advisories';
import { recordManufacturerCsafValidations } from '../../shared/application/record-validation';
import { CsafValidatorFunctionEnv, MatchQueueEnv, parseEnvironment, TableEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import type { Advisory } from '../../shared/domain/advisory';
import { MAX_CSAF_BYTES, oversizedCsafMessage } from '../../shared/domain/csaf/decode-csaf';
import { createDynamoDbClient, createLambdaClient, createSqsClient } from '../../shared/runtime/aws-clients';
import { httpError, json } from '../../shared/runtime/http';

const env = parseEnvironment(TableEnv.extend(MatchQueueEnv.shape).extend(CsafValidatorFunctionEnv.shape));
const dynamodb = createDynamoDbClient();
const sqs = createSqsClient();
const table = new TableClient(dynamodb, env[ENV.tableName]);
const logger = new Logger({ serviceName: 'medpatch-advisory-ingest' });
const deps = {
  advisories: new DynamoAdvisoryRepository(table),
  matchQueue: new SqsMatchQueue(sqs, env[ENV.matchQueueUrl]),
  // Schema + mandatory tests run in the csaf-validator function, so this bundle does not carry the validator.
  csafValidator: new LambdaCsafValidator(createLambdaClient(), env[ENV.csafValidatorFunction]),
  // A manufacturer's own CSAF with vendor_fix becomes VALIDATED records before the advisory is matched. A failure
  // here never blocks the advisory: without the records the gate simply keeps asking for validation.
  onStored: async (advisory: Advisory) => {
    try {
      const validationDeps = {
        validations: new DynamoValidationRepository(table),
        devices: new DynamoDeviceRepository(table),
        findings: new DynamoFindingRepository(table),
      };
      const { batch, skipped } = await recordManufacturerCsafValidations(
        validationDeps,
        advisory,
        new Date().toISOString(),
      );
      if (batch.created + batch.changed + skipped.length > 0)
        logger.info('manufacturer CSAF validations', { advisoryId: advisory.advisoryId, batch, skipped });
    } catch (error) {
      logger.error('manufacturer CSAF validations not recorded', {
        advisoryId: advisory.advisoryId,
        error: error instanceof Error ? error : String(error),
      });
    }
  },
};

/** A manual advisory body: `source` defaults to "manual" on its own route, so a CSAF body there is refused. */
function manualDocument(text: string): AdvisoryDocument | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || 'document' in value)
    return undefined;
  return { name: 'manual', content: { source: 'manual', ...value } };
}

/**
 * POST /v1/advisories with one CSAF 2.0 document (or a manual advisory with `"source": "manual"`) as the body;
 * POST /v1/advisories/manual with one manual advisory (ECRI alert, H-ISAC notice, manufacturer's letter).
 */
export const handler = async (
  event: APIGatewayProxyEventV2WithIAMAuthorizer,
): Promise<APIGatewayProxyResultV2> => {
  try {
    const raw = event.body ?? '';
    const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_CSAF_BYTES) return json(413, { error: oversizedCsafMessage(bytes) });
    const actor = event.requestContext.authorizer?.iam?.userArn ?? 'api';
    const manualRoute = (event.rawPath ?? '').endsWith('/manual');
    const document = manualRoute ? manualDocument(text) : { name: 'upload', text };
    if (document === undefined) {
      return json(400, { error: 'Body is not a manual advisory object (CSAF goes to POST /v1/advisories)' });
    }
    // Truncated or malformed JSON, excessive nesting and validator findings come back as a 422 with the reasons.
    const [outcome] = await ingestAdvisories(deps, [document], {
      actor,
      reason: 'advisory upload',
    });
    if (!outcome || outcome.status === 'rejected') {
      return json(422, {
        error: manualRoute ? 'Manual advisory rejected' : 'CSAF document rejected',
        details: outcome?.status === 'rejected' ? outcome.errors : [],
      });
    }
    return json(outcome.status === 'accepted' ? 201 : 200, outcome);
  } catch (error) {
    return httpError(error, logger);
  }
};
