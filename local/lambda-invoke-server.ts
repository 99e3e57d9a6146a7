import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** AWS's limit for the request and for the response payload of a synchronous invocation. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export interface LambdaInvokeServer {
  /** `http://127.0.0.1:<port>`: the value for AWS_ENDPOINT_URL_LAMBDA. */
  readonly endpoint: string;
  /** Stops listening and drops open (keep-alive) connections. Safe to call twice. */
  close(): void;
}

/**
 * The function a name refers to, or undefined when there is none; `invoke` runs it with the decoded payload and
 * resolves with its result or rejects with what the handler threw.
 */
export type InvokeTarget = (functionName: string) => ((payload: unknown) => Promise<unknown>) | undefined;

/** `medpatch-x`, `medpatch-x:$LATEST`, `arn:aws:lambda:r:a:function:medpatch-x[:qualifier]` → `medpatch-x`. */
export function functionNameOf(raw: string): string {
  const name = raw.includes('function:') ? raw.slice(raw.lastIndexOf('function:') + 'function:'.length) : raw;
  return name.split(':')[0] ?? name;
}

function send(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  response.end(body);
}

/** A service error as the SDK's restJson protocol reads it (error code in `x-amzn-ErrorType`). */
function serviceError(response: ServerResponse, status: number, code: string, message: string): void {
  send(response, status, JSON.stringify({ Type: 'User', message }), { 'x-amzn-ErrorType': code });
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function serve(
  target: InvokeTarget,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://local');
  const match = INVOKE_PATH.exec(url.pathname);
  if (request.method !== 'POST' || !match?.[1]) {
    serviceError(response, 404, 'UnknownOperationException', 'the local runner serves only Lambda Invoke');
    return;
  }
  const name = functionNameOf(decodeURIComponent(match[1]));
  const invoke = target(name);
  if (!invoke) {
    serviceError(response, 404, 'ResourceNotFoundException', `Function not found: ${name}`);
    return;
  }
  const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  const body = await readBody(request);
  if (body.byteLength > MAX_PAYLOAD_BYTES) {
    serviceError(
      response,
      413,
      'RequestTooLargeException',
      `Request must be smaller than ${MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
    );
    return;
  }
  let payload: unknown = {};
  if (body.byteLength > 0) {
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      serviceError(response, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
      return;
    }
  }
  if (invocationType === 'DryRun') {
    send(response, 204, '');
    return;
  }
  if (invocationType !== 'RequestResponse') {
    // Asynchronous (Event) invocations would outlive the caller's test; nothing in MedPatch uses them.
    serviceError(
      response,
      400,
      'InvalidParameterValueException',
      `the local runner serves RequestResponse and DryRun invocations, not ${invocationType}`,
    );
    return;
  }
  const executed = { 'x-amz-executed-version': '$LATEST' };
  let result: string;
  try {
    result = JSON.stringify((await invoke(payload)) ?? null);
  } catch (error) {
    // As the Lambda runtime reports an error thrown by a handler: status 200, X-Amz-Function-Error.
    const failure =
      error instanceof Error
        ? { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') }
        : { errorType: 'Error', errorMessage: String(error), trace: [] };
    send(response, 200, JSON.stringify(failure), { ...executed, 'x-amz-function-error': 'Unhandled' });
    return;
  }
  if (Buffer.byteLength(result) > MAX_PAYLOAD_BYTES) {
    const failure = {
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_PAYLOAD_BYTES} bytes).`,
    };
    send(response, 200, JSON.stringify(failure), { ...executed, 'x-amz-function-error': 'Unhandled' });
    return;
  }
  send(response, 200, result, executed);
}

/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`) on a free loopback port, so the
 * functions' own LambdaClient calls reach the in-process handlers through AWS_ENDPOINT_URL_LAMBDA — the same SDK
 * call as in AWS, with AWS's answers: the handler's result as JSON; a thrown error as status 200 with
 * `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage}`; 6 MB payload limits both ways; unknown
 * functions 404 (ResourceNotFoundException).
 */
export async function startLambdaInvokeServer(target: InvokeTarget): Promise<LambdaInvokeServer> {
  const server = createServer((request, response) => {
    serve(target, request, response).catch((error: unknown) => {
      if (!response.headersSent) serviceError(response, 500, 'ServiceException', String(error));
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => {
      if (closed) return;
      closed = true;
      server.close();
      server.closeAllConnections();
    },
  };
}
