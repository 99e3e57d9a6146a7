import { InProcessCsafValidator } from '../../shared/adapters/csaf/in-process-csaf-validator';
import {
  boundedValidation,
  CsafValidatorRequest,
  documentRefused,
} from '../../shared/adapters/lambda/csaf-validator-contract';
import { type CsafValidation, checkCsafShape } from '../../shared/domain/csaf/decode-csaf';
import { ValidationError } from '../../shared/errors';

/*
 * The CSAF validator as its own function (schema + mandatory tests of @secvisogram/csaf-validator-lib): pure, no
 * AWS client, no table or queue, no trigger. advisory-ingest and feed-poll invoke it synchronously with the decoded
 * document (LambdaCsafValidator) after their own size, JSON and depth checks, so they do not carry the validator.
 */

const validator = new InProcessCsafValidator();

/** `{ document }` → `{ errors, warnings }`; a document it cannot validate fails the call as CsafDocumentRefused. */
export const handler = async (event: unknown): Promise<CsafValidation> => {
  const request = CsafValidatorRequest.safeParse(event);
  if (!request.success) {
    throw documentRefused(
      `not a csaf-validator event: ${request.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  // The callers bound depth already; checked again because the library's tests recurse.
  const shape = checkCsafShape(request.data.document);
  if (!shape.ok) throw documentRefused(shape.error);
  try {
    return boundedValidation(await validator.validate(request.data.document));
  } catch (error) {
    if (error instanceof ValidationError) throw documentRefused(error.message);
    throw error;
  }
};
