import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor, DeviceRepository } from '../../application/ports';
import { Device } from '../../domain/device';
import { deviceManufacturerKey } from '../../domain/matching';
import { AUDIT_CONDITION, auditItem, contentHash } from './audit';
import { keys } from './keys';
import type { Item, TableClient } from './table-client';

const DEVICES_PER_TRANSACTION = 50; // two items each (device + audit event): DynamoDB's limit is 100

export class DynamoDeviceRepository implements DeviceRepository {
  constructor(
    private readonly table: TableClient,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  async saveChanged(
    devices: readonly Device[],
    actor: Actor,
  ): Promise<{ changed: Device[]; unchanged: number }> {
    const stored = await this.table.getMany(
      devices.map((d) => keys.device(d.deviceId)),
      ['contentHash', 'device'],
    );
    const storedByPk = new Map(stored.map((item) => [String(item.pk), item]));
    const changed: { device: Device; hash: string; previous: Item | undefined }[] = [];
    for (const device of devices) {
      const hash = contentHash(device);
      const previous = storedByPk.get(keys.device(device.deviceId).pk);
      if (previous?.contentHash !== hash) changed.push({ device, hash, previous });
    }
    for (let i = 0; i < changed.length; i += DEVICES_PER_TRANSACTION) {
      const chunk = changed.slice(i, i + DEVICES_PER_TRANSACTION);
      try {
        await this.writeChunk(chunk, actor);
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        // A concurrent writer touched one device of the chunk: write one by one so the others still land.
        for (const entry of chunk) {
          try {
            await this.writeChunk([entry], actor);
          } catch (inner) {
            if (!(inner instanceof TransactionCanceledException)) throw inner;
          }
        }
      }
    }
    return { changed: changed.map((c) => c.device), unchanged: devices.length - changed.length };
  }

  private async writeChunk(
    chunk: readonly { device: Device; hash: string; previous: Item | undefined }[],
    actor: Actor,
  ): Promise<void> {
    const at = this.now();
    await this.table.doc.send(
      new TransactWriteCommand({
        TransactItems: chunk.flatMap(({ device, hash, previous }) => [
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
              },
              // Optimistic concurrency: only replace the version we compared against.
              ConditionExpression: previous ? 'contentHash = :prev' : 'attribute_not_exists(pk)',
              ...(previous ? { ExpressionAttributeValues: { ':prev': previous.contentHash } } : {}),
            },
          },
          {
            Put: {
              TableName: this.table.tableName,
              Item: auditItem({
                entity: `DEVICE#${device.deviceId}`,
                action: previous ? 'DEVICE_UPDATED' : 'DEVICE_CREATED',
                before: previous?.device ?? null,
                after: device,
                actor,
                at,
              }),
              ConditionExpression: AUDIT_CONDITION,
            },
          },
        ]),
      }),
    );
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

  async setWatermark(source: string, watermark: string): Promise<void> {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.tableName,
        Item: { ...keys.watermark(source), type: 'WATERMARK', watermark, updatedAt: this.now() },
      }),
    );
  }
}
