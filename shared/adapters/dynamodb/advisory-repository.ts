import { gunzipSync, gzipSync } from 'node:zlib';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor, AdvisoryRepository } from '../../application/ports';
import { Advisory } from '../../domain/advisory';
import { isNewerTrackingVersion } from '../../domain/csaf/parse-csaf';
import { advisoryManufacturerKeys } from '../../domain/matching';
import { AUDIT_CONDITION, auditItem } from './audit';
import { keys } from './keys';
import type { Item, TableClient } from './table-client';

/**
 * Advisories are stored gzip-compressed: a normalized CISA document can exceed DynamoDB's 400 KB item limit as
 * plain JSON, and it is only ever read whole.
 */
export class DynamoAdvisoryRepository implements AdvisoryRepository {
  constructor(
    private readonly table: TableClient,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  async saveIfNewer(advisory: Advisory, actor: Actor): Promise<boolean> {
    const current = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.tableName,
        Key: keys.advisory(advisory.advisoryId),
        ProjectionExpression: 'trackingVersion, manufacturerKeys',
      }),
    );
    const previousVersion = current.Item?.trackingVersion as string | undefined;
    if (previousVersion !== undefined && !isNewerTrackingVersion(advisory.trackingVersion, previousVersion)) {
      return false;
    }
    const at = this.now();
    const manufacturerKeys = advisoryManufacturerKeys(advisory);
    const previousKeys = (current.Item?.manufacturerKeys as string[] | undefined) ?? [];
    const staleKeys = previousKeys.filter((key) => !manufacturerKeys.includes(key));
    await this.table.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.table.tableName,
              Item: {
                ...keys.advisory(advisory.advisoryId),
                ...keys.byType('ADVISORY', advisory.advisoryId),
                type: 'ADVISORY',
                trackingVersion: advisory.trackingVersion,
                manufacturerKeys,
                body: gzipSync(JSON.stringify(advisory)),
                updatedAt: at,
              },
              // Two ingests racing on the same document: only one replaces the version it read.
              ConditionExpression:
                previousVersion === undefined ? 'attribute_not_exists(pk)' : 'trackingVersion = :prev',
              ...(previousVersion === undefined
                ? {}
                : { ExpressionAttributeValues: { ':prev': previousVersion } }),
            },
          },
          ...manufacturerKeys.map((key) => ({
            Put: {
              TableName: this.table.tableName,
              Item: { ...keys.advisoryManufacturerIndex(key, advisory.advisoryId), type: 'ADVISORY_INDEX' },
            },
          })),
          ...staleKeys.map((key) => ({
            Delete: {
              TableName: this.table.tableName,
              Key: keys.advisoryManufacturerIndex(key, advisory.advisoryId),
            },
          })),
          {
            Put: {
              TableName: this.table.tableName,
              Item: auditItem({
                entity: `ADVISORY#${advisory.advisoryId}`,
                action: previousVersion === undefined ? 'ADVISORY_CREATED' : 'ADVISORY_REVISED',
                before: previousVersion === undefined ? null : { trackingVersion: previousVersion },
                after: { trackingVersion: advisory.trackingVersion, title: advisory.title },
                actor,
                at,
              }),
              ConditionExpression: AUDIT_CONDITION,
            },
          },
        ],
      }),
    );
    return true;
  }

  async get(advisoryId: string): Promise<Advisory | null> {
    const [advisory] = await this.getMany([advisoryId]);
    return advisory ?? null;
  }

  async getMany(advisoryIds: readonly string[]): Promise<Advisory[]> {
    const unique = [...new Set(advisoryIds)];
    if (unique.length === 0) return [];
    const items = await this.table.getMany(unique.map((id) => keys.advisory(id)));
    return items.map(decodeAdvisory);
  }

  async idsByManufacturer(manufacturerKey: string): Promise<string[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `MFRIDX#${manufacturerKey}` },
    });
    return items.map((item) => String(item.sk).slice('ADVISORY#'.length));
  }

  async countAll(): Promise<number> {
    const items = await this.table.queryAll({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': 'TYPE#ADVISORY' },
      ProjectionExpression: 'pk',
    });
    return items.length;
  }
}

function decodeAdvisory(item: Item): Advisory {
  const body = item.body as Uint8Array;
  return Advisory.parse(JSON.parse(gunzipSync(body).toString('utf8')));
}
