import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type {
  Actor,
  StoredValidation,
  ValidationHistoryEntry,
  ValidationStore,
} from '../../application/ports';
import { ValidationRecord } from '../../domain/validation';
import { TransientError } from '../../errors';
import { AUDIT_CONDITION, auditItem } from './audit';
import { keys } from './keys';
import type { TableClient } from './table-client';

/**
 * Validation records, one item per record id (`RECORD#`), each superseded version kept as a `HISTORY#` item.
 * A change writes the new version, the history item of the replaced one and the audit event in ONE transaction,
 * conditioned on the version that was read.
 */
export class DynamoValidationRepository implements ValidationStore {
  constructor(
    private readonly table: TableClient,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  async listByManufacturer(manufacturerKey: string): Promise<ValidationRecord[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `VALIDATION#${manufacturerKey}`, ':prefix': 'RECORD#' },
    });
    return items.map((item) => ValidationRecord.parse(item.record));
  }

  async get(manufacturerKey: string, recordId: string): Promise<StoredValidation | null> {
    const res = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.tableName,
        Key: keys.validation(manufacturerKey, recordId),
        ConsistentRead: true,
      }),
    );
    if (!res.Item) return null;
    return {
      record: ValidationRecord.parse(res.Item.record),
      version: typeof res.Item.version === 'number' ? res.Item.version : 0,
    };
  }

  async history(manufacturerKey: string, recordId: string): Promise<ValidationHistoryEntry[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': `VALIDATION#${manufacturerKey}`,
        ':prefix': `HISTORY#${recordId}#`,
      },
    });
    return items.map((item) => ({
      version: Number(item.version),
      record: ValidationRecord.parse(item.record),
      supersededAt: String(item.supersededAt),
    }));
  }

  /** Upsert without a version check (kept for callers that only load a file into an empty store). */
  async save(record: ValidationRecord, actor: Actor): Promise<void> {
    const current = await this.get(record.manufacturerKey, record.recordId);
    await this.put(record, current?.version ?? null, actor);
  }

  async put(record: ValidationRecord, expectedVersion: number | null, actor: Actor): Promise<number> {
    const at = this.now();
    const previous =
      expectedVersion === null ? null : await this.get(record.manufacturerKey, record.recordId);
    if (expectedVersion !== null && previous?.version !== expectedVersion) {
      throw new TransientError(
        `validation ${record.recordId} changed since version ${expectedVersion} was read`,
        {
          context: { recordId: record.recordId },
        },
      );
    }
    const version = (expectedVersion ?? 0) + 1;
    const transactItems: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> =
      [
        {
          Put: {
            TableName: this.table.tableName,
            Item: {
              ...keys.validation(record.manufacturerKey, record.recordId),
              type: 'VALIDATION',
              record,
              version,
              updatedAt: at,
            },
            ConditionExpression: expectedVersion === null ? 'attribute_not_exists(pk)' : 'version = :v',
            ...(expectedVersion === null ? {} : { ExpressionAttributeValues: { ':v': expectedVersion } }),
          },
        },
        {
          Put: {
            TableName: this.table.tableName,
            Item: auditItem({
              entity: `VALIDATION#${record.recordId}`,
              ...(record.advisoryId ? { alsoIndexedUnder: `ADVISORY#${record.advisoryId}` } : {}),
              action: previous
                ? previous.record.status === record.status
                  ? 'VALIDATION_UPDATED'
                  : `VALIDATION_STATUS_${previous.record.status}_TO_${record.status}`
                : 'VALIDATION_RECORDED',
              before: previous?.record ?? null,
              after: record,
              actor,
              at,
            }),
            ConditionExpression: AUDIT_CONDITION,
          },
        },
      ];
    if (previous && expectedVersion !== null) {
      transactItems.push({
        Put: {
          TableName: this.table.tableName,
          Item: {
            ...keys.validationHistory(record.manufacturerKey, record.recordId, expectedVersion),
            type: 'VALIDATION_HISTORY',
            record: previous.record,
            version: expectedVersion,
            supersededAt: at,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    try {
      await this.table.doc.send(new TransactWriteCommand({ TransactItems: transactItems }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        throw new TransientError(`validation ${record.recordId} changed concurrently; re-read and retry`, {
          cause: error,
          context: { recordId: record.recordId, expectedVersion },
        });
      }
      throw error;
    }
    return version;
  }
}
