import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_CATALOG } from '../../local/demo/catalog';
import { type PipelineResult, runPipeline } from '../../local/pipeline';
import { LocalRunner } from '../../local/runner';
import { LOCAL_REGION, type LocalStack, startLocalStack } from '../../local/stack';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoValidationRepository } from '../../shared/adapters/dynamodb/validation-repository';

/**
 * The done-criterion on the local stack: the same inventory (real ICSMA products of the demo catalog, one
 * device per affected and per fixed version) and advisories, run without and with a validations file. APPLY_PATCH
 * must appear for exactly the devices the VALIDATED records cover; everything else keeps its action.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const HEADER =
  'asset_tag,serial_number,manufacturer,model,model_number,software_version,device_type,department,location,clinical_criticality,network_zone,status';

const entries = DEVICE_CATALOG.filter((e) => e.advisory !== undefined);
const rows: string[] = [];
for (const entry of entries) {
  for (const version of [...entry.affectedVersions, ...entry.unaffectedVersions]) {
    const tag = `${entry.modelNumber}@${version}`.replace(/[^A-Za-z0-9@.-]/g, '_');
    rows.push(
      [
        tag,
        `SN-${tag}`,
        entry.manufacturerSpellings[0] ?? entry.manufacturer,
        entry.model,
        entry.modelNumber,
        version,
        entry.deviceType,
        entry.departments[0] ?? '',
        'Ward 1',
        entry.clinicalCriticality,
        'clinical_lan',
        'in_service',
      ]
        .map((c) => (/[,"]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c))
        .join(','),
    );
  }
}
const INVENTORY = `${HEADER}\n${rows.join('\n')}\n`;
const ADVISORIES = [...new Set(entries.map((e) => e.advisory?.id.toLowerCase() ?? ''))].map((id) =>
  join(ROOT, 'data/csaf/icsma', `${id}.json`),
);

/** Fictional records: what each one covers is written next to it, so the expected set below is hand-checked. */
const VALIDATIONS = `manufacturer,product,versions,advisory_id,patch_id,status,evidence_source,evidence_ref,evidence_date,recorded_by,conditions,expires
Becton Dickinson,8015,<= 9.33.1,ICSMA-20-317-01,,VALIDATED,manufacturer_portal,TEST-BD-1,2021-02-15,biomed@test.example,,
GE Healthcare,CARESCAPE B450,,ICSMA-20-023-01,,VALIDATED,manufacturer_letter,TEST-GE-1,2020-03-01,biomed@test.example,,
Philips,IntelliVue MX800,<= M.00.03,ICSMA-20-254-01,,VALIDATED_WITH_CONDITIONS,manufacturer_letter,TEST-PH-1,2021-01-20,biomed@test.example,Install by field service only,
Spacelabs Healthcare,96280,,ICSMA-20-049-01,,NOT_APPROVED,email,TEST-SL-1,2020-03-02,biomed@test.example,,
GE Healthcare,CARESCAPE B850,,ICSMA-20-023-01,,VALIDATED,manufacturer_letter,TEST-GE-2,2020-03-01,biomed@test.example,,2021-01-01
Philips,IntelliVue MX450,,ICSMA-99-999-99,,VALIDATED,manufacturer_letter,TEST-PH-2,2021-01-20,biomed@test.example,,
Philips,IntelliVue MX40,,ICSMA-17-255-01,,UNDER_REVIEW,phone,TEST-PH-3,2021-01-20,biomed@test.example,,
`;

/** 8015 ≤ 9.33.1, every B450 version in the advisory, MX800 ≤ M.00.03 (not N.00.04); not the expired B850 record. */
const EXPECTED_APPLY_PATCH = [
  '8015@9.19.2|ICSMA-20-317-01',
  '8015@9.33.1|ICSMA-20-317-01',
  'B450@2.0.5|ICSMA-20-023-01',
  'B450@2.1.1|ICSMA-20-023-01',
  '865240@L.01.07|ICSMA-20-254-01',
  '865240@M.00.03|ICSMA-20-254-01',
];

const key = (f: { assetTag: string; advisoryId: string }) => `${f.assetTag}|${f.advisoryId}`;

