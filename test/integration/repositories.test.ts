import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { LOCAL_REGION, type LocalStack, startLocalStack } from '../../local/stack';
import { DynamoAdvisoryRepository } from '../../shared/adapters/dynamodb/advisory-repository';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { type Item, TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoWorkOrderRepository } from '../../shared/adapters/dynamodb/work-order-repository';
import { SnsAlertPublisher } from '../../shared/adapters/sns/sns-alert-publisher';
import type { Actor, AuditEvent, StakeholderAlert } from '../../shared/application/ports';
import type { Device } from '../../shared/domain/device';
import { WorkOrder } from '../../shared/domain/work-order';
import { aDevice, aFinding, anAdvisory } from '../unit/domain-builders';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const SYNC: Actor = { actor: 'test-sync', reason: 'integration test' };

/** Devices with distinct ids per test, so tests never see each other's items. */
function devices(prefix: string, count: number): Device[] {
  return Array.from({ length: count }, (_, i) =>
    aDevice({
      deviceId: `csv:${prefix}-${i}`,
      sourceRecordId: `${prefix}-${i}`,
      assetTag: `${prefix}-${i}`,
      softwareVersion: 'M.00.03',
    }),
  );
}

describe('DynamoDB and SNS adapters against DynamoDB Local and fauxqs', () => {
  let stack: LocalStack;
  let dynamodb: DynamoDBClient;
  let table: TableClient;

  /** An entity's audit trail as operators and the audit export read it. */
  const auditEvents = (entity: string): Promise<AuditEvent[]> =>
    new DynamoAuditRepository(table).listByEntity(entity);
  const rawItem = async (pk: string, sk: string): Promise<Item | undefined> =>
    (await table.doc.send(new GetCommand({ TableName: table.tableName, Key: { pk, sk } }))).Item;

  beforeAll(async () => {
    stack = await startLocalStack({ servicenow: false });
    dynamodb = new DynamoDBClient({
      region: LOCAL_REGION,
      credentials,
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
    });
    table = new TableClient(dynamodb, stack.tableNames.main);
  });

  afterAll(async () => {
    dynamodb?.destroy();
    await stack?.stop();
  });

  describe('DynamoDeviceRepository.saveChanged', () => {
    it('writes new devices, each with exactly one DEVICE_CREATED audit event', async () => {
      const repo = new DynamoDeviceRepository(table);
      const batch = devices('NEW', 120); // more than one 50-device transaction
      const result = await repo.saveChanged(batch, SYNC);
      expect(result.changed.map((d) => d.deviceId)).toEqual(batch.map((d) => d.deviceId));
      expect(result.unchanged).toBe(0);
      const eventIds = new Set<string>();
      for (const device of batch) {
        expect(await repo.get(device.deviceId)).toEqual(device);
        const events = await auditEvents(`DEVICE#${device.deviceId}`);
        expect(events.map((e) => [e.action, e.actor, e.entity])).toEqual([
          ['DEVICE_CREATED', 'test-sync', `DEVICE#${device.deviceId}`],
        ]);
        // The creation event carries the device's content as stored.
        expect(JSON.parse(String(events[0]?.after))).toEqual(JSON.parse(JSON.stringify(device)));
        expect(events[0]?.before).toBeNull();
        eventIds.add(String(events[0]?.eventId));
      }
      expect(eventIds.size).toBe(batch.length);
      // The creations of one transaction share one stored event (one item, not one per device).
      const shared = await table.queryAll({
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': 'TYPE#DEVICE' },
      });
      const links = new Set(
        shared
          .filter((item) => batch.some((d) => `DEVICE#${d.deviceId}` === item.pk))
          .map((item) => JSON.stringify(item.createdAudit)),
      );
      expect(links.size).toBe(2); // 120 devices: two transactions of at most 98 creations
      expect((await repo.listByManufacturer('philips')).map((d) => d.deviceId)).toEqual(
        expect.arrayContaining(batch.map((d) => d.deviceId)),
      );
    });

    it('writes only the changed devices on a re-save, and nothing at all when nothing changed', async () => {
      let clock = '2025-06-01T00:00:00.000Z';
      const repo = new DynamoDeviceRepository(table, () => clock);
      const batch = devices('RESAVE', 5);
      await repo.saveChanged(batch, SYNC);

      clock = '2025-06-02T00:00:00.000Z';
      const unchanged = await repo.saveChanged(batch, SYNC);
      expect(unchanged).toMatchObject({ changed: [], unchanged: 5 });

      clock = '2025-06-03T00:00:00.000Z';
      const edited = batch.map((d, i) => (i === 2 ? { ...d, softwareVersion: 'M.00.04' } : d));
      const second = await repo.saveChanged(edited, SYNC);
      expect(second.changed.map((d) => d.deviceId)).toEqual(['csv:RESAVE-2']);
      expect(second.unchanged).toBe(4);

      for (const [i, device] of batch.entries()) {
        const item = await rawItem(`DEVICE#${device.deviceId}`, '#DEVICE');
        const events = await auditEvents(`DEVICE#${device.deviceId}`);
        if (i === 2) {
          expect(item?.updatedAt).toBe('2025-06-03T00:00:00.000Z');
          expect(events.map((e) => e.action)).toEqual(['DEVICE_CREATED', 'DEVICE_UPDATED']);
          const update = events[1] as AuditEvent;
          expect(JSON.parse(String(update.before)).softwareVersion).toBe('M.00.03');
          expect(JSON.parse(String(update.after)).softwareVersion).toBe('M.00.04');
        } else {
          // Not rewritten on the 2nd or 3rd save: its stamp is still the first one, and one audit event only.
          expect(item?.updatedAt).toBe('2025-06-01T00:00:00.000Z');
          expect(events.map((e) => e.action)).toEqual(['DEVICE_CREATED']);
        }
      }
    });

    it("keeps each device's content at creation provable from the chain of its later versions", async () => {
      const repo = new DynamoDeviceRepository(table);
      const [original] = devices('CHAIN', 1) as [Device];
      await repo.saveChanged([original], SYNC);
      await repo.saveChanged([{ ...original, softwareVersion: 'M.00.07' }], SYNC);
      await repo.saveChanged([{ ...original, softwareVersion: 'M.00.09', location: 'OR 2' }], SYNC);
      const events = await auditEvents(`DEVICE#${original.deviceId}`);
      expect(events.map((e) => e.action)).toEqual(['DEVICE_CREATED', 'DEVICE_UPDATED', 'DEVICE_UPDATED']);
      // The creation shows the first content, not the current one.
      expect(JSON.parse(String(events[0]?.after))).toEqual(JSON.parse(JSON.stringify(original)));
      expect(JSON.parse(String(events[2]?.after)).location).toBe('OR 2');

      // A device item changed behind the store's back (no event) no longer proves its creation content.
      const [tampered] = devices('TAMPER', 1) as [Device];
      await repo.saveChanged([tampered], SYNC);
      const item = await rawItem(`DEVICE#${tampered.deviceId}`, '#DEVICE');
      await table.doc.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { ...item, device: { ...(item?.device as object), location: 'rewritten' } },
        }),
      );
      const trail = await auditEvents(`DEVICE#${tampered.deviceId}`);
      expect(trail.map((e) => e.action)).toEqual(['DEVICE_CREATED']);
      expect(trail[0]?.after).toBeNull();
    });

    it('keeps the rest of a transaction chunk when a concurrent writer changed one of its devices', async () => {
      const batch = devices('RACE', 6);
      const setup = new DynamoDeviceRepository(table, () => '2025-06-01T00:00:00.000Z');
      await setup.saveChanged(batch, SYNC);
      const contested = batch[3] as Device;
      const concurrent = new DynamoDeviceRepository(table, () => '2025-06-02T00:00:00.000Z');

      // Another writer changes device 3 right after this sync has read the stored versions.
      class RacingTable extends TableClient {
        raced = false;
        override async getMany(keyList: readonly { pk: string; sk: string }[], projection?: string[]) {
          const items = await super.getMany(keyList, projection);
          if (!this.raced) {
            this.raced = true;
            await concurrent.saveChanged([{ ...contested, location: 'moved by another writer' }], {
              actor: 'other-writer',
              reason: 'race',
            });
          }
          return items;
        }
      }
      const racing = new RacingTable(dynamodb, stack.tableNames.main);
      const repo = new DynamoDeviceRepository(racing, () => '2025-06-03T00:00:00.000Z');
      const edited = batch.map((d) => ({ ...d, softwareVersion: 'M.00.05' }));
      const result = await repo.saveChanged(edited, SYNC);

      expect(racing.raced).toBe(true);
      for (const device of edited) {
        if (device.deviceId === contested.deviceId) continue;
        expect((await repo.get(device.deviceId))?.softwareVersion, device.deviceId).toBe('M.00.05');
        const events = await auditEvents(`DEVICE#${device.deviceId}`);
        expect(events.map((e) => e.action)).toEqual(['DEVICE_CREATED', 'DEVICE_UPDATED']);
      }
      // The contested device is compared again with what the other writer stored, then written over it:
      // reported as changed, stored, and its audit trail shows both writes in order.
      expect(result.changed.map((d) => d.deviceId)).toEqual(edited.map((d) => d.deviceId));
      expect(await repo.get(contested.deviceId)).toEqual(edited[3]);
      const contestedEvents = await auditEvents(`DEVICE#${contested.deviceId}`);
      expect(contestedEvents.map((e) => `${e.action}:${e.actor}`)).toEqual([
        'DEVICE_CREATED:test-sync',
        'DEVICE_UPDATED:other-writer',
        'DEVICE_UPDATED:test-sync',
      ]);
      expect(JSON.parse(String(contestedEvents[2]?.before)).location).toBe('moved by another writer');
    });

    it("with a full sync's snapshot of stored hashes, reads only the changed stored devices, never unchanged or new ones", async () => {
      const batch = devices('SNAP', 8);
      await new DynamoDeviceRepository(table).saveChanged(batch.slice(0, 6), SYNC);
      const snapshot = new Map(
        (await new DynamoDeviceRepository(table).listSourceSummaries('csv'))
          .filter((d) => d.deviceId.startsWith('csv:SNAP-'))
          .map((d) => [d.deviceId, d.contentHash]),
      );
      expect(snapshot.size).toBe(6);
      expect([...snapshot.values()].every((h) => typeof h === 'string' && h.length > 0)).toBe(true);

      class CountingTable extends TableClient {
        readKeys: string[] = [];
        override async getMany(keyList: readonly { pk: string; sk: string }[], projection?: string[]) {
          this.readKeys.push(...keyList.map((k) => k.pk));
          return super.getMany(keyList, projection);
        }
      }
      const counting = new CountingTable(dynamodb, stack.tableNames.main);
      // Devices 0-3 unchanged, 4-5 edited, 6-7 new.
      const next = batch.map((d, i) => (i === 4 || i === 5 ? { ...d, location: 'Ward 9' } : d));
      const result = await new DynamoDeviceRepository(counting).saveChanged(next, SYNC, snapshot);

      expect(counting.readKeys.sort()).toEqual([
        `DEVICE#${batch[4]?.deviceId}`,
        `DEVICE#${batch[5]?.deviceId}`,
      ]);
      expect(result.changed.map((d) => d.deviceId).sort()).toEqual(
        [4, 5, 6, 7].map((i) => batch[i]?.deviceId).sort(),
      );
      expect(result.created.sort()).toEqual([batch[6]?.deviceId, batch[7]?.deviceId].sort());
      expect(result.unchanged).toBe(4);
      const edited = await auditEvents(`DEVICE#${batch[4]?.deviceId}`);
      expect(edited.map((e) => e.action)).toEqual(['DEVICE_CREATED', 'DEVICE_UPDATED']);
      expect(JSON.parse(String(edited[1]?.before)).location).toBe(batch[4]?.location);
    });

    it('a device the snapshot calls new but another writer stored meanwhile is compared, not overwritten blindly', async () => {
      const [device] = devices('SNAPRACE', 1) as [Device];
      const emptySnapshot = new Map<string, string | undefined>();
      // Another writer stores the device after the snapshot was taken.
      await new DynamoDeviceRepository(table).saveChanged([{ ...device, location: 'elsewhere' }], {
        actor: 'other-writer',
        reason: 'race',
      });
      const result = await new DynamoDeviceRepository(table).saveChanged([device], SYNC, emptySnapshot);
      expect(result.changed).toEqual([device]);
      expect(result.created).toEqual([]);
      expect(await new DynamoDeviceRepository(table).get(device.deviceId)).toEqual(device);
      const events = await auditEvents(`DEVICE#${device.deviceId}`);
      expect(events.map((e) => `${e.action}:${e.actor}`)).toEqual([
        'DEVICE_CREATED:other-writer',
        'DEVICE_UPDATED:test-sync',
      ]);

      // And when the other writer stored exactly this content, nothing is written a second time.
      const [same] = devices('SNAPSAME', 1) as [Device];
      await new DynamoDeviceRepository(table).saveChanged([same], { actor: 'other-writer', reason: 'race' });
      const again = await new DynamoDeviceRepository(table).saveChanged([same], SYNC, emptySnapshot);
      expect(again.changed).toEqual([]);
      expect((await auditEvents(`DEVICE#${same.deviceId}`)).length).toBe(1);
    });

    it('lists every stored device of a source exactly once, whatever its id looks like, and none of another source', async () => {
      const repo = new DynamoDeviceRepository(table);
      const shaped = (deviceId: string, source: string) =>
        aDevice({ deviceId, source, sourceRecordId: deviceId, assetTag: deviceId });
      const ids = [
        'lst:0',
        'lst:1', // equal to a range cut: read by two inclusive ranges, listed once
        'lst:9f2c',
        'lst:A-100',
        'lst:Z',
        'lst:abc',
        'lst:z',
        'lst:zz-top',
        'lst:~tilde',
        'lst:-dash',
        'lst:Ümlaut',
        'lst:😀',
        'lst:',
        'odd-id-without-prefix',
        'zzz-after-everything',
      ];
      await repo.saveChanged(
        ids.map((id) => shaped(id, 'lst')),
        SYNC,
      );
      await repo.saveChanged([shaped('lst2:0', 'lst2'), shaped('lst:other-source', 'lst2')], SYNC);
      const listed = await repo.listSourceSummaries('lst');
      expect(listed.map((d) => d.deviceId).sort()).toEqual([...ids].sort());
      expect(listed.every((d) => d.status === 'in_service' && typeof d.contentHash === 'string')).toBe(true);
    });

    it('moves a source watermark forward only, whatever order concurrent syncs finish in', async () => {
      const repo = new DynamoDeviceRepository(table);
      expect(await repo.getWatermark('wm-test')).toBeNull();
      await repo.setWatermark('wm-test', '2025-06-02 10:00:00');
      await repo.setWatermark('wm-test', '2025-06-01 09:00:00'); // a slower sync finishing late
      expect(await repo.getWatermark('wm-test')).toBe('2025-06-02 10:00:00');
      await repo.setWatermark('wm-test', '2025-06-03 08:00:00');
      expect(await repo.getWatermark('wm-test')).toBe('2025-06-03 08:00:00');
    });

    it('stores a device named twice in one call once, with its last content', async () => {
      const repo = new DynamoDeviceRepository(table);
      const [first] = devices('TWICE', 1) as [Device];
      const last = { ...first, location: 'Ward 7' };
      const result = await repo.saveChanged([first, last], SYNC);
      expect(result.changed).toEqual([last]);
      expect(await repo.get(first.deviceId)).toEqual(last);
      expect((await auditEvents(`DEVICE#${first.deviceId}`)).length).toBe(1);
    });
  });

  describe('DynamoAdvisoryRepository.saveIfNewer', () => {
    const advisoryId = 'ICSMA-99-001-01';
    const gePump = {
      productId: 'CSAFPID-0002',
      vendor: 'GE Healthcare',
      manufacturerKey: 'ge-healthcare',
      productName: 'CARESCAPE B450',
      productFamily: '',
      fullName: 'CARESCAPE B450: all',
      versionSpec: { raw: 'all', kind: 'all' as const },
      modelNumbers: [],
    };

    it('stores a new advisory, replaces it with a newer version only, and keeps the manufacturer index exact', async () => {
      const repo = new DynamoAdvisoryRepository(table);
      const v1 = anAdvisory({ advisoryId, trackingVersion: '1' });
      expect(await repo.saveIfNewer(v1, SYNC)).toBe(true);
      expect(await repo.idsByManufacturer('philips')).toContain(advisoryId);

      expect(await repo.saveIfNewer({ ...v1, title: 'same version, other title' }, SYNC)).toBe(false);
      expect((await repo.get(advisoryId))?.title).toBe(v1.title);

      // Version 2 names GE Healthcare instead of Philips: the Philips index item goes, a GE one comes.
      const v2 = anAdvisory({ advisoryId, trackingVersion: '2', title: 'revised', products: [gePump] });
      expect(await repo.saveIfNewer(v2, SYNC)).toBe(true);
      expect(await repo.get(advisoryId)).toEqual(v2);
      expect(await repo.idsByManufacturer('philips')).not.toContain(advisoryId);
      expect(await repo.idsByManufacturer('ge-healthcare')).toContain(advisoryId);

      expect(await repo.saveIfNewer(v1, SYNC)).toBe(false); // an older version never replaces a newer one
      expect((await repo.get(advisoryId))?.trackingVersion).toBe('2');
      expect(await repo.idsByManufacturer('philips')).not.toContain(advisoryId);

      const events = await auditEvents(`ADVISORY#${advisoryId}`);
      expect(events.map((e) => e.action)).toEqual(['ADVISORY_CREATED', 'ADVISORY_REVISED']);
    });
  });

  describe('DynamoFindingRepository.save', () => {
    it('writes a finding with its audit event, writes nothing when only the timestamp differs', async () => {
      const repo = new DynamoFindingRepository(table);
      const finding = aFinding({
        deviceId: 'csv:F-1',
        findingId: 'csv:F-1|ICSMA-20-049-01',
        assetTag: 'F-1',
      });
      expect(await repo.save(finding, null, SYNC)).toBe(true);
      const again = { ...finding, updatedAt: '2025-07-01T00:00:00.000Z' };
      expect(await repo.save(again, finding, SYNC)).toBe(false);
      expect(await repo.get('csv:F-1', finding.advisoryId)).toEqual(finding);
      expect((await auditEvents('DEVICE#csv:F-1')).map((e) => e.action)).toEqual(['FINDING_CREATED']);
      expect((await repo.listByAdvisory(finding.advisoryId)).map((f) => f.deviceId)).toContain('csv:F-1');
    });

    it('is conditional on the version read: a stale writer fails and leaves the newer finding', async () => {
      const repo = new DynamoFindingRepository(table);
      const read = aFinding({ deviceId: 'csv:F-2', findingId: 'csv:F-2|ICSMA-20-049-01', assetTag: 'F-2' });
      await repo.save(read, null, SYNC);
      const writerA = { ...read, action: 'APPLY_MITIGATION' as const, updatedAt: '2025-06-02T00:00:00.000Z' };
      const writerB = { ...read, remediationState: 'MITIGATED' as const };
      expect(await repo.save(writerA, read, SYNC)).toBe(true);
      await expect(repo.save(writerB, read, SYNC)).rejects.toThrow(/ConditionalCheckFailed|cancel/i);
      await expect(repo.save(read, null, SYNC)).rejects.toThrow(/ConditionalCheckFailed|cancel/i);
      expect(await repo.get('csv:F-2', read.advisoryId)).toEqual(writerA);
      expect((await auditEvents('DEVICE#csv:F-2')).map((e) => e.action)).toEqual([
        'FINDING_CREATED',
        'FINDING_UPDATED',
      ]);
    });
  });

  describe('DynamoWorkOrderRepository', () => {
    const planned = (revision: string): WorkOrder =>
      WorkOrder.parse({
        correlationId: 'wo-it-1',
        kind: 'APPLY_MITIGATION',
        assetTags: ['BIO-1'],
        deviceIds: ['csv:BIO-1'],
        advisoryIds: ['ICSMA-20-049-01'],
        cves: ['CVE-2020-6961'],
        decision: 'SCHEDULED',
        priority: 3,
        dueDate: '2025-07-01',
        validationStatus: 'UNKNOWN',
        shortDescription: 'Isolate the monitor',
        description: 'Apply the interim mitigation',
        mitigation: 'VLAN',
        validationEvidence: '',
        revision,
      } satisfies z.input<typeof WorkOrder>);

    it('saves a plan only on a new revision and records which revision was dispatched', async () => {
      const repo = new DynamoWorkOrderRepository(table);
      expect(await repo.dispatchedRevision('wo-it-1')).toBeNull();
      expect(await repo.savePlanned(planned('r1'), SYNC)).toBe(true);
      expect(await repo.savePlanned(planned('r1'), SYNC)).toBe(false);
      expect(await repo.get('wo-it-1')).toEqual(planned('r1'));

      await repo.markDispatched('wo-it-1', 'r1', 'CHG0000001');
      expect(await repo.dispatchedRevision('wo-it-1')).toBe('r1');
      expect((await repo.get('wo-it-1'))?.cmmsRef).toBe('CHG0000001');

      // A new revision replaces the plan but keeps the CMMS reference and the last dispatched revision.
      expect(await repo.savePlanned({ ...planned('r2'), priority: 2 }, SYNC)).toBe(true);
      expect(await repo.get('wo-it-1')).toEqual({ ...planned('r2'), priority: 2, cmmsRef: 'CHG0000001' });
      expect(await repo.dispatchedRevision('wo-it-1')).toBe('r1');
      expect((await repo.listAll()).map((w) => w.correlationId)).toContain('wo-it-1');
      expect((await auditEvents('WORKORDER#wo-it-1')).map((e) => e.action)).toEqual([
        'WORK_ORDER_PLANNED',
        'WORK_ORDER_REVISED',
      ]);
    });

    it('refuses to mark an unknown work order as dispatched', async () => {
      const repo = new DynamoWorkOrderRepository(table);
      await expect(repo.markDispatched('wo-never-planned', 'r1', 'CHG0000009')).rejects.toThrow(
        /conditional/i,
      );
      expect(await rawItem('WORKORDER#wo-never-planned', '#WORKORDER')).toBeUndefined();
    });
  });

  describe('SnsAlertPublisher.publishOnce', () => {
    let sns: SNSClient;
    let sqs: SQSClient;

    beforeAll(() => {
      sns = new SNSClient({ region: LOCAL_REGION, credentials, endpoint: stack.env.AWS_ENDPOINT_URL_SNS });
      sqs = new SQSClient({
        region: LOCAL_REGION,
        credentials,
        endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
        useQueueUrlAsEndpoint: false,
      });
    });

    afterAll(() => {
      sns?.destroy();
      sqs?.destroy();
    });

    /** Every delivery the alert-capture queue received (the SNS envelope), removing them. */
    async function captured(): Promise<
      { Message: string; MessageAttributes: Record<string, { Value: string }> }[]
    > {
      const out: { Message: string; MessageAttributes: Record<string, { Value: string }> }[] = [];
      for (;;) {
        const res = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: stack.alertCaptureQueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        const messages = res.Messages ?? [];
        if (messages.length === 0) return out;
        out.push(...messages.map((m) => JSON.parse(m.Body ?? '{}')));
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: stack.alertCaptureQueueUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
      }
    }

    const alert = (eventId: string, sms?: string): StakeholderAlert => ({
      eventId,
      ...(sms === undefined ? {} : { sms }),
      subject: `Patch alert ${eventId}`,
      body: 'Isolate the monitors',
      attributes: {
        decision: 'IMMEDIATE',
        action: 'APPLY_MITIGATION',
        department: 'ICU',
        deviceType: '',
        severity: 'critical',
      },
    });

    it('publishes once per event id through SNS; a replay publishes nothing', async () => {
      const publisher = new SnsAlertPublisher(sns, stack.topicArns.stakeholderAlerts, table);
      expect(await publisher.publishOnce(alert('evt-1'))).toBe(true);
      expect(await publisher.publishOnce(alert('evt-1'))).toBe(false);
      expect(await publisher.publishOnce(alert('evt-2', 'ICU monitors: isolate'))).toBe(true);

      const deliveries = await captured();
      const sent = deliveries.map(
        (d) => `${d.MessageAttributes.eventId?.Value}/${d.MessageAttributes.channel?.Value}`,
      );
      expect(sent.sort()).toEqual(['evt-1/email', 'evt-2/email', 'evt-2/sms']);
      const sms = deliveries.find((d) => d.MessageAttributes.channel?.Value === 'sms');
      expect(sms?.Message).toBe('ICU monitors: isolate');
      const first = deliveries.find((d) => d.MessageAttributes.eventId?.Value === 'evt-1');
      expect(first?.Message).toBe('Isolate the monitors');
      expect(first?.MessageAttributes.department?.Value).toBe('ICU');
      expect(first?.MessageAttributes.deviceType?.Value).toBe('unknown'); // SNS refuses empty attribute values

      expect(await publisher.publishOnce(alert('evt-2', 'ICU monitors: isolate'))).toBe(false);
      expect(await captured()).toEqual([]);
    });

    it('forgets the event when SNS refuses it, so the retry publishes', async () => {
      const missingTopic = stack.topicArns.stakeholderAlerts.replace(/[^:]+$/, 'no-such-topic');
      const failing = new SnsAlertPublisher(sns, missingTopic, table);
      await expect(failing.publishOnce(alert('evt-3'))).rejects.toThrow();

      const publisher = new SnsAlertPublisher(sns, stack.topicArns.stakeholderAlerts, table);
      expect(await publisher.publishOnce(alert('evt-3'))).toBe(true);
      expect((await captured()).map((d) => d.MessageAttributes.eventId?.Value)).toEqual(['evt-3']);
    });
  });
});
