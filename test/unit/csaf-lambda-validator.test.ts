import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as csafValidatorHandler } from '../../functions/csaf-validator/handler';
import { type LambdaInvokeServer, startLambdaInvokeServer } from '../../local/lambda-invoke-server';
import {
  boundedValidation,
  documentRefused,
  MAX_VALIDATOR_MESSAGES,
} from '../../shared/adapters/lambda/csaf-validator-contract';
import { LambdaCsafValidator } from '../../shared/adapters/lambda/lambda-csaf-validator';
import { ConfigurationError, TransientError, ValidationError } from '../../shared/errors';
import { csafFiles, readCsafJson } from './csaf-fixtures';

/** Functions the fake Invoke endpoint knows, each behaving in one way the adapter must classify. */
let validatorCalls = 0;
const FUNCTIONS: Record<string, (payload: unknown) => Promise<unknown>> = {
  'medpatch-csafValidator': (payload) => {
    validatorCalls += 1;
    return csafValidatorHandler(payload);
  },
  refuses: async () => {
    throw documentRefused('the CSAF validator failed on this document (TypeError: x is undefined)');
  },
  crashes: async () => {
    throw new RangeError('out of memory, say');
  },
  garbage: async () => ({ verdict: 'fine' }),
};

let server: LambdaInvokeServer;
let throttling: Server;
let throttlingEndpoint: string;
const clients: LambdaClient[] = [];

function clientFor(endpoint: string): LambdaClient {
  const client = new LambdaClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoint,
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

const validatorOn = (name: string, endpoint = server.endpoint) =>
  new LambdaCsafValidator(clientFor(endpoint), name);

beforeAll(async () => {
  server = await startLambdaInvokeServer((name) => FUNCTIONS[name]);
  throttling = createServer((_request, response) => {
    response.writeHead(429, {
      'content-type': 'application/json',
      'x-amzn-ErrorType': 'TooManyRequestsException',
    });
    response.end(
      JSON.stringify({
        message: 'Rate exceeded',
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      }),
    );
  });
  await new Promise<void>((resolve) => throttling.listen(0, '127.0.0.1', resolve));
  throttlingEndpoint = `http://127.0.0.1:${(throttling.address() as AddressInfo).port}`;
});
afterAll(() => {
  for (const client of clients) client.destroy();
  server?.close();
  throttling?.close();
  throttling?.closeAllConnections();
});

describe('LambdaCsafValidator (the csaf-validator function over Lambda Invoke)', () => {
  it("returns the function's verdict: a corpus document passes, a broken one names test and path", async () => {
    const validator = validatorOn('medpatch-csafValidator');
    const doc = readCsafJson(csafFiles('icsma')[0] as string) as { document: Record<string, unknown> };

    expect((await validator.validate(doc)).errors).toEqual([]);
    const broken = await validator.validate({ ...doc, document: { ...doc.document, lang: 'xx-XX' } });
    expect(broken.errors).toEqual(['/document/lang: is not a valid language-tag (mandatory test 6.1.12)']);
  });

  it('turns a refusal of the document into a ValidationError (permanent)', async () => {
    const error = await validatorOn('refuses')
      .validate({ document: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/TypeError: x is undefined/);
    await expect(validatorOn('medpatch-csafValidator').validate([1, 2])).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('turns any other function error, an unreadable response, a throttle or no answer into a TransientError', async () => {
    const crash = await validatorOn('crashes')
      .validate({ document: {} })
      .catch((e: unknown) => e);
    expect(crash).toBeInstanceOf(TransientError);
    expect((crash as Error).message).toMatch(/RangeError: out of memory, say/);
    await expect(validatorOn('garbage').validate({ document: {} })).rejects.toBeInstanceOf(TransientError);
    await expect(validatorOn('x', throttlingEndpoint).validate({ document: {} })).rejects.toBeInstanceOf(
      TransientError,
    );
    await expect(validatorOn('x', 'http://127.0.0.1:9').validate({ document: {} })).rejects.toBeInstanceOf(
      TransientError,
    );
  });

  it('turns a missing function into a ConfigurationError', async () => {
    await expect(validatorOn('medpatch-missing').validate({ document: {} })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
  });

  it('refuses a document too large for one invocation before sending it', async () => {
    const before = validatorCalls;
    const validator = validatorOn('medpatch-csafValidator');
    const error = await validator
      .validate({ document: { notes: ['x'.repeat(6 * 1024 * 1024)] } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/carries at most 6291456 bytes/);
    expect(validatorCalls).toBe(before);
  });
});

describe('csaf-validator responses stay within one invocation', () => {
  it('keeps the first messages of each kind, shortens long ones and counts the rest', () => {
    const many = Array.from({ length: MAX_VALIDATOR_MESSAGES + 25 }, (_, i) => `/x/${i}: bad (schema)`);
    const bounded = boundedValidation({ errors: many, warnings: ['w'.repeat(5000)] });

    expect(bounded.errors).toHaveLength(MAX_VALIDATOR_MESSAGES + 1);
    expect(bounded.errors.at(-1)).toBe(
      `… and 25 more errors (the first ${MAX_VALIDATOR_MESSAGES} are listed)`,
    );
    expect(bounded.warnings[0]?.length).toBeLessThan(1100);
  });
});
