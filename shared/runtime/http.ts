import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AuthError, MedPatchError, NotFoundError, RateLimitedError, ValidationError } from '../errors';

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** The one place API errors become status codes. Internals are logged, never echoed to the caller. */
export function httpError(error: unknown, logger: Logger): APIGatewayProxyStructuredResultV2 {
  if (error instanceof ValidationError) return json(400, { error: error.message, issues: error.issues });
  if (error instanceof AuthError) return json(401, { error: 'Not authorized' });
  if (error instanceof NotFoundError) return json(404, { error: error.message });
  if (error instanceof RateLimitedError) return json(503, { error: 'Busy, try again later' });
  logger.error('Unhandled error', { error: error instanceof Error ? error : String(error) });
  if (error instanceof MedPatchError && error.retryable)
    return json(503, { error: 'Temporarily unavailable' });
  return json(500, { error: 'Internal error' });
}
