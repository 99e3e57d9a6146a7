import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor, Mds2ProfileRepository } from '../../application/ports';
import { Mds2Profile } from '../../domain/mds2';
import { productKey } from '../../domain/validation';
import { AUDIT_CONDITION, auditItem, contentHash } from './audit';
import { keys } from './keys';
import type { TableClient } from './table-client';

/** MDS2 profiles per manufacturer × model, each change with its audit event. */
export class DynamoMds2ProfileRepository implements Mds2ProfileRepository {
  constructor(
    private readonly table: TableClient,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  async get(manufacturerKey: string, model: string): Promise<Mds2Profile | null> {
    const res = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.tableName,
        Key: keys.mds2Profile(manufacturerKey, productKey(model)),
      }),
    );
    return res.Item ? Mds2Profile.parse(res.Item.profile) : null;
  }

  async listAll(): Promise<Mds2Profile[]> {
    const items = await this.table.queryAll({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': 'TYPE#MDS2' },
    });
    return items.map((item) => Mds2Profile.parse(item.profile));
  }

  async save(profile: Mds2Profile, actor: Actor): Promise<boolean> {
    const key = keys.mds2Profile(profile.manufacturerKey, profile.modelKey);
    const current = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: key, ConsistentRead: true }),
    );
    const hash = contentHash(profile);
    const previousHash = current.Item?.contentHash as string | undefined;
    if (previousHash === hash) return false;
    const at = this.now();
    await this.table.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.table.tableName,
              Item: {
                ...key,
                ...keys.byType('MDS2', `${profile.manufacturerKey}#${profile.modelKey}`),
                type: 'MDS2',
                profile,
                contentHash: hash,
                updatedAt: at,
              },
              ConditionExpression: previousHash ? 'contentHash = :prev' : 'attribute_not_exists(pk)',
              ...(previousHash ? { ExpressionAttributeValues: { ':prev': previousHash } } : {}),
            },
          },
          {
            Put: {
              TableName: this.table.tableName,
              Item: auditItem({
                entity: `MDS2#${profile.manufacturerKey}#${profile.modelKey}`,
                action: current.Item ? 'MDS2_PROFILE_UPDATED' : 'MDS2_PROFILE_IMPORTED',
                before: current.Item?.profile ?? null,
                after: profile,
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
}
