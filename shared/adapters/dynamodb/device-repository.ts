import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type {
  Actor,
  DeviceRepository,
  StoredDeviceHashes,
  StoredDeviceSummary,
} from '../../application/ports';
import { Device } from '../../domain/device';
import { deviceManufacturerKey } from '../../domain/matching';
import { TransientError } from '../../errors';
import { AUDIT_CONDITION, auditItem, contentHash, DEVICES_CREATED } from './audit';
import { keys } from './keys';
import type { Item, TableClient } from './table-client';

/** DynamoDB's limit on the items of one transaction. */
const MAX_TRANSACTION_ITEMS = 100;
/** What is read of a stored device before it is replaced (the audit event's "before", the creation event link). */
const STORED_PROJECTION = ['contentHash', 'device', 'createdAudit'];
/** Writes of one contested device before the sync gives up with a retryable error. */
const CONFLICT_ATTEMPTS = 3;

interface PendingWrite {
  device: Device;
  hash: string;
  /** The stored item the write is conditioned on (undefined: the device must not exist yet). */
  previous: Item | undefined;
}

/** Concurrent DynamoDB calls per saveChanged (BatchGets, then transactions). */
const CONCURRENCY = 4;

/**
 * Splits writes into transactions: an updated device takes two items (device + its own audit event), a created one
 * takes one (it is recorded in the transaction's single DEVICES_CREATED event, which takes one more), plus the
 * outbox entry: at most 100 items per transaction.
 */
