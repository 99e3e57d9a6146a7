import type { AuditEvent, AuditRepository } from '../../application/ports';
import { DEVICES_CREATED } from './audit';
import { keys } from './keys';
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
    const events = items.map(toEvent);
    const created = entity.startsWith('DEVICE#') ? await this.deviceCreation(entity.slice(7)) : null;
    if (!created) return events;
    // Creation comes first: it precedes every other event of the device.
    return [created, ...events];
  }

  /**
   * The device's DEVICE_CREATED event, cut out of the DEVICES_CREATED event of the transaction that created it
   * (the device item links to it); null for devices whose creation has its own event.
   */
  private async deviceCreation(deviceId: string): Promise<AuditEvent | null> {
    const [device] = await this.table.getMany([keys.device(deviceId)], ['createdAudit']);
    const link = device?.createdAudit as { pk?: unknown; sk?: unknown } | undefined;
    if (typeof link?.pk !== 'string' || typeof link.sk !== 'string') return null;
    const [shared] = await this.table.getMany([{ pk: link.pk, sk: link.sk }]);
    if (!shared || shared.action !== DEVICES_CREATED || typeof shared.after !== 'string') return null;
    const contents = JSON.parse(shared.after) as { deviceId?: unknown }[];
    const content = contents.find((c) => c.deviceId === deviceId);
    if (!content) return null;
    const event = toEvent(shared);
    return {
      ...event,
      eventId: `${event.eventId}#${deviceId}`,
      entity: `DEVICE#${deviceId}`,
      action: 'DEVICE_CREATED',
      before: null,
      after: JSON.stringify(content),
    };
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
