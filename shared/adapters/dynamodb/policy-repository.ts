import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor, PolicyRepository } from '../../application/ports';
import { HospitalPolicy } from '../../domain/policy';
import { TransientError } from '../../errors';
import { AUDIT_CONDITION, auditItem, contentHash } from './audit';
import { keys } from './keys';
import type { TableClient } from './table-client';

/**
 * The active hospital policy: one item, replaced together with its audit event (before/after) in one transaction
 * conditioned on the content hash that was read. Reads may be cached for `cacheMs` (the prioritizer reads it per
 * finding); a stored policy is re-validated with the schema on every read, so a hand-edited item cannot switch the
 * gate off.
 */
export class DynamoPolicyRepository implements PolicyRepository {
  private cached: { at: number; value: { policy: HospitalPolicy; storedAt: string } | null } | null = null;

  constructor(
    private readonly table: TableClient,
    private readonly options: { cacheMs?: number; now?: () => string } = {},
  ) {}

  private now(): string {
    return this.options.now?.() ?? new Date().toISOString();
  }

  async getActive(): Promise<{ policy: HospitalPolicy; storedAt: string } | null> {
    const cacheMs = this.options.cacheMs ?? 0;
    if (this.cached && Date.now() - this.cached.at < cacheMs) return this.cached.value;
    const res = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.policy() }),
    );
    const value = res.Item
      ? { policy: HospitalPolicy.parse(res.Item.policy), storedAt: String(res.Item.updatedAt) }
      : null;
    this.cached = { at: Date.now(), value };
    return value;
  }

  async saveActive(policy: HospitalPolicy, actor: Actor): Promise<boolean> {
    const valid = HospitalPolicy.parse(policy);
    const current = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.policy(), ConsistentRead: true }),
    );
    const hash = contentHash(valid);
    const previousHash = current.Item?.contentHash as string | undefined;
    if (previousHash === hash) return false;
    const at = this.now();
    try {
      await this.table.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table.tableName,
                Item: { ...keys.policy(), type: 'POLICY', policy: valid, contentHash: hash, updatedAt: at },
                ConditionExpression: previousHash ? 'contentHash = :prev' : 'attribute_not_exists(pk)',
                ...(previousHash ? { ExpressionAttributeValues: { ':prev': previousHash } } : {}),
              },
            },
            {
              Put: {
                TableName: this.table.tableName,
                Item: auditItem({
                  entity: 'POLICY#ACTIVE',
                  action: current.Item ? 'POLICY_CHANGED' : 'POLICY_SET',
                  before: current.Item?.policy ?? null,
                  after: valid,
                  actor,
                  at,
                }),
                ConditionExpression: AUDIT_CONDITION,
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        throw new TransientError('the active policy changed concurrently; re-read and retry', {
          cause: error,
        });
      }
      throw error;
    }
    this.cached = null;
    return true;
  }
}