describe('the validation gate on the local stack', () => {
  let stack: LocalStack;
  let runner: LocalRunner;
  let dynamodb: DynamoDBClient;
  let table: TableClient;
  let dir: string;
  let without: PipelineResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'medpatch-validation-gate-'));
    writeFileSync(join(dir, 'validations.csv'), VALIDATIONS);
    stack = await startLocalStack({
      servicenow: false,
      cmms: { kind: 'outbox', baseUrl: `file://${join(dir, 'outbox')}`, username: '', password: '' },
    });
    runner = await LocalRunner.create(stack);
    dynamodb = new DynamoDBClient({
      region: LOCAL_REGION,
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    table = new TableClient(dynamodb, stack.tableNames.main);
    without = await runPipeline(stack, runner, {
      devices: { kind: 'inventory', csvText: INVENTORY },
      advisoryPaths: ADVISORIES,
      outDir: join(dir, 'without'),
    });
  }, 300_000);

  const actionOf = async (assetTag: string, advisoryId: string) =>
    (await new DynamoFindingRepository(table).get(`csv:${assetTag}`, advisoryId))?.action;

  afterAll(async () => {
    runner?.close();
    dynamodb?.destroy();
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('uses a small inventory of real ICSMA products', () => {
    expect(rows.length).toBeLessThanOrEqual(200);
    expect(without.summary.devices.written).toBe(rows.length);
    expect(without.summary.advisories.accepted).toBe(ADVISORIES.length);
    expect(without.findings.length).toBeGreaterThan(EXPECTED_APPLY_PATCH.length);
  });

  it('plans no APPLY_PATCH anywhere without validations', () => {
    expect(without.findings.filter((f) => f.action === 'APPLY_PATCH')).toEqual([]);
    expect(without.workOrders.filter((w) => w.kind === 'APPLY_PATCH')).toEqual([]);
  });

  it('flips a REQUEST_VALIDATION to APPLY_PATCH when a validation is recorded through the API', async () => {
    const target = without.findings.find((f) => key(f) === '865240@M.00.03|ICSMA-20-254-01');
    expect(target?.action).toMatch(/REQUEST_VALIDATION|APPLY_MITIGATION/);
    const body = JSON.stringify({
      manufacturer: 'Philips Healthcare',
      product: 'IntelliVue MX800',
      versions: '<= M.00.03',
      advisoryId: 'ICSMA-20-254-01',
      status: 'VALIDATED',
      evidence: { source: 'manufacturer_letter', reference: 'TEST-PH-API-1', date: '2021-01-20' },
      reason: 'Philips letter received by clinical engineering',
    });
    const refused = await runner.invokeHttp('validationApi', {
      method: 'POST',
      path: '/v1/validations',
      body,
      actor: 'arn:aws:iam::000000000000:user/visitor',
    });
    expect(refused.statusCode).toBe(401);

    const recorder = 'arn:aws:sts::000000000000:assumed-role/clinical-engineering/jane';
    const created = await runner.invokeHttp('validationApi', {
      method: 'POST',
      path: '/v1/validations',
      body,
      actor: recorder,
    });
    expect(created.statusCode).toBe(201);
    const outcome = JSON.parse(String(created.body)) as { recordId: string; reassessed: number };
    // Both MX800 devices inside <= M.00.03; N.00.04 (outside the record's range) and other models are untouched.
    expect(outcome.reassessed).toBe(2);
    await runner.drain();

    expect(await actionOf('865240@M.00.03', 'ICSMA-20-254-01')).toBe('APPLY_PATCH');
    expect(await actionOf('865240@N.00.04', 'ICSMA-20-254-01')).toBe(
      without.findings.find((f) => key(f) === '865240@N.00.04|ICSMA-20-254-01')?.action,
    );

    // The recorder is the caller, whatever the body says; the change is on the audit trail with actor and reason.
    const validations = new DynamoValidationRepository(table);
    const stored = await validations.get('philips', outcome.recordId);
    expect(stored?.record.evidence.recordedBy).toBe(recorder);
    const trail = await new DynamoAuditRepository(table).listByEntity(`VALIDATION#${outcome.recordId}`);
    expect(trail.map((e) => [e.action, e.actor, e.reason])).toEqual([
      ['VALIDATION_RECORDED', recorder, 'Philips letter received by clinical engineering'],
    ]);
  });

  it('keeps the previous status in history when the manufacturer withdraws its validation', async () => {
    const recorder = 'arn:aws:sts::000000000000:assumed-role/clinical-engineering/jane';
    const withdrawn = await runner.invokeHttp('validationApi', {
      method: 'POST',
      path: '/v1/validations',
      actor: recorder,
      body: JSON.stringify({
        manufacturer: 'Philips Healthcare',
        product: 'IntelliVue MX800',
        versions: '<= M.00.03',
        advisoryId: 'ICSMA-20-254-01',
        status: 'NOT_APPROVED',
        evidence: { source: 'email', reference: 'TEST-PH-API-2', date: '2021-02-01' },
      }),
    });
    expect(withdrawn.statusCode).toBe(200);
    const { recordId, version } = JSON.parse(String(withdrawn.body)) as { recordId: string; version: number };
    expect(version).toBe(2);
    const history = await new DynamoValidationRepository(table).history('philips', recordId);
    expect(history.map((h) => [h.version, h.record.status])).toEqual([[1, 'VALIDATED']]);
    await runner.drain();
    const action = await actionOf('865240@M.00.03', 'ICSMA-20-254-01');
    expect(action).toMatch(/REQUEST_VALIDATION|APPLY_MITIGATION/);

    // Re-using the evidence that was withdrawn cannot turn NOT_APPROVED back into VALIDATED.
    const reused = await runner.invokeHttp('validationApi', {
      method: 'POST',
      path: '/v1/validations',
      actor: recorder,
      body: JSON.stringify({
        manufacturer: 'Philips Healthcare',
        product: 'IntelliVue MX800',
        versions: '<= M.00.03',
        advisoryId: 'ICSMA-20-254-01',
        status: 'VALIDATED',
        evidence: { source: 'email', reference: 'TEST-PH-API-2', date: '2021-02-01' },
      }),
    });
    expect(reused.statusCode).toBe(409);
  });

  it('lists a manufacturer’s records for an allowed role only', async () => {
    const { handler } = (await import('../../functions/validation-api/handler')) as {
      handler: (event: APIGatewayProxyEventV2WithIAMAuthorizer) => Promise<APIGatewayProxyStructuredResultV2>;
    };
    const event = (arn: string) =>
      ({
        requestContext: { http: { method: 'GET' }, authorizer: { iam: { userArn: arn } } },
        queryStringParameters: { manufacturer: 'Philips Medical Systems' },
      }) as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
    const ok = await handler(event('arn:aws:sts::000000000000:assumed-role/clinical-engineering/jane'));
    expect(ok.statusCode).toBe(200);
    const listed = JSON.parse(String(ok.body)) as { records: { status: string }[] };
    expect(listed.records.map((r) => r.status)).toEqual(['NOT_APPROVED']);
    const denied = await handler(event('arn:aws:iam::000000000000:user/visitor'));
    expect(denied.statusCode).toBe(401);
  });

  it('with a validations file, plans APPLY_PATCH for exactly the devices the VALIDATED records cover', async () => {
    await stack.resetStore();
    const withValidations = await runPipeline(stack, runner, {
      devices: { kind: 'inventory', csvText: INVENTORY },
      advisoryPaths: ADVISORIES,
      validationsFile: join(dir, 'validations.csv'),
      outDir: join(dir, 'with'),
    });
    expect(withValidations.validationErrors).toEqual([]);
    expect(withValidations.summary.validations.loaded).toBe(7);

    const patched = withValidations.findings
      .filter((f) => f.action === 'APPLY_PATCH')
      .map(key)
      .sort();
    expect(patched).toEqual([...EXPECTED_APPLY_PATCH].sort());
    const patchOrders = withValidations.workOrders
      .filter((w) => w.kind === 'APPLY_PATCH')
      .map((w) => `${w.assetTags.join()}|${w.advisoryIds.join()}`)
      .sort();
    expect(patchOrders).toEqual([...EXPECTED_APPLY_PATCH].sort());

    // Everything else keeps the action it had without validations (its mitigation, request or review).
    const before = new Map(without.findings.map((f) => [key(f), f.action]));
    const others = withValidations.findings.filter((f) => !EXPECTED_APPLY_PATCH.includes(key(f)));
    expect(others.length).toBeGreaterThan(0);
    for (const f of others) expect([key(f), f.action]).toEqual([key(f), before.get(key(f))]);
    // …and says why: the NOT_APPROVED record blocks patching explicitly.
    const spacelabs = withValidations.findings.filter(
      (f) => f.assetTag.startsWith('96280@') && f.action !== 'REVIEW_MATCH',
    );
    expect(spacelabs.length).toBeGreaterThan(0);
    for (const f of spacelabs) expect(f.validationStatus).toBe('NOT_APPROVED');
  });

  it("treats a manufacturer's own CSAF vendor_fix as validation and CISA's as a request", async () => {
    await stack.resetStore();
    // The BD advisory as BD itself would publish it: same products and remediations, publisher category vendor.
    const cisa = JSON.parse(readFileSync(join(ROOT, 'data/csaf/icsma/icsma-20-317-01.json'), 'utf8')) as {
      document: { publisher: unknown; tracking: { id: string } };
    };
    cisa.document.publisher = {
      category: 'vendor',
      name: 'Becton, Dickinson and Company',
      namespace: 'https://www.bd.com',
    };
    cisa.document.tracking.id = 'BD-PSB-2020-11-TEST';
    writeFileSync(join(dir, 'bd-vendor.json'), JSON.stringify(cisa));
    const result = await runPipeline(stack, runner, {
      devices: { kind: 'inventory', csvText: INVENTORY },
      advisoryPaths: [join(ROOT, 'data/csaf/icsma/icsma-20-317-01.json'), join(dir, 'bd-vendor.json')],
      outDir: join(dir, 'vendor'),
    });
    expect(result.summary.advisories.accepted).toBe(2);
    const bd = result.findings.filter((f) => f.assetTag.startsWith('8015@'));
    const byAdvisory = (id: string) =>
      bd
        .filter((f) => f.advisoryId === id)
        .map((f) => `${f.assetTag} ${f.action}`)
        .sort();
    expect(byAdvisory('BD-PSB-2020-11-TEST')).toEqual(['8015@9.19.2 APPLY_PATCH', '8015@9.33.1 APPLY_PATCH']);
    for (const line of byAdvisory('ICSMA-20-317-01'))
      expect(line).toMatch(/REQUEST_VALIDATION|APPLY_MITIGATION/);
    expect(byAdvisory('ICSMA-20-317-01')).toHaveLength(2);

    const records = await new DynamoValidationRepository(table).listByManufacturer('bd');
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      expect(r).toMatchObject({ status: 'VALIDATED', advisoryId: 'BD-PSB-2020-11-TEST' });
      expect(r.evidence.source).toBe('manufacturer_csaf');
    }
  });
});
