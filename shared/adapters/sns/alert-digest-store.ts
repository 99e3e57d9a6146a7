import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertDigestStore } from '../../application/ports';
import type { DigestEntry } from '../../domain/alerts';
import { keys } from '../dynamodb/keys';
import type { TableClient } from '../dynamodb/table-client';

const DIGEST_RETENTION_SECONDS = 30 * 24 * 3600;

/** Digest entries in the single table: `pk=DIGEST#<day>`, one item per domain event id (conditional put, TTL). */
export class DynamoAlertDigestStore implements AlertDigestStore {
  constructor(
    private readonly table: TableClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async addToDigest(day: string, entry: DigestEntry): Promise<boolean> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: {
            ...keys.digestEntry(day, entry.eventId),
            type: 'DIGEST_ENTRY',
            entry,
            expiresAt: Math.floor(this.now().getTime() / 1000) + DIGEST_RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async entriesOf(day: string): Promise<DigestEntry[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.digestEntry(day, '').pk },
    });
    return items.map((item) => item.entry as DigestEntry);
  }
}
