import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_REGION, type LocalStack, startLocalStack } from '../../local/stack';
import { contentHash } from '../../shared/adapters/dynamodb/audit';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { SqsMatchQueue } from '../../shared/adapters/sqs/sqs-queues';
import type { MatchMessage } from '../../shared/application/messages';
import type { DeviceSource, MatchQueue } from '../../shared/application/ports';
import { type SyncDevicesCommand, syncDevices } from '../../shared/application/sync-devices';
import { CsvInventorySource } from '../../shared/connectors/csv/inventory-csv';
import { seedDevices } from '../contract/cmms-connector.contract';
import { type FaultProxy, startFaultProxy } from '../contract/fault-proxy';
import { BASIC, serviceNowHarness } from '../contract/servicenow-harness';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const FULL: SyncDevicesCommand = { mode: 'full', actor: { actor: 'test', reason: 'full sync' } };
const INCREMENTAL: SyncDevicesCommand = {
  mode: 'incremental',
  actor: { actor: 'test', reason: 'incremental' },
};

const deviceIdOf = (message: MatchMessage): string =>
  message.type === 'device-changed' ? message.deviceId : '';

/** A match queue that records what it was sent (and can fail once, like a crash before the send). */
class RecordingQueue implements MatchQueue {
  readonly sent: MatchMessage[] = [];
  failNext = false;
  async send(messages: readonly MatchMessage[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('simulated crash between the store and the queue send');
    }
    this.sent.push(...messages);
  }
}

