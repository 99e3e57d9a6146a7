import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { LOCAL_ENRICHMENT_HMAC_KEY, LOCAL_REGION, type LocalStack, startLocalStack } from '../../local/stack';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoValidationRepository } from '../../shared/adapters/dynamodb/validation-repository';
import type { ChangeVerdict } from '../../shared/application/enrich-change-request';
import { type Finding, findingIdOf } from '../../shared/domain/finding';
import { signatureFor } from '../../shared/domain/hmac';
import { aDevice, aValidation } from '../unit/domain-builders';

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const actor = { actor: 'test', reason: 'change-enrichment test' };

let stack: LocalStack;
let dynamodb: DynamoDBClient;
let handler: Handler;
let validatedCi: string;
let unvalidatedCi: string;
let logs: MockInstance[] = [];

function event(body: string, headers: Record<string, string>): APIGatewayProxyEventV2 {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: 'POST /v1/change-requests/enrich',
    rawPath: '/v1/change-requests/enrich',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      requestId: `req-${Math.random()}`,
      routeKey: 'POST /v1/change-requests/enrich',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      http: {
        method: 'POST',
        path: '/v1/change-requests/enrich',
        protocol: 'HTTP/1.1',
        sourceIp: '10.0.0.7',
        userAgent: 'ServiceNow',
      },
    },
  };
}

/** Signs as the ServiceNow business rule does (docs/servicenow-change-enrichment.md). */
function signed(body: string, options: { key?: string; timestamp?: number } = {}): Record<string, string> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  return {
    'X-MedPatch-Timestamp': timestamp,
    'X-MedPatch-Signature': signatureFor(options.key ?? LOCAL_ENRICHMENT_HMAC_KEY, timestamp, body),
  };
}

function change(cmdbCi: string, description: string): { sysId: string; body: string } {
  const sim = stack.servicenow;
  if (!sim) throw new Error('simulator not started');
  const record = sim.insert('change_request', {
    short_description: 'Apply manufacturer patch',
    description,
    cmdb_ci: cmdbCi,
  });
  const sysId = record.sys_id ?? '';
  const body = JSON.stringify({
    sys_id: sysId,
    number: record.number,
    cmdb_ci: cmdbCi,
    short_description: 'Apply manufacturer patch',
    description,
  });
  return { sysId, body };
}

function aFinding(deviceId: string, assetTag: string): Finding {
  return {
    findingId: findingIdOf(deviceId, 'ICSMA-20-049-01'),
    deviceId,
    assetTag,
    advisoryId: 'ICSMA-20-049-01',
    advisoryVersion: '1',
    cves: ['CVE-2020-6961'],
    product: 'IntelliVue MX450',
    matchConfidence: 'confirmed',
    matchReason: {
      productId: 'CSAFPID-0001',
      productFullName: 'IntelliVue MX450',
      productRule: 'model',
      versionRule: 'all versions',
    },
    validationStatus: 'UNKNOWN',
    action: 'REQUEST_VALIDATION',
    remediationState: 'AWAITING_VALIDATION',
    firstSeenAt: '2025-05-01T00:00:00.000Z',
    updatedAt: '2025-05-01T00:00:00.000Z',
  };
}

const notes = (sysId: string) => (stack.servicenow?.journal(sysId) ?? []).map((entry) => entry.value);
const logged = () => logs.flatMap((spy) => spy.mock.calls.map((call) => String(call[0]))).join('\n');

beforeAll(async () => {
  stack = await startLocalStack();
  Object.assign(process.env, stack.env);
  handler = (await import('../../functions/change-enrichment/handler')).handler as Handler;
  dynamodb = new DynamoDBClient({
    region: LOCAL_REGION,
    endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
    credentials,
  });
  const table = new TableClient(dynamodb, stack.tableNames.main);
  const sim = stack.servicenow;
  if (!sim) throw new Error('simulator not started');
  validatedCi = sim.insert('cmdb_ci', { name: 'ICU-PM-0001' }).sys_id ?? '';
  unvalidatedCi = sim.insert('cmdb_ci', { name: 'ICU-PM-0002' }).sys_id ?? '';
  // The validated device runs a model the manufacturer validated; the other a model it did not.
  const validated = aDevice({
    deviceId: `servicenow:${validatedCi}`,
    source: 'servicenow',
    sourceRecordId: validatedCi,
    assetTag: 'ICU-PM-0001',
  });
  const unvalidated = aDevice({
    deviceId: `servicenow:${unvalidatedCi}`,
    source: 'servicenow',
    sourceRecordId: unvalidatedCi,
    assetTag: 'ICU-PM-0002',
    model: 'IntelliVue MX800',
  });
  await new DynamoDeviceRepository(table).saveChanged([validated, unvalidated], actor);
  const findings = new DynamoFindingRepository(table);
  await findings.save(aFinding(validated.deviceId, validated.assetTag), null, actor);
  await findings.save(
    { ...aFinding(unvalidated.deviceId, unvalidated.assetTag), product: 'IntelliVue MX800' },
    null,
    actor,
  );
  await new DynamoValidationRepository(table).save(
    aValidation({
      evidence: {
        source: 'manufacturer_letter',
        reference: 'PHL-2025-0042',
        date: '2025-05-20',
        recordedBy: 'biomed.lead@example.org',
      },
    }),
    actor,
  );
}, 120_000);

