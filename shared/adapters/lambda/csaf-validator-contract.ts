import * as z from 'zod';
import type { CsafValidation } from '../../domain/csaf/decode-csaf';

/*
 * The csaf-validator function's event and response, shared by the function and its callers (LambdaCsafValidator).
 * A synchronous invocation carries at most 6 MB each way: callers refuse documents over MAX_CSAF_BYTES (5 MiB)
 * first, and the function bounds how many messages it returns.
 */

/** AWS's limit for the request and for the response of a synchronous (RequestResponse) invocation. */
export const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Messages returned per kind (errors, warnings); the rest are counted in one last message. */
export const MAX_VALIDATOR_MESSAGES = 500;
/** Characters kept of one message (a hostile document can make JSON paths long). */
export const MAX_VALIDATOR_MESSAGE_CHARS = 1000;

/**
 * The `errorType` of an invocation in which the function refused the document itself (not an object, too deep,
 * the library threw on it): a permanent verdict. Set as a literal `error.name`, which a minifier leaves alone
 * (class names it renames).
 */
export const CSAF_DOCUMENT_REFUSED = 'CsafDocumentRefused';

/** An error the Lambda runtime reports with errorType CSAF_DOCUMENT_REFUSED. */
export function documentRefused(message: string): Error {
  const error = new Error(message);
  error.name = CSAF_DOCUMENT_REFUSED;
  return error;
}

/** Event: `{ "document": <the decoded CSAF document> }`. */
export const CsafValidatorRequest = z.object({
  document: z.record(z.string(), z.unknown(), 'document must be a JSON object (a CSAF document)'),
});
export type CsafValidatorRequest = z.infer<typeof CsafValidatorRequest>;

/** Response: the validator's errors and warnings (CsafValidation). */
export const CsafValidatorResponse = z.object({
  errors: z.array(z.string()),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<CsafValidation>;

function bounded(messages: readonly string[], kind: string): string[] {
  const kept = messages
    .slice(0, MAX_VALIDATOR_MESSAGES)
    .map((m) => (m.length > MAX_VALIDATOR_MESSAGE_CHARS ? `${m.slice(0, MAX_VALIDATOR_MESSAGE_CHARS)}…` : m));
  const rest = messages.length - kept.length;
  return rest > 0
    ? [...kept, `… and ${rest} more ${kind} (the first ${MAX_VALIDATOR_MESSAGES} are listed)`]
    : kept;
}

/**
 * At most MAX_VALIDATOR_MESSAGES messages of MAX_VALIDATOR_MESSAGE_CHARS per kind, so the response always fits
 * a synchronous invocation; a document with errors keeps errors.
 */
export function boundedValidation(validation: CsafValidation): CsafValidation {
  return { errors: bounded(validation.errors, 'errors'), warnings: bounded(validation.warnings, 'warnings') };
}
