import { describe, expect, it } from 'vitest';
import type {
  DevicePage,
  DeviceRepository,
  MatchQueue,
  StoredDeviceHashes,
} from '../../shared/application/ports';
import { syncDevices } from '../../shared/application/sync-devices';
import type { Device } from '../../shared/domain/device';
import { aDevice } from './domain-builders';

const ACTOR = { actor: 'test', reason: 'unit test' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A device store that takes `delayFor(page)` ms per save and remembers what it stored, in order. */
class SlowStore implements Pick<DeviceRepository, 'saveChanged' | 'getWatermark' | 'setWatermark'> {
  stored = new Map<string, Device>();
  events: string[] = [];
  watermarks: string[] = [];
  private call = 0;
  constructor(private readonly delayFor: (call: number) => number) {}
  async saveChanged(devices: readonly Device[], _actor: unknown, _stored?: StoredDeviceHashes) {
    const call = this.call++;
    this.events.push(`start ${call}`);
    await sleep(this.delayFor(call));
    for (const device of devices) this.stored.set(device.deviceId, device);
    this.events.push(`end ${call}`);
    return { changed: [...devices], unchanged: 0, created: [], outboxIds: [] };
  }
  async getWatermark() {
    return this.watermarks.at(-1) ?? null;
  }
  async setWatermark(_source: string, watermark: string) {
    this.watermarks.push(watermark);
  }
}

function deps(pages: DevicePage[], store: SlowStore) {
  const devices = {
    ...store,
    saveChanged: store.saveChanged.bind(store),
    getWatermark: store.getWatermark.bind(store),
    setWatermark: store.setWatermark.bind(store),
    get: async () => null,
    listByManufacturer: async () => [],
    listAll: async () => [],
  } as DeviceRepository;
  const matchQueue: MatchQueue = { send: async () => undefined };
  return {
    source: {
      sourceName: 'csv',
      async *readDevices() {
        for (const page of pages) yield page;
      },
    },
    devices,
    matchQueue,
  };
}

const device = (tag: string, version: string, stamp: string) =>
  aDevice({
    deviceId: `csv:${tag}`,
    sourceRecordId: tag,
    assetTag: tag,
    softwareVersion: version,
    sourceUpdatedAt: stamp,
  });

describe('syncDevices stores pages side by side but finishes them in order', () => {
  it('stores the next page while a slow one is still being stored, and moves the watermark in page order', async () => {
    // Page 0 is slow: page 1 starts before it ends, yet the watermark never passes page 0 before it is stored.
    const store = new SlowStore((call) => (call === 0 ? 60 : 5));
    const pages: DevicePage[] = [
      { devices: [device('A', '1', '2025-01-01 00:00:01')], rejected: [] },
      { devices: [device('B', '1', '2025-01-01 00:00:02')], rejected: [] },
      { devices: [device('C', '1', '2025-01-01 00:00:03')], rejected: [] },
    ];
    const report = await syncDevices(deps(pages, store), { mode: 'incremental', actor: ACTOR });
    expect(store.events.indexOf('start 1')).toBeLessThan(store.events.indexOf('end 0'));
    expect(store.watermarks).toEqual(['2025-01-01 00:00:01', '2025-01-01 00:00:02', '2025-01-01 00:00:03']);
    expect(report.written).toBe(3);
    expect(report.watermark).toBe('2025-01-01 00:00:03');
  });

  it('a device seen again in a later page (changed while paging) is stored after its older content', async () => {
    const store = new SlowStore((call) => (call === 0 ? 60 : 5));
    const pages: DevicePage[] = [
      {
        devices: [device('A', '1.0', '2025-01-01 00:00:01'), device('B', '1', '2025-01-01 00:00:02')],
        rejected: [],
      },
      { devices: [device('A', '2.0', '2025-01-01 00:00:09')], rejected: [] },
    ];
    await syncDevices(deps(pages, store), { mode: 'incremental', actor: ACTOR });
    expect(store.events).toEqual(['start 0', 'end 0', 'start 1', 'end 1']);
    expect(store.stored.get('csv:A')?.softwareVersion).toBe('2.0');
  });

  it('a failed page stops the sync and leaves the watermark before it', async () => {
    const store = new SlowStore(() => 5);
    const failing = {
      ...deps([], store),
      source: {
        sourceName: 'csv',
        async *readDevices() {
          yield { devices: [device('A', '1', '2025-01-01 00:00:01')], rejected: [] };
          yield { devices: [device('B', '1', '2025-01-01 00:00:02')], rejected: [] };
        },
      },
    };
    const original = store.saveChanged.bind(store);
    let calls = 0;
    failing.devices.saveChanged = async (devices, actor, stored) => {
      if (calls++ === 1) throw new Error('store unavailable');
      return original(devices, actor, stored);
    };
    await expect(syncDevices(failing, { mode: 'incremental', actor: ACTOR })).rejects.toThrow(
      'store unavailable',
    );
    expect(store.watermarks).toEqual(['2025-01-01 00:00:01']);
  });
});
