import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor, FindingRepository } from '../../application/ports';
import { Finding } from '../../domain/finding';
import { AUDIT_CONDITION, auditItem, contentHash } from './audit';
import { keys } from './keys';
import type { TableClient } from './table-client';

/** What makes a finding "changed": everything except its own timestamp. */
function findingHash(finding: Finding): string {
  const { updatedAt: _ignored, ...content } = finding;
  return contentHash(content);
}

export class DynamoFindingRepository implements FindingRepository {
  constructor(private readonly table: TableClient) {}

  async get(deviceId: string, advisoryId: string): Promise<Finding | null> {
    const res = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.finding(deviceId, advisoryId) }),
    );
    return res.Item ? Finding.parse(res.Item.finding) : null;
  }

  async listByDevice(deviceId: string): Promise<Finding[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `DEVICE#${deviceId}`, ':prefix': 'FINDING#' },
    });
    return items.map((item) => Finding.parse(item.finding));
  }

  async listByAdvisory(advisoryId: string): Promise<Finding[]> {
    const items = await this.table.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `ADVISORY#${advisoryId}`, ':prefix': 'FINDING#' },
    });
    return items.map((item) => Finding.parse(item.finding));
  }

  async listAll(): Promise<Finding[]> {
    const items = await this.table.queryAll({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': 'TYPE#FINDING' },
    });
    return items.map((item) => Finding.parse(item.finding));
  }

  async save(finding: Finding, previous: Finding | null, actor: Actor): Promise<boolean> {
    const hash = findingHash(finding);
    if (previous && findingHash(previous) === hash) return false;
    const previousHash = previous ? findingHash(previous) : null;
    await this.table.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.table.tableName,
              Item: {
                ...keys.finding(finding.deviceId, finding.advisoryId),
                ...keys.findingByAdvisory(finding.advisoryId, finding.deviceId),
                ...keys.byType('FINDING', finding.findingId),
                type: 'FINDING',
                finding,
                contentHash: hash,
              },
              // The change and its audit event land together, and only over the version the caller read.
              ConditionExpression: previousHash ? 'contentHash = :prev' : 'attribute_not_exists(pk)',
              ...(previousHash ? { ExpressionAttributeValues: { ':prev': previousHash } } : {}),
            },
          },
          {
            Put: {
              TableName: this.table.tableName,
              Item: auditItem({
                entity: `DEVICE#${finding.deviceId}`,
                alsoIndexedUnder: `ADVISORY#${finding.advisoryId}`,
                action: previous ? 'FINDING_UPDATED' : 'FINDING_CREATED',
                before: previous,
                after: finding,
                actor,
                at: finding.updatedAt,
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
