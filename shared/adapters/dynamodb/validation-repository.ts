import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor, ValidationRepository } from '../../application/ports';
import { ValidationRecord } from '../../domain/validation';
import { AUDIT_CONDITION, auditItem } from './audit';
import { keys } from './keys';
import type { TableClient } from './table-client';

export class DynamoValidationRepository implements ValidationRepository {
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

  async save(record: ValidationRecord, actor: Actor): Promise<void> {
    const at = this.now();
    await this.table.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.table.tableName,
              Item: {
                ...keys.validation(record.manufacturerKey, record.recordId),
                type: 'VALIDATION',
                record,
                updatedAt: at,
              },
            },
          },
          {
            Put: {
              TableName: this.table.tableName,
              Item: auditItem({
                entity: `VALIDATION#${record.recordId}`,
                action: 'VALIDATION_RECORDED',
                before: null,
                after: record,
                actor,
                at,
              }),
              ConditionExpression: AUDIT_CONDITION,
            },
          },
        ],
      }),
    );
  }
}