afterEach(() => {
  for (const spy of logs) spy.mockRestore();
  logs = [];
});

afterAll(async () => {
  dynamodb?.destroy();
  await stack?.stop();
});

function captureLogs() {
  logs = [vi.spyOn(process.stdout, 'write'), vi.spyOn(process.stderr, 'write')];
}

describe('POST /v1/change-requests/enrich end to end against the ServiceNow simulator', () => {
  it('allows a change on a device whose open finding a manufacturer validation covers, with its evidence, and notes it on the change', async () => {
    const { sysId, body } = change(validatedCi, 'Install vendor patch for ICSMA-20-049-01');
    const response = await handler(event(body, signed(body)));
    expect(response.statusCode).toBe(200);
    const verdict = JSON.parse(String(response.body)) as ChangeVerdict & { workNoteWritten: boolean };
    expect(verdict).toMatchObject({ allowed: true, validationStatus: 'VALIDATED', workNoteWritten: true });
    expect(verdict.evidence).toEqual([
      expect.objectContaining({
        advisoryId: 'ICSMA-20-049-01',
        recordId: 'val-1',
        reference: 'PHL-2025-0042',
      }),
    ]);
    expect(verdict.openFindings.map((f) => [f.advisoryId, f.validated])).toEqual([['ICSMA-20-049-01', true]]);
    const journal = notes(sysId);
    expect(journal).toHaveLength(1);
    expect(journal[0]).toContain('MedPatch validation verdict');
    expect(journal[0]).toContain(': ALLOWED');
    expect(journal[0]).toContain('PHL-2025-0042');
  });

  it('refuses a change that would patch a medical device without a covering validation, and says why on the change', async () => {
    const { sysId, body } = change(unvalidatedCi, 'Firmware update');
    const response = await handler(event(body, signed(body)));
    expect(response.statusCode).toBe(200);
    const verdict = JSON.parse(String(response.body)) as ChangeVerdict;
    expect(verdict.allowed).toBe(false);
    expect(verdict.validationStatus).toBe('UNKNOWN');
    expect(verdict.evidence).toEqual([]);
    expect(verdict.reason).toContain('ICU-PM-0002');
    expect(verdict.openFindings).toEqual([
      expect.objectContaining({ advisoryId: 'ICSMA-20-049-01', validated: false, cves: ['CVE-2020-6961'] }),
    ]);
    expect(notes(sysId)[0]).toContain('NOT ALLOWED');
  });

  it('answers allowed for a configuration item MedPatch does not track, without a validation status', async () => {
    const other = stack.servicenow?.insert('cmdb_ci', { name: 'printer' }).sys_id ?? '';
    const { body } = change(other, 'toner');
    const verdict = JSON.parse(String((await handler(event(body, signed(body)))).body)) as ChangeVerdict;
    expect(verdict).toMatchObject({ allowed: true, validationStatus: 'NOT_APPLICABLE', openFindings: [] });
  });

  it('rejects an unsigned request with 401, logs it, and writes no work note', async () => {
    const { sysId, body } = change(unvalidatedCi, 'unsigned');
    captureLogs();
    const response = await handler(event(body, {}));
    expect(response.statusCode).toBe(401);
    expect(logged()).toMatch(/rejected change-enrichment request[\s\S]*missing/);
    expect(notes(sysId)).toEqual([]);
  });

  it('rejects a signature made with the wrong key, and a body changed after signing', async () => {
    const { sysId, body } = change(validatedCi, 'forged');
    captureLogs();
    const wrongKey = await handler(event(body, signed(body, { key: 'x'.repeat(48) })));
    const headers = signed(body);
    const tampered = await handler(event(body.replace('forged', 'FORGED'), headers));
    expect(wrongKey.statusCode).toBe(401);
    expect(tampered.statusCode).toBe(401);
    expect(logged()).toContain('forged');
    expect(notes(sysId)).toEqual([]);
  });

  it('rejects a correctly signed request older than five minutes', async () => {
    const { sysId, body } = change(validatedCi, 'stale');
    captureLogs();
    const response = await handler(
      event(body, signed(body, { timestamp: Math.floor(Date.now() / 1000) - 301 })),
    );
    expect(response.statusCode).toBe(401);
    expect(logged()).toContain('stale');
    expect(notes(sysId)).toEqual([]);
  });

  it('accepts a signed request once: the replay gets 401 and adds no second note', async () => {
    const { sysId, body } = change(validatedCi, 'replay me');
    const headers = signed(body);
    const first = await handler(event(body, headers));
    captureLogs();
    const replay = await handler(event(body, headers));
    expect(first.statusCode).toBe(200);
    expect(replay.statusCode).toBe(401);
    expect(logged()).toContain('replayed');
    expect(notes(sysId)).toHaveLength(1);
  });

  it('rejects a signed but malformed request with 400 naming the field', async () => {
    const body = JSON.stringify({ sys_id: 'nope', number: 'CHG1' });
    const response = await handler(event(body, signed(body)));
    expect(response.statusCode).toBe(400);
    expect(String(response.body)).toContain('sys_id');
  });
});