function transactionChunks(writes: readonly PendingWrite[]): PendingWrite[][] {
  const chunks: PendingWrite[][] = [];
  let current: PendingWrite[] = [];
  let items = 1; // the outbox entry
  let hasCreation = false;
  // An update: device + its event; the first creation: device + the shared event; later creations: the device.
  const cost = (write: PendingWrite) => (write.previous || !hasCreation ? 2 : 1);
  for (const write of writes) {
    if (current.length > 0 && items + cost(write) > MAX_TRANSACTION_ITEMS) {
      chunks.push(current);
      current = [];
      items = 1;
      hasCreation = false;
    }
    items += cost(write);
    hasCreation ||= !write.previous;
    current.push(write);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `task` over `parts` with at most CONCURRENCY in flight; results in input order; the first error wins. */
async function inParallel<T, R>(parts: readonly T[], task: (part: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(parts.length);
  let next = 0;
  const worker = async () => {
    while (next < parts.length) {
      const index = next++;
      results[index] = await task(parts[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, parts.length) }, worker));
  return results;
}

export class DynamoDeviceRepository implements DeviceRepository {
  constructor(
    private readonly table: TableClient,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  async saveChanged(
    devices: readonly Device[],
    actor: Actor,
    storedHashes?: StoredDeviceHashes,
  ): Promise<{ changed: Device[]; unchanged: number; created: string[]; outboxIds: string[] }> {
    // A device named twice is stored once, with its last content (a transaction cannot touch one item twice).
    const unique = [...new Map(devices.map((d) => [d.deviceId, d])).values()];
    const hashed = unique.map((device) => ({ device, hash: contentHash(device) }));
    let changedDevices: { device: Device; hash: string }[];
    let existing: { device: Device; hash: string }[];
    if (storedHashes) {
      // A full sync's snapshot of the stored hashes: unchanged devices need no read at all, new ones no read
      // either (their write is conditioned on not existing); only changed stored devices are read, for "before".
      changedDevices = hashed.filter(({ device, hash }) => storedHashes.get(device.deviceId) !== hash);
      existing = changedDevices.filter(({ device }) => storedHashes.has(device.deviceId));
    } else {
      // Compare on the content hash alone (BatchGet, 100 keys a call, calls concurrent); only changed devices
      // that exist are read whole, for the audit event's "before".
      const hashes = (
        await inParallel(chunked(unique, 100), (part) =>
          this.table.getMany(
            part.map((d) => keys.device(d.deviceId)),
            ['contentHash'],
          ),
        )
      ).flat();
      const hashByPk = new Map(hashes.map((item) => [String(item.pk), item.contentHash]));
      changedDevices = hashed.filter(
        ({ device, hash }) => hashByPk.get(keys.device(device.deviceId).pk) !== hash,
      );
      existing = changedDevices.filter(({ device }) => hashByPk.has(keys.device(device.deviceId).pk));
    }
    const stored = (
      await inParallel(chunked(existing, 100), (part) =>
        this.table.getMany(
          part.map(({ device }) => keys.device(device.deviceId)),
          STORED_PROJECTION,
        ),
      )
    ).flat();
    const storedByPk = new Map(stored.map((item) => [String(item.pk), item]));
    const candidates: PendingWrite[] = [];
    for (const { device, hash } of changedDevices) {
      const previous = storedByPk.get(keys.device(device.deviceId).pk);
      // Re-check: the full read may see a newer version than the hash read did.
      if (previous?.contentHash !== hash) candidates.push({ device, hash, previous });
    }
    // Chunks touch disjoint devices, so their transactions run concurrently; results keep the input order.
    const outcomes = await inParallel(transactionChunks(candidates), async (chunk) => {
      const part = { written: [] as Device[], created: [] as string[], outboxIds: [] as string[] };
      try {
        part.outboxIds.push(await this.writeChunk(chunk, actor));
        part.written.push(...chunk.map((c) => c.device));
        part.created.push(...chunk.filter((c) => !c.previous).map((c) => c.device.deviceId));
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        // A concurrent writer touched a device of the chunk: write one by one so the others still land,
        // and compare the contested one again with what that writer stored.
        for (const entry of chunk) {
          const outcome = await this.writeOneWithRetry(entry, actor);
          if (!outcome) continue;
          part.written.push(entry.device);
          part.outboxIds.push(outcome.outboxId);
          if (outcome.created) part.created.push(entry.device.deviceId);
        }
      }
      return part;
    });
    const written = outcomes.flatMap((o) => o.written);
    const created = outcomes.flatMap((o) => o.created);
    const outboxIds = outcomes.flatMap((o) => o.outboxIds);
    return { changed: written, unchanged: devices.length - written.length, created, outboxIds };
  }

  /** Outbox entries whose device-changed messages may not have reached the match queue (oldest first). */
  async pendingMatches(): Promise<{ id: string; deviceIds: string[] }[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.matchOutbox('').pk },
    });
    return items.map((item) => ({
      id: String(item.sk),
      deviceIds: Array.isArray(item.deviceIds) ? item.deviceIds.map(String) : [],
    }));
  }

  async clearPendingMatches(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 25) {
      await this.table.doc.send(
        new BatchWriteCommand({
          RequestItems: {
            [this.table.tableName]: ids
              .slice(i, i + 25)
              .map((id) => ({ DeleteRequest: { Key: keys.matchOutbox(id) } })),
          },
        }),
      );
    }
  }

  /**
   * Every stored device of a source, as a full sync needs it. Read as many small key ranges side by side rather
   * than one long query: device ids are `<source>:<record id>`, so the source's range is cut on the record id's
   * first character (plus the ranges before and after it, so an id of another shape is still found). DynamoDB
   * Local pages one long range in time growing with the offset (100k devices: 40 s as one query, 3 s in ranges);
   * in AWS the ranges simply run in parallel.
   */
  async listSourceSummaries(source: string): Promise<StoredDeviceSummary[]> {
    const prefix = `${source}:`;
    const cuts = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'].map((c) => prefix + c);
    const bounds = [prefix, ...cuts, `${prefix}\uffff`];
    const ranges: { condition: string; values: Record<string, string> }[] = [
      { condition: 'gsi2sk < :lo', values: { ':lo': prefix } },
      ...bounds.slice(0, -1).map((lo, i) => ({
        condition: 'gsi2sk BETWEEN :lo AND :hi',
        values: { ':lo': lo, ':hi': bounds[i + 1] as string },
      })),
      { condition: 'gsi2sk > :hi', values: { ':hi': `${prefix}\uffff` } },
    ];
    const pages = await inParallel(ranges, (range) =>
      this.table.queryAll({
        IndexName: 'gsi2',
        KeyConditionExpression: `gsi2pk = :pk AND ${range.condition}`,
        FilterExpression: '#d.#src = :source',
        ProjectionExpression: '#d.deviceId, #d.sourceRecordId, #d.#st, contentHash',
        ExpressionAttributeNames: { '#d': 'device', '#src': 'source', '#st': 'status' },
        ExpressionAttributeValues: { ':pk': 'TYPE#DEVICE', ':source': source, ...range.values },
      }),
    );
    // BETWEEN is inclusive at both ends: an id equal to a cut is read twice.
    const byId = new Map<string, StoredDeviceSummary>();
    for (const item of pages.flat()) {
      const device = item.device as { deviceId: string; sourceRecordId: string; status: Device['status'] };
      byId.set(device.deviceId, {
        deviceId: device.deviceId,
        sourceRecordId: device.sourceRecordId,
        status: device.status,
        ...(typeof item.contentHash === 'string' ? { contentHash: item.contentHash } : {}),
      });
    }
    return [...byId.values()];
  }

  /** Writes one device over whatever is stored now; null when the stored content already equals it. */
  private async writeOneWithRetry(
    entry: PendingWrite,
    actor: Actor,
  ): Promise<{ outboxId: string; created: boolean } | null> {
    let current = entry;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return { outboxId: await this.writeChunk([current], actor), created: !current.previous };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        if (attempt >= CONFLICT_ATTEMPTS) {
          throw new TransientError(
            `Device ${entry.device.deviceId} kept changing under concurrent writers; retry the sync`,
            { cause: error },
          );
        }
      }
      const [previous] = await this.table.getMany([keys.device(entry.device.deviceId)], STORED_PROJECTION);
      if (previous?.contentHash === current.hash) return null;
      current = { ...current, previous };
    }
  }

  /**
   * Writes the devices, their audit events and one device-changed outbox entry in one transaction (a transactional
   * outbox: a crash after the write but before the queue send leaves the entry, and the next sync resends it).
   * Returns the outbox entry id.
   */
  private async writeChunk(chunk: readonly PendingWrite[], actor: Actor): Promise<string> {
    const at = this.now();
    const outboxId = `${at}#${randomUUID()}`;
    const created = chunk.filter((c) => !c.previous);
    // One event records every device this transaction creates, by id and content hash (the devices link to it).
    // The content is not copied: a device's content at creation is the "before" of its first update event, or the
    // device item itself while it has none, and the recorded hash proves which.
    const createdEvent: Record<string, unknown> | undefined =
      created.length > 0
        ? {
            ...auditItem({
              entity: `DEVICES_CREATED#${outboxId}`,
              action: DEVICES_CREATED,
              before: null,
              after: null,
              actor,
              at,
            }),
            createdHashes: Object.fromEntries(created.map((c) => [c.device.deviceId, c.hash])),
          }
        : undefined;
    const createdLink = createdEvent
      ? { pk: String(createdEvent.pk), sk: String(createdEvent.sk) }
      : undefined;
    await this.table.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.table.tableName,
              Item: {
                ...keys.matchOutbox(outboxId),
                type: 'OUTBOX',
                deviceIds: chunk.map((c) => c.device.deviceId),
                createdAt: at,
              },
            },
          },
          ...(createdEvent
            ? [
                {
                  Put: {
                    TableName: this.table.tableName,
                    Item: createdEvent,
                    ConditionExpression: AUDIT_CONDITION,
                  },
                },
              ]
            : []),
          ...chunk.flatMap(({ device, hash, previous }) => [
            {
              Put: {
                TableName: this.table.tableName,
                Item: {
                  ...keys.device(device.deviceId),
                  ...keys.deviceByManufacturer(deviceManufacturerKey(device), device.deviceId),
                  ...keys.byType('DEVICE', device.deviceId),
                  type: 'DEVICE',
                  device,
                  contentHash: hash,
                  updatedAt: at,
                  ...(previous
                    ? previous.createdAudit
                      ? { createdAudit: previous.createdAudit }
                      : {}
                    : { createdAudit: createdLink }),
                },
                // Optimistic concurrency: only replace the version we compared against.
                ConditionExpression: previous ? 'contentHash = :prev' : 'attribute_not_exists(pk)',
                ...(previous ? { ExpressionAttributeValues: { ':prev': previous.contentHash } } : {}),
              },
            },
            ...(previous
              ? [
                  {
                    Put: {
                      TableName: this.table.tableName,
                      Item: auditItem({
                        entity: `DEVICE#${device.deviceId}`,
                        action: 'DEVICE_UPDATED',
                        before: previous.device,
                        after: device,
                        actor,
                        at,
                      }),
                      ConditionExpression: AUDIT_CONDITION,
                    },
                  },
                ]
              : []),
          ]),
        ],
      }),
    );
    return outboxId;
  }

  async get(deviceId: string): Promise<Device | null> {
    const res = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.device(deviceId) }),
    );
    return res.Item ? Device.parse(res.Item.device) : null;
  }

  async listByManufacturer(manufacturerKey: string): Promise<Device[]> {
    const items = await this.table.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `MFR#${manufacturerKey}`, ':prefix': 'DEVICE#' },
    });
    return items.map((item) => Device.parse(item.device));
  }

  async listAll(): Promise<Device[]> {
    const items = await this.table.queryAll({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': 'TYPE#DEVICE' },
    });
    return items.map((item) => Device.parse(item.device));
  }

  async getWatermark(source: string): Promise<string | null> {
    const res = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.watermark(source) }),
    );
    return typeof res.Item?.watermark === 'string' ? res.Item.watermark : null;
  }

  /** Moves the watermark forward only: a slower concurrent sync can never move it back (that would only re-read). */
  async setWatermark(source: string, watermark: string): Promise<void> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...keys.watermark(source), type: 'WATERMARK', watermark, updatedAt: this.now() },
          ConditionExpression: 'attribute_not_exists(watermark) OR watermark < :watermark',
          ExpressionAttributeValues: { ':watermark': watermark },
        }),
      );
    } catch (error) {
      // A newer (or the same) watermark is stored already.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
