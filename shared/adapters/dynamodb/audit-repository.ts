import type { AuditEvent, AuditRepository } from '../../application/ports';
import type { Item, TableClient } from './table-client';

function toEvent(item: Item): AuditEvent {
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    eventId: String(item.eventId ?? ''),
    entity: String(item.entity ?? ''),
    action: String(item.action ?? ''),
    actor: String(item.actor ?? ''),
    reason: String(item.reason ?? ''),
    at: String(item.at ?? ''),
    before: text(item.before),
    after: text(item.after),
  };
}

/** Reads the append-only audit trail (written by every repository in the transaction of its change). */
export class DynamoAuditRepository implements AuditRepository {
  constructor(private readonly table: TableClient) {}

  async listByEntity(entity: string): Promise<AuditEvent[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `AUDIT#${entity}` },
      ConsistentRead: true,
    });
    return items.map(toEvent);
  }

  async listByAdvisory(advisoryId: string): Promise<AuditEvent[]> {
    const items = await this.table.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': `AUDIT#ADVISORY#${advisoryId}` },
    });
    return items.map(toEvent);
  }
}
