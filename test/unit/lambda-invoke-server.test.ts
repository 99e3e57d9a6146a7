import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  functionNameOf,
  type LambdaInvokeServer,
  startLambdaInvokeServer,
} from '../../local/lambda-invoke-server';

const calls: unknown[] = [];
let server: LambdaInvokeServer;
let client: LambdaClient;

const text = (payload: Uint8Array | undefined) => Buffer.from(payload ?? []).toString('utf8');

beforeAll(async () => {
  server = await startLambdaInvokeServer((name) => {
    if (name === 'echo') {
      return async (payload) => {
        calls.push(payload);
        return { got: payload };
      };
    }
    if (name === 'huge') return async () => 'x'.repeat(7 * 1024 * 1024);
    if (name === 'nothing') return async () => undefined;
    if (name === 'throws') {
      return async () => {
        const error = new Error('bad input');
        error.name = 'CsafDocumentRefused';
        throw error;
      };
    }
    return undefined;
  });
  client = new LambdaClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoint: server.endpoint,
    maxAttempts: 1,
  });
});
afterAll(() => {
  client?.destroy();
  server?.close();
});

const invoke = (FunctionName: string, payload: unknown, InvocationType?: 'Event' | 'DryRun') =>
  client.send(
    new InvokeCommand({
      FunctionName,
      Payload: Buffer.from(JSON.stringify(payload)),
      ...(InvocationType ? { InvocationType } : {}),
    }),
  );

describe('the local Lambda Invoke API (what LambdaClient sees from the local runner)', () => {
  it("returns the handler's result as the payload, by name, ARN or qualified name", async () => {
    const byName = await invoke('echo', { a: 1 });
    expect(byName.StatusCode).toBe(200);
    expect(byName.FunctionError).toBeUndefined();
    expect(JSON.parse(text(byName.Payload))).toEqual({ got: { a: 1 } });
    const byArn = await invoke('arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST', [2]);
    expect(JSON.parse(text(byArn.Payload))).toEqual({ got: [2] });
    expect(JSON.parse(text((await invoke('nothing', {})).Payload))).toBeNull();
    expect(functionNameOf('000000000000:function:echo')).toBe('echo');
  });

  it('reports a thrown error as AWS does: status 200, FunctionError Unhandled, errorType and errorMessage', async () => {
    const failed = await invoke('throws', {});
    expect(failed.StatusCode).toBe(200);
    expect(failed.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(failed.Payload))).toMatchObject({
      errorType: 'CsafDocumentRefused',
      errorMessage: 'bad input',
    });
  });

  it('keeps the 6 MB limits both ways and answers unknown functions and asynchronous calls with errors', async () => {
    const before = calls.length;
    await expect(invoke('echo', { blob: 'x'.repeat(6 * 1024 * 1024) })).rejects.toMatchObject({
      name: 'RequestTooLargeException',
    });
    expect(calls.length).toBe(before);
    const tooLarge = await invoke('huge', {});
    expect(tooLarge.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(tooLarge.Payload)).errorType).toBe('Function.ResponseSizeTooLarge');
    await expect(invoke('missing', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(invoke('echo', {}, 'Event')).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
    expect((await invoke('echo', {}, 'DryRun')).StatusCode).toBe(204);
    expect(calls.length).toBe(before);
  });
});
