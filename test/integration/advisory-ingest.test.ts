import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalRunner } from '../../local/runner';
import { LOCAL_REGION, type LocalStack, startLocalStack } from '../../local/stack';
import { DynamoAdvisoryRepository } from '../../shared/adapters/dynamodb/advisory-repository';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoEnrichmentRepository } from '../../shared/adapters/dynamodb/enrichment-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { matchChange } from '../../shared/application/match-changes';
import type { PrioritizeMessage } from '../../shared/application/messages';
import { ENV } from '../../shared/config/env-names';
import { MAX_CSAF_BYTES } from '../../shared/domain/csaf/decode-csaf';
import { parseCsafDocument } from '../../shared/domain/csaf/parse-csaf';
import { Device } from '../../shared/domain/device';

const CSAF = join(import.meta.dirname, '../../data/csaf/icsma/icsma-20-049-01.json');
const original = readFileSync(CSAF, 'utf8');

/** The Spacelabs advisory as revision `version`, with the consecutive revision history the validator requires. */
function revision(version: number): string {
  const doc = JSON.parse(original) as {
    document: { tracking: { version: string; current_release_date: string; revision_history: unknown[] } };
  };
  doc.document.tracking.version = String(version);
  doc.document.tracking.current_release_date = `2020-03-0${version}T00:00:00.000000Z`;
  doc.document.tracking.revision_history = Array.from({ length: version }, (_, i) => ({
    date: `2020-03-0${i + 1}T00:00:00.000000Z`,
    number: String(i + 1),
    summary: `revision ${i + 1}`,
  }));
  return JSON.stringify(doc);
}