describe('syncDevices: ServiceNow simulator → DynamoDB Local', () => {
  let stack: LocalStack;
  let dynamodb: DynamoDBClient;
  let table: TableClient;
  let repository: DynamoDeviceRepository;
  let proxy: FaultProxy;
  let stopHarness: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    stack = await startLocalStack({ servicenow: false });
    dynamodb = new DynamoDBClient({
      region: LOCAL_REGION,
      credentials,
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
    });
    table = new TableClient(dynamodb, stack.tableNames.main);
    proxy = await startFaultProxy();
  });
  beforeEach(async () => {
    await stack.resetStore();
    repository = new DynamoDeviceRepository(table);
    proxy.reset();
  });
  afterEach(async () => {
    await stopHarness?.();
    stopHarness = undefined;
  });
  afterAll(async () => {
    await proxy?.stop();
    dynamodb?.destroy();
    await stack?.stop();
  });

  const harness = async (
    ...rest: Parameters<typeof serviceNowHarness> extends [unknown, ...infer R] ? R : never
  ) => {
    const h = await serviceNowHarness({ pageSize: 25, proxy, timeoutMs: 2000 }, ...rest);
    stopHarness = h.stop;
    return h;
  };
  const sync = (source: DeviceSource, queue: MatchQueue, command: SyncDevicesCommand) =>
    syncDevices({ source, devices: repository, matchQueue: queue }, command);
  /** The stored device set, as content hashes by device id. */
  const storedSet = async () =>
    new Map((await repository.listAll()).map((d) => [d.deviceId, contentHash(d)] as const));

  it('stores every device once, queues one device-changed message per change, and an unchanged re-sync writes nothing', async () => {
    const h = await harness();
    await h.addDevices(seedDevices(60, 'FS'));
    const queue = new RecordingQueue();
    const first = await sync(h.connector, queue, FULL);
    expect(first).toMatchObject({ read: 60, written: 60, unchanged: 0, created: 60, rejected: [] });
    expect(new Set(queue.sent.map(deviceIdOf)).size).toBe(60);
    expect((await repository.listAll()).length).toBe(60);
    expect(await repository.pendingMatches()).toEqual([]);

    const again = await sync(h.connector, queue, FULL);
    expect(again).toMatchObject({ written: 0, unchanged: 60, created: 0 });
    expect(queue.sent).toHaveLength(60);
  });

  it('an incremental sync reads only what changed since the stored watermark', async () => {
    const h = await harness();
    await h.addDevices(seedDevices(80, 'IN'));
    const queue = new RecordingQueue();
    await sync(h.connector, queue, FULL);
    h.advanceClock(60_000);
    for (const tag of ['IN-0005', 'IN-0040', 'IN-0077']) await h.updateDevice(tag, 'v9.0');
    const incremental = await sync(h.connector, queue, INCREMENTAL);
    expect(incremental.written).toBe(3);
    expect(incremental.read).toBeLessThanOrEqual(5); // the 3 edits, plus rows stamped in the watermark second
    expect((await repository.get(`servicenow:${h.seeder.sysIdOf('IN-0040')}`))?.softwareVersion).toBe('9.0');
  });

  it('full reconciliation marks devices gone from the CMMS as missing (kept, audited) and reports new ones', async () => {
    const h = await harness();
    await h.addDevices(seedDevices(20, 'RC'));
    const queue = new RecordingQueue();
    await sync(h.connector, queue, FULL);
    const goneA = h.seeder.sysIdOf('RC-0003');
    const goneB = h.seeder.sysIdOf('RC-0017');
    for (const sysId of [goneA, goneB]) {
      const res = await fetch(`${h.sim.url}/api/now/table/cmdb_ci_med_device/${sysId}`, {
        method: 'DELETE',
        headers: { Authorization: BASIC, Accept: 'application/json' },
      });
      expect(res.status).toBe(204);
    }
    await h.addDevices(seedDevices(1, 'NEWRC'));
    const report = await sync(h.connector, queue, FULL);
    expect(report.reconciliation?.missing.sort()).toEqual(
      [`servicenow:${goneA}`, `servicenow:${goneB}`].sort(),
    );
    expect(report.reconciliation?.newDevices).toEqual([`servicenow:${h.seeder.sysIdOf('NEWRC-0001')}`]);
    expect(report.reconciliation?.warnings).toEqual([]);
    expect((await repository.get(`servicenow:${goneA}`))?.status).toBe('missing');
    expect((await repository.listAll()).length).toBe(21);
    const audit = await table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `AUDIT#DEVICE#servicenow:${goneA}` },
    });
    expect(audit.map((a) => a.reason)).toContain(
      'full reconciliation: no longer in the CMMS (marked missing, not deleted)',
    );
    expect(queue.sent.filter((m) => deviceIdOf(m) === `servicenow:${goneA}`)).toHaveLength(2);

    const quiet = await sync(h.connector, queue, FULL);
    expect(quiet.reconciliation?.missing).toEqual([]);
    expect(quiet.written).toBe(0);
  });

  it('refuses to mark most of the inventory missing at once (a wrong table or ACL looks the same) and says why', async () => {
    const h = await harness();
    await h.addDevices(seedDevices(12, 'SF'));
    await sync(h.connector, new RecordingQueue(), FULL);
    for (const row of h.sim.list('cmdb_ci_med_device').slice(0, 9)) {
      await fetch(`${h.sim.url}/api/now/table/cmdb_ci_med_device/${row.sys_id}`, {
        method: 'DELETE',
        headers: { Authorization: BASIC, Accept: 'application/json' },
      });
    }
    const report = await sync(h.connector, new RecordingQueue(), FULL);
    expect(report.reconciliation?.missing).toEqual([]);
    expect(report.reconciliation?.warnings[0]).toMatch(
      /9 of 12 stored servicenow devices .* none were marked missing/,
    );
    expect((await repository.listAll()).filter((d) => d.status === 'missing')).toEqual([]);
  });

  it('a CSV row rejected this time is not mistaken for a device gone from the CMMS', async () => {
    const rows = (status: string) =>
      [
        'asset_tag,manufacturer,status',
        'C-1,Philips,in_service',
        `C-2,GE,${status}`,
        'C-3,Baxter,in_service',
      ].join('\n');
    await sync(new CsvInventorySource(rows('in_service')), new RecordingQueue(), FULL);
    const report = await sync(new CsvInventorySource(rows('exploded')), new RecordingQueue(), FULL);
    expect(report.rejected).toEqual([expect.objectContaining({ recordId: 'line 3', sourceRecordId: 'C-2' })]);
    expect(report.reconciliation?.missing).toEqual([]);
    expect((await repository.get('csv:C-2'))?.status).toBe('in_service');
  });

  it('stores cmdb_rel_ci connections on the device, so work orders can name what to re-test', async () => {
    const h = await harness();
    await h.addDevices(seedDevices(4, 'CN'));
    const type = h.sim.list('cmdb_rel_type').find((t) => t.name === 'Sends data to::Receives data from');
    const relType =
      type?.sys_id ?? h.sim.insert('cmdb_rel_type', { name: 'Sends data to::Receives data from' }).sys_id;
    const emr = h.sim.insert('cmdb_ci_hardware', { name: 'EMR interface engine' }).sys_id ?? '';
    h.sim.insert('cmdb_rel_ci', { parent: h.seeder.sysIdOf('CN-0002'), child: emr, type: relType ?? '' });
    await sync(h.connector, new RecordingQueue(), FULL);
    const stored = await repository.get(`servicenow:${h.seeder.sysIdOf('CN-0002')}`);
    expect(stored?.connectedTo).toEqual([
      {
        ref: `servicenow:${emr}`,
        name: 'EMR interface engine',
        type: 'Sends data to::Receives data from',
        direction: 'parent',
      },
    ]);
  });

  it('a crash between the store and the queue send loses no device-changed message: the next sync resends it', async () => {
    const h = await harness();
    await h.addDevices(seedDevices(30, 'OB'));
    const queue = new RecordingQueue();
    queue.failNext = true;
    await expect(sync(h.connector, queue, FULL)).rejects.toThrow(/simulated crash/);
    const pending = await repository.pendingMatches();
    expect(pending.flatMap((p) => p.deviceIds).length).toBeGreaterThan(0);
    const report = await sync(h.connector, queue, FULL);
    const delivered = new Set(queue.sent.map(deviceIdOf));
    expect(delivered.size).toBe(30);
    expect(report.resent).toBe(pending.flatMap((p) => p.deviceIds).length);
    expect(await repository.pendingMatches()).toEqual([]);
  });

  it('device-changed messages reach the real match queue (SQS)', async () => {
    const h = await harness();
    await h.addDevices(seedDevices(3, 'SQ'));
    const sqs = new SQSClient({
      region: LOCAL_REGION,
      credentials,
      endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
      useQueueUrlAsEndpoint: false,
    });
    try {
      const queueUrl = stack.queueUrls.match;
      await sync(h.connector, new SqsMatchQueue(sqs, queueUrl), FULL);
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const ids = (received.Messages ?? []).map((m) =>
        deviceIdOf(JSON.parse(m.Body ?? '{}') as MatchMessage),
      );
      expect(ids.sort()).toEqual(
        h.sim
          .list('cmdb_ci_med_device')
          .map((r) => `servicenow:${r.sys_id}`)
          .sort(),
      );
    } finally {
      sqs.destroy();
    }
  });

  it('with 20% injected faults (5xx, drops) and a rate limit, the synced set equals a fault-free run and every Retry-After is honoured', async () => {
    // The simulator clock follows real time plus a shift we control, so its rate-limit hour can be made to end a
    // few seconds into the faulty sync.
    let shift = new Date('2025-03-01T10:00:00Z').getTime() - Date.now();
    const h = await harness({}, { now: () => new Date(Date.now() + shift) });
    await h.addDevices(seedDevices(200, 'FT'));
    const types = new Map(h.sim.list('cmdb_rel_type').map((t) => [t.name, t.sys_id ?? '']));
    for (let i = 1; i < 40; i += 3) {
      h.sim.insert('cmdb_rel_ci', {
        parent: h.seeder.sysIdOf(`FT-${String(i).padStart(4, '0')}`),
        child: h.seeder.sysIdOf(`FT-${String(i + 1).padStart(4, '0')}`),
        type: types.get('Connects to::Connected by') ?? '',
      });
    }

    const before = h.sim.requestCount();
    await sync(h.connector, new RecordingQueue(), FULL);
    const faultFreeRequests = h.sim.requestCount() - before;
    const faultFree = await storedSet();
    expect(faultFree.size).toBe(200);

    await stack.resetStore();
    proxy.reset();
    h.sim.setFaults({ errorRate: 0.1, dropRate: 0.1 });
    // Faulted requests are not counted by the limiter, so the sync needs about faultFreeRequests admitted ones:
    // the current hour (ending in 6 s) admits 70% of them, then 429 + Retry-After until the next hour admits the rest.
    const simNow = h.sim.now().getTime();
    let boundary = Math.ceil(simNow / 3_600_000) * 3_600_000;
    if (boundary - 6000 < simNow) boundary += 3_600_000;
    shift += boundary - 6000 - simNow;
    h.sim.setRateLimits([{ requestsPerHour: Math.ceil(faultFreeRequests * 0.7) }]);
    const report = await sync(h.connector, new RecordingQueue(), FULL);
    h.sim.setFaults({});
    expect(report.rejected).toEqual([]);
    expect(await storedSet()).toEqual(faultFree);

    const faults = proxy.log.filter(
      (e) => e.status === 'reset' || (typeof e.status === 'number' && e.status >= 500),
    );
    expect(faults.length).toBeGreaterThan(0);
    const limited = proxy.log.filter((e) => e.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    for (const entry of limited) {
      const waitUntil = entry.at + Number(entry.retryAfter) * 1000;
      const early = proxy.log.filter((e) => e.at > entry.at && e.at < waitUntil);
      expect(early).toEqual([]);
    }
  });
});
