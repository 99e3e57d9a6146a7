import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import type { CsafValidator } from '../../application/ports';
import type { CsafValidation } from '../../domain/csaf/decode-csaf';
import { ConfigurationError, TransientError, ValidationError } from '../../errors';
import {
  CSAF_DOCUMENT_REFUSED,
  CsafValidatorRequest,
  CsafValidatorResponse,
  MAX_INVOKE_PAYLOAD_BYTES,
} from './csaf-validator-contract';

/** What the Lambda runtime returns as the payload of a failed invocation. */
interface FunctionFailure {
  errorType?: unknown;
  errorMessage?: unknown;
}

function failureOf(payload: string): { type: string; message: string } {
  try {
    const parsed = JSON.parse(payload) as FunctionFailure;
    return { type: String(parsed.errorType ?? 'Unknown'), message: String(parsed.errorMessage ?? '') };
  } catch {
    return { type: 'Unknown', message: payload.slice(0, 500) };
  }
}

/** SDK failures of the Invoke call itself (not of the function): throttles and 5xx are worth retrying. */
function invokeError(error: unknown, functionName: string): Error {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const meta = (error as { $metadata?: { httpStatusCode?: number }; $fault?: string } | null) ?? {};
  const status = meta.$metadata?.httpStatusCode;
  const context = { functionName, status, name };
  if (name === 'RequestTooLargeException' || status === 413) {
    return new ValidationError(`document too large for the CSAF validator function: ${message}`, [], {
      cause: error,
      context,
    });
  }
  const transient =
    status === undefined || // no HTTP response: a network failure or timeout
    status >= 500 ||
    status === 429 ||
    meta.$fault === 'server' ||
    /Throttl|TooManyRequests|ResourceConflict|ResourceNotReady|Timeout/.test(name);
  if (transient) {
    return new TransientError(`CSAF validator function ${functionName} not reachable (${name}: ${message})`, {
      cause: error,
      context,
    });
  }
  // Not found, access denied, invalid parameters: the deployment is wrong; retrying the same call cannot help.
  return new ConfigurationError(
    `CSAF validator function ${functionName} cannot be invoked (${name}: ${message})`,
    {
      cause: error,
      context,
    },
  );
}

/**
 * Validates CSAF documents in the csaf-validator function (synchronous Invoke), so the calling function's bundle
 * does not carry the validator. Locally the same call reaches the local runner (AWS_ENDPOINT_URL_LAMBDA).
 *
 * - the validator's verdict → CsafValidation;
 * - the function refused the document itself (errorType CsafDocumentRefused: not a CSAF object, too deep, the
 *   library threw on it) or the document is too large for one invocation → ValidationError (permanent, the document is rejected);
 * - a function error of any other kind (timeout, out of memory, crash at start), a throttle, a 5xx, a network
 *   failure, an unreadable response → TransientError (the queue or schedule tries again);
 * - function missing or not allowed → ConfigurationError.
 */
export class LambdaCsafValidator implements CsafValidator {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async validate(document: unknown): Promise<CsafValidation> {
    const request = CsafValidatorRequest.safeParse({ document });
    if (!request.success) {
      throw new ValidationError('a CSAF document must be a JSON object', [
        { path: '/', message: 'not an object' },
      ]);
    }
    const payload = Buffer.from(JSON.stringify(request.data), 'utf8');
    if (payload.byteLength > MAX_INVOKE_PAYLOAD_BYTES) {
      throw new ValidationError(
        `document is ${payload.byteLength} bytes as compact JSON; one call to the CSAF validator function ` +
          `carries at most ${MAX_INVOKE_PAYLOAD_BYTES} bytes`,
      );
    }
    let response: InvokeCommandOutput;
    try {
      response = await this.client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'RequestResponse',
          Payload: payload,
        }),
      );
    } catch (error) {
      throw invokeError(error, this.functionName);
    }
    const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
    if (response.FunctionError) {
      const failure = failureOf(text);
      if (failure.type === CSAF_DOCUMENT_REFUSED) {
        throw new ValidationError(failure.message, [], { context: { functionName: this.functionName } });
      }
      throw new TransientError(
        `CSAF validator function ${this.functionName} failed (${response.FunctionError}, ${failure.type}: ${failure.message})`,
        { context: { functionName: this.functionName, functionError: response.FunctionError } },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = CsafValidatorResponse.safeParse(json);
    if (!parsed.success) {
      // During a deployment the caller may briefly talk to an older or newer validator: worth a retry.
      throw new TransientError(
        `CSAF validator function ${this.functionName} returned an unreadable response: ${text.slice(0, 200)}`,
        { context: { functionName: this.functionName } },
      );
    }
    return parsed.data;
  }
}
