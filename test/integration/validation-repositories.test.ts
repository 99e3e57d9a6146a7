import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_REGION, type LocalStack, startLocalStack } from '../../local/stack';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { keys } from '../../shared/adapters/dynamodb/keys';
import { DynamoMds2ProfileRepository } from '../../shared/adapters/dynamodb/mds2-repository';
import { DynamoPolicyRepository } from '../../shared/adapters/dynamodb/policy-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoValidationRepository } from '../../shared/adapters/dynamodb/validation-repository';
import { buildMds2Profile } from '../../shared/domain/mds2';
import { DEFAULT_POLICY } from '../../shared/domain/policy';
import { TransientError } from '../../shared/errors';
import { aValidation } from '../unit/domain-builders';

const actor = { actor: 'jane', reason: 'integration test' };

describe('validation, policy and MDS2 repositories on DynamoDB Local', () => {
  let stack: LocalStack;
  let dynamodb: DynamoDBClient;
  let table: TableClient;

  beforeAll(async () => {
    stack = await startLocalStack({ servicenow: false });
    dynamodb = new DynamoDBClient({
      region: LOCAL_REGION,
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    table = new TableClient(dynamodb, stack.tableNames.main);
  }, 120_000);

  afterAll(async () => {
    dynamodb?.destroy();
    await stack?.stop();
  });

  it('writes a new version, the history item and the audit event only over the version that was read', async () => {
    const repo = new DynamoValidationRepository(table);
    const audit = new DynamoAuditRepository(table);
    const v1 = aValidation({ recordId: 'val-repo-1', status: 'UNDER_REVIEW' });
    expect(await repo.put(v1, null, actor)).toBe(1);
    const v2 = { ...v1, status: 'VALIDATED' as const };
    expect(await repo.put(v2, 1, actor)).toBe(2);
    // A writer that read version 1 and did not see version 2 is refused; nothing of its change lands.
    await expect(repo.put({ ...v1, status: 'NOT_APPROVED' }, 1, actor)).rejects.toBeInstanceOf(
      TransientError,
    );
    await expect(repo.put(v1, null, actor)).rejects.toBeInstanceOf(TransientError);

    expect((await repo.get('philips', 'val-repo-1'))?.record.status).toBe('VALIDATED');
    expect((await repo.history('philips', 'val-repo-1')).map((h) => [h.version, h.record.status])).toEqual([
      [1, 'UNDER_REVIEW'],
    ]);
    const events = await audit.listByEntity('VALIDATION#val-repo-1');
    expect(events.map((e) => e.action)).toEqual([
      'VALIDATION_RECORDED',
      'VALIDATION_STATUS_UNDER_REVIEW_TO_VALIDATED',
    ]);
    expect(JSON.parse(events[1]?.before ?? 'null')).toMatchObject({ status: 'UNDER_REVIEW' });
    // History items are not records: the gate never sees a superseded statement.
    expect((await repo.listByManufacturer('philips')).map((r) => r.recordId)).toEqual(['val-repo-1']);
    // Advisory-level records are also on the advisory's audit index.
    expect((await audit.listByAdvisory(v1.advisoryId ?? '')).length).toBeGreaterThanOrEqual(2);
  });

  it('audits a policy change with before and after, and writes nothing for the same policy', async () => {
    const repo = new DynamoPolicyRepository(table);
    expect(await repo.saveActive(DEFAULT_POLICY, actor)).toBe(true);
    const stricter = { ...DEFAULT_POLICY, policyVersion: '2', slaDays: { IMMEDIATE: 1 } };
    expect(await repo.saveActive(stricter, { actor: 'ciso', reason: 'board decision 12' })).toBe(true);
    expect(await repo.saveActive(stricter, actor)).toBe(false);
    expect((await repo.getActive())?.policy.policyVersion).toBe('2');
    const events = await new DynamoAuditRepository(table).listByEntity('POLICY#ACTIVE');
    expect(events.map((e) => [e.action, e.actor, e.reason])).toEqual([
      ['POLICY_SET', 'jane', 'integration test'],
      ['POLICY_CHANGED', 'ciso', 'board decision 12'],
    ]);
    expect(JSON.parse(events[1]?.before ?? 'null')).toMatchObject({ policyVersion: 'default' });
  });

  it('refuses a stored policy that was edited to switch the gate off', async () => {
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...keys.policy(), policy: { ...DEFAULT_POLICY, gate: { medicalDevices: 'off' } } },
      }),
    );
    await expect(new DynamoPolicyRepository(table).getActive()).rejects.toThrow(/gate/);
  });

  it('stores MDS2 profiles per manufacturer and model, audited', async () => {
    const repo = new DynamoMds2ProfileRepository(table);
    const profile = buildMds2Profile('BD', 'Alaris PC Unit', { 'CSUP-7': { answer: 'YES', note: '' } });
    expect(await repo.save(profile, actor)).toBe(true);
    expect(await repo.save(profile, actor)).toBe(false);
    expect((await repo.get('bd', 'alaris pc-unit'))?.summary.notifiesApprovedUpdates).toBe('YES');
    expect((await repo.listAll()).map((p) => p.modelKey)).toEqual(['alarispcunit']);
    const events = await new DynamoAuditRepository(table).listByEntity('MDS2#bd#alarispcunit');
    expect(events.map((e) => e.action)).toEqual(['MDS2_PROFILE_IMPORTED']);
  });
});