describe('advisory-ingest λ on the local stack (DynamoDB Local, fauxqs)', () => {
  let stack: LocalStack;
  let runner: LocalRunner;
  let advisories: DynamoAdvisoryRepository;
  let enrichment: DynamoEnrichmentRepository;
  let table: TableClient;

  beforeAll(async () => {
    stack = await startLocalStack({ servicenow: false });
    runner = await LocalRunner.create(stack);
    const dynamodb = new DynamoDBClient({
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
    });
    table = new TableClient(dynamodb, stack.tableNames.main);
    advisories = new DynamoAdvisoryRepository(table);
    enrichment = new DynamoEnrichmentRepository(table);
  }, 120_000);
  afterAll(async () => {
    runner?.close();
    await stack?.stop();
  });
  beforeEach(async () => {
    await stack.resetStore();
  });

  const post = (body: string, path = '/v1/advisories') =>
    runner.invokeHttp('advisoryIngest', { method: 'POST', path, body });
  const bodyOf = (response: { body?: unknown }) =>
    JSON.parse(String(response.body)) as Record<string, unknown>;

  it('stores a newer tracking version and queues it again; an equal or older version changes nothing', async () => {
    expect((await post(revision(1))).statusCode).toBe(201);
    expect((await post(revision(1))).statusCode).toBe(200);
    const newer = await post(revision(3));
    expect(newer.statusCode).toBe(201);
    expect(bodyOf(newer)).toMatchObject({
      status: 'accepted',
      advisoryId: 'ICSMA-20-049-01',
      trackingVersion: '3',
    });
    const older = await post(revision(2));
    expect(older.statusCode).toBe(200);
    expect(bodyOf(older)).toMatchObject({ status: 'unchanged', trackingVersion: '2' });
    expect((await advisories.get('ICSMA-20-049-01'))?.trackingVersion).toBe('3');
  });

  it('answers 422 with the reasons for truncated or invalid CSAF and stores nothing', async () => {
    const truncated = await post(original.slice(0, 4000));
    expect(truncated.statusCode).toBe(422);
    expect(JSON.stringify(bodyOf(truncated).details)).toMatch(/truncated/);
    const invalid = JSON.parse(original) as { document: Record<string, unknown> };
    invalid.document.category = 7;
    const rejected = await post(JSON.stringify(invalid));
    expect(rejected.statusCode).toBe(422);
    expect(JSON.stringify(bodyOf(rejected).details)).toMatch(
      /\/document\/category: must be string \(schema\)/,
    );
    expect(await advisories.countAll()).toBe(0);
  });

  it('validates through the csaf-validator function over the Lambda Invoke API the runner serves', async () => {
    const before = runner.invocations.csafValidator ?? 0;
    const invalid = JSON.parse(original) as { document: Record<string, unknown> };
    invalid.document.lang = 'xx-XX';
    const rejected = await post(JSON.stringify(invalid));
    expect(rejected.statusCode).toBe(422);
    expect(bodyOf(rejected).details).toContain(
      '/document/lang: is not a valid language-tag (mandatory test 6.1.12)',
    );
    expect((await post(revision(1))).statusCode).toBe(201);
    expect(runner.invocations.csafValidator).toBe(before + 2);

    // The same API as AWS: a handler that throws comes back as a function error with its errorType.
    const lambda = new LambdaClient({
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoint: runner.lambdaEndpoint,
    });
    try {
      const refused = await lambda.send(
        new InvokeCommand({
          FunctionName: stack.env[ENV.csafValidatorFunction],
          Payload: Buffer.from(JSON.stringify({ document: [1, 2] })),
        }),
      );
      expect(refused.FunctionError).toBe('Unhandled');
      expect(JSON.parse(Buffer.from(refused.Payload ?? []).toString())).toMatchObject({
        errorType: 'CsafDocumentRefused',
        errorMessage: expect.stringMatching(/document must be a JSON object/),
      });
      await expect(
        lambda.send(new InvokeCommand({ FunctionName: 'medpatch-nope', Payload: Buffer.from('{}') })),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      lambda.destroy();
    }
  });

  it('answers 413 for a document larger than one validator invocation can carry, naming the limit', async () => {
    const huge = JSON.parse(original) as { document: Record<string, unknown> };
    huge.document.notes = [{ category: 'general', text: 'x'.repeat(MAX_CSAF_BYTES) }];
    const response = await post(JSON.stringify(huge));
    expect(response.statusCode).toBe(413);
    expect(String(bodyOf(response).error)).toMatch(/the limit is 5242880 bytes/);
    expect(await advisories.countAll()).toBe(0);
  });

  it('accepts a manual advisory on POST /v1/advisories/manual and refuses CSAF there', async () => {
    const manual = {
      advisoryId: 'HISAC-2025-017',
      title: 'H-ISAC: Xhibit receivers exposed over RDP',
      kind: 'h_isac_notice',
      publisherName: 'H-ISAC',
      releaseDate: '2025-08-20',
      products: [
        { manufacturer: 'Spacelabs', product: 'Xhibit Telemetry Receiver', modelNumbers: ['96280'] },
      ],
      remediations: [{ category: 'mitigation', details: 'Block TCP 3389 to the receivers.' }],
    };
    const accepted = await post(JSON.stringify(manual), '/v1/advisories/manual');
    expect(accepted.statusCode).toBe(201);
    const stored = await advisories.get('HISAC-2025-017');
    expect(stored).toMatchObject({
      source: 'manual',
      publisherCategory: 'h_isac_notice',
      trackingVersion: '1',
    });
    expect(stored?.products[0]?.versionSpec).toEqual({ raw: '*', kind: 'all' });
    expect((await post(original, '/v1/advisories/manual')).statusCode).toBe(400);
    const invalid = await post(JSON.stringify({ ...manual, products: [] }), '/v1/advisories/manual');
    expect(invalid.statusCode).toBe(422);
    expect(JSON.stringify(bodyOf(invalid).details)).toMatch(/products/);
  });

  it('stores per-CVE enrichment only when it changed and serves EPSS scores to the assessment', async () => {
    const record = {
      cve: 'CVE-2019-0708',
      kev: {
        status: 'listed' as const,
        catalogVersion: '2025.08.25',
        dateAdded: '2021-11-03',
        dueDate: '',
        knownRansomwareCampaignUse: 'Unknown',
        vendorProject: 'Microsoft',
        product: 'RDS',
      },
      epss: {
        status: 'scored' as const,
        score: 0.94455,
        percentile: 0.99977,
        date: '2025-08-25',
        modelVersion: 'v2025.03.14',
      },
    };
    expect(await enrichment.saveEnrichment(record)).toBe(true);
    expect(await enrichment.saveEnrichment(record)).toBe(false);
    expect(await enrichment.saveEnrichment({ ...record, epss: { ...record.epss, score: 0.9 } })).toBe(true);
    expect(
      (await enrichment.getEnrichments(['CVE-2019-0708', 'CVE-2000-0001'])).get('CVE-2019-0708')?.epss,
    ).toMatchObject({ score: 0.9 });
    expect(await enrichment.epssScores(['CVE-2019-0708', 'CVE-2000-0001'])).toEqual(
      new Map([['CVE-2019-0708', 0.9]]),
    );
  });

  it('matches a changed advisory against the stored devices of its manufacturer (matcher use-case)', async () => {
    const actor = { actor: 'test', reason: 'match test' };
    const devices = new DynamoDeviceRepository(table);
    const findings = new DynamoFindingRepository(table);
    const record = (id: string, manufacturer: string, version: string) =>
      Device.parse({
        deviceId: `csv:${id}`,
        source: 'csv',
        sourceRecordId: id,
        assetTag: id,
        manufacturer,
        model: 'Xhibit Telemetry Receiver',
        modelNumber: '96280',
        softwareVersion: version,
      });
    await devices.saveChanged(
      [
        record('XTR-1', 'Spacelabs Healthcare', '1.0.2'),
        record('XTR-2', 'SpaceLabs', '1.0.2'),
        record('XTR-3', 'Spacelabs', '1.2.1'),
        record('OTHER-1', 'Mindray', '1.0.2'),
      ],
      actor,
    );
    const parsed = parseCsafDocument(JSON.parse(original));
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    await advisories.saveIfNewer(parsed.advisory, actor);
    const sent: PrioritizeMessage[] = [];
    const outcome = await matchChange(
      { devices, advisories, findings, prioritizeQueue: { send: async (m) => void sent.push(...m) } },
      { type: 'advisory-changed', advisoryId: 'ICSMA-20-049-01', trackingVersion: '1' },
      '2025-08-26T00:00:00Z',
      actor,
    );
    expect(outcome.findingsChanged).toBe(2);
    const stored = await findings.listByAdvisory('ICSMA-20-049-01');
    expect(stored.map((f) => `${f.assetTag} ${f.matchConfidence}`).sort()).toEqual([
      'XTR-1 confirmed',
      'XTR-2 confirmed',
    ]);
    expect(sent.map((m) => m.deviceId).sort()).toEqual(['csv:XTR-1', 'csv:XTR-2']);
  });
});
