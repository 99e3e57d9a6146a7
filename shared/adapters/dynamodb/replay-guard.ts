import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ReplayGuard } from '../../application/enrich-change-request';
import { keys } from './keys';
import type { TableClient } from './table-client';

/**
 * Remembers accepted signed requests: a conditional put per replay id, expiring (TTL) once the request could no
 * longer pass the timestamp window anyway. A second claim of the same id fails: the request is a replay.
 */
export class DynamoReplayGuard implements ReplayGuard {
  constructor(
    private readonly table: TableClient,
    private readonly scope: string,
  ) {}

  async claim(replayId: string, expiresAt: number): Promise<boolean> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...keys.requestNonce(this.scope, replayId), type: 'NONCE', expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
