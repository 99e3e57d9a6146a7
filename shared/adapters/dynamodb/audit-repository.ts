import type { AuditEvent, AuditRepository } from '../../application/ports';
import { contentHash, DEVICES_CREATED } from './audit';
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
    const created = entity.startsWith('DEVICE#') ? await this.deviceCreation(entity.slice(7), events) : null;
    if (!created) return events;
    // Creation comes first: it precedes every other event of the device.
    return [created, ...events];
  }

  /**
   * The device's DEVICE_CREATED event, from the DEVICES_CREATED event of the transaction that created it (the
   * device item links to it); null for devices whose creation has an event of its own. That event records the
   * content hash; the content at creation is the "before" of the device's first update, or the device item itself
   * while it has none. `after` is that content only when its hash is the recorded one (null otherwise: the trail
   * shows the creation but not a content it cannot prove).
   */
  private async deviceCreation(deviceId: string, events: readonly AuditEvent[]): Promise<AuditEvent | null> {
    const [device] = await this.table.getMany([keys.device(deviceId)], ['createdAudit', 'device']);
    const link = device?.createdAudit as { pk?: unknown; sk?: unknown } | undefined;
    if (typeof link?.pk !== 'string' || typeof link.sk !== 'string') return null;
    const [shared] = await this.table.getMany([{ pk: link.pk, sk: link.sk }]);
    const hashes = shared?.createdHashes as Record<string, unknown> | undefined;
    if (!shared || shared.action !== DEVICES_CREATED || typeof hashes?.[deviceId] !== 'string') return null;
    const firstUpdate = events.find((e) => e.action === 'DEVICE_UPDATED' && e.before !== null);
    const candidate = firstUpdate ? firstUpdate.before : JSON.stringify(device?.device ?? null);
    const proven = candidate !== null && contentHash(JSON.parse(candidate)) === hashes[deviceId];
    const event = toEvent(shared);
    return {
      ...event,
      eventId: `${event.eventId}#${deviceId}`,
      entity: `DEVICE#${deviceId}`,
      action: 'DEVICE_CREATED',
      before: null,
      after: proven ? candidate : null,
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
