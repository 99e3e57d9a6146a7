import type { Device } from '../domain/device';
import type {
  Actor,
  DeviceRepository,
  DeviceSource,
  MatchQueue,
  StoredDeviceHashes,
  StoredDeviceSummary,
} from './ports';

export interface SyncDevicesDeps {
  source: DeviceSource;
  devices: DeviceRepository;
  matchQueue: MatchQueue;
}

export interface SyncDevicesCommand {
  /** `incremental` reads from the stored watermark; `full` reads everything and reconciles. */
  mode: 'full' | 'incremental';
  actor: Actor;
  onProgress?: (progress: SyncReport) => void;
  /**
   * Full mode: stored devices of this source that the CMMS no longer returns are marked `missing` (never
   * deleted). Default true.
   */
  reconcile?: boolean;
  /**
   * Full mode: if more than this fraction of the stored devices would become missing, nothing is marked and a
   * warning says why (a wrong table, filter or ACL looks exactly like "every device vanished"). Default 0.5.
   */
  maxMissingFraction?: number;
}

export interface SyncReport {
  read: number;
  written: number;
  unchanged: number;
  /** Devices stored for the first time. */
  created: number;
  rejected: { recordId: string; message: string; sourceRecordId?: string }[];
  watermark: string | null;
  /** device-changed messages resent from the outbox of an earlier, interrupted sync. */
  resent: number;
  /** Full reconciliation: devices marked missing, devices new to MedPatch (first 1,000 ids), warnings. */
  reconciliation?: { missing: string[]; newDevices: string[]; newCount: number; warnings: string[] };
}

const NEW_DEVICE_IDS_REPORTED = 1000;
/** Pages whose devices are being stored at the same time (each with its own concurrent transactions). */
const PAGES_STORED_AT_ONCE = 2;

/**
 * Mirrors the CMMS's devices: stores only changed devices (each with its audit event and a device-changed outbox
 * entry in the same transaction) and queues each change for matching, then clears the outbox entry. An entry left
 * by a crash between the store and the send is resent at the start of the next sync. The watermark advances only
 * after a page is stored and queued, so a failure re-reads, never skips. A full sync then marks stored devices
 * that the CMMS no longer has as `missing` and reports the new ones.
 */
export async function syncDevices(deps: SyncDevicesDeps, command: SyncDevicesCommand): Promise<SyncReport> {
  const sourceName = deps.source.sourceName;
  const since = command.mode === 'incremental' ? await deps.devices.getWatermark(sourceName) : null;
  const report: SyncReport = {
    read: 0,
    written: 0,
    unchanged: 0,
    created: 0,
    rejected: [],
    watermark: since,
    resent: 0,
  };
  report.resent = await resendOutbox(deps);

  const reconcile = command.mode === 'full' && command.reconcile !== false;
  // A full sync reads the stored devices' summaries once (ids, statuses, content hashes): reconciliation needs
  // them, and with the hashes the store skips reading every unchanged or new device again, page by page.
  // Read side by side with the first page; awaited before anything is written, so it is a snapshot from before.
  const summaries = command.mode === 'full' ? storedSummaries(deps.devices, sourceName) : Promise.resolve([]);
  summaries.catch(() => undefined); // awaited below; keeps an early failure from surfacing as unhandled first
  let storedHashes: StoredDeviceHashes | undefined;
  const seenRecordIds = new Set<string>();
  const newDevices: string[] = [];
  let newCount = 0;

  // In full mode the stored watermark is only moved forward, so an unchanged re-sync writes nothing at all.
  const storedWatermark = command.mode === 'full' ? await deps.devices.getWatermark(sourceName) : since;
  // Pages are stored and queued side by side (two at a time) but finish in order: a page's watermark moves only
  // once it and every page before it are stored and their messages sent, so a failure re-reads, never skips.
  type PageWork = {
    work: Promise<Awaited<ReturnType<DeviceRepository['saveChanged']>>>;
    newest: string | null;
    deviceIds: ReadonlySet<string>;
  };
  const inFlight: PageWork[] = [];
  const settleOldest = async () => {
    const oldest = inFlight.shift();
    if (!oldest) return;
    const saved = await oldest.work;
    report.written += saved.changed.length;
    report.unchanged += saved.unchanged;
    const created = saved.created ?? [];
    report.created += created.length;
    newCount += created.length;
    for (const id of created) if (newDevices.length < NEW_DEVICE_IDS_REPORTED) newDevices.push(id);
    const { newest } = oldest;
    if (newest && newest !== report.watermark) {
      if (!storedWatermark || newest > storedWatermark) await deps.devices.setWatermark(sourceName, newest);
      report.watermark = newest;
    }
    command.onProgress?.(report);
  };
  let newestSoFar = report.watermark;
  try {
    for await (const page of readAhead(deps.source.readDevices(since))) {
      report.read += page.devices.length + page.rejected.length;
      report.rejected.push(...page.rejected);
      if (reconcile) {
        for (const device of page.devices) seenRecordIds.add(device.sourceRecordId);
        // A record that could not be mapped is still in the CMMS: it must not be reported missing.
        for (const rejected of page.rejected) seenRecordIds.add(rejected.sourceRecordId ?? rejected.recordId);
      }
      if (command.mode === 'full' && !storedHashes)
        storedHashes = new Map((await summaries).map((d) => [d.deviceId, d.contentHash]));
      newestSoFar = page.devices.reduce<string | null>(
        (max, device) =>
          device.sourceUpdatedAt && (!max || device.sourceUpdatedAt > max) ? device.sourceUpdatedAt : max,
        newestSoFar,
      );
      const deviceIds = new Set(page.devices.map((d) => d.deviceId));
      // A device seen again (it changed while the sync was paging) waits for its older content to be stored, so
      // the newer content is written last.
      while (inFlight.some((p) => [...deviceIds].some((id) => p.deviceIds.has(id)))) await settleOldest();
      while (inFlight.length >= PAGES_STORED_AT_ONCE) await settleOldest();
      const hashes = storedHashes;
      const work = (async () => {
        const saved = await deps.devices.saveChanged(page.devices, command.actor, hashes);
        await publishChanges(deps, saved.changed, saved.outboxIds);
        return saved;
      })();
      work.catch(() => undefined); // awaited in settleOldest(); keeps a failure from surfacing as unhandled first
      inFlight.push({ work, newest: newestSoFar, deviceIds });
    }
    while (inFlight.length > 0) await settleOldest();
  } finally {
    // On a failure, do not leave a store or send running unobserved (an outbox entry stays and is resent).
    await Promise.all(inFlight.map((p) => p.work.catch(() => undefined)));
  }

  if (reconcile) {
    const storedBefore = await summaries;
    const warnings: string[] = [];
    const vanished = storedBefore.filter((d) => !seenRecordIds.has(d.sourceRecordId));
    const toMark = vanished.filter((d) => d.status !== 'missing');
    const limit = command.maxMissingFraction ?? 0.5;
    let missing: string[] = [];
    if (toMark.length > 0 && storedBefore.length >= 10 && vanished.length / storedBefore.length > limit) {
      warnings.push(
        `${vanished.length} of ${storedBefore.length} stored ${sourceName} devices were not returned by the CMMS ` +
          `(more than ${Math.round(limit * 100)}%): none were marked missing; check the device table, filter and ` +
          'the integration user’s read access, then run a full sync again',
      );
    } else if (toMark.length > 0) {
      missing = await markMissing(
        deps,
        command.actor,
        toMark.map((d) => d.deviceId),
      );
      report.written += missing.length;
    }
    report.reconciliation = { missing, newDevices, newCount, warnings };
    command.onProgress?.(report);
  }
  return report;
}

/** Pages fetched ahead of the one being stored: the CMMS and the store both stay busy through uneven pages. */
const PAGES_AHEAD = 3;

/** Iterates pages while the next ones are already being fetched, so reading and storing overlap. */
async function* readAhead<T>(pages: AsyncIterable<T>, depth = PAGES_AHEAD): AsyncIterable<T> {
  const iterator = pages[Symbol.asyncIterator]();
  const buffer: Promise<IteratorResult<T>>[] = [];
  let exhausted = false;
  // One request at a time (a connector's pages depend on the previous cursor): each fetch starts when the one
  // before it has finished, up to `depth` pages ahead of the consumer.
  let chain: Promise<unknown> = Promise.resolve();
  const fetchNext = () => {
    const next = chain.then(() => (exhausted ? { done: true as const, value: undefined } : iterator.next()));
    // The next fetch waits for this one, success or failure (which also keeps a prefetched page's error from being
    // reported as unhandled before the consumer awaits it).
    chain = next.then(
      (result) => {
        if (result.done) exhausted = true;
      },
      () => {
        exhausted = true;
      },
    );
    buffer.push(next);
  };
  for (let i = 0; i < depth; i++) fetchNext();
  for (;;) {
    const current = await (buffer.shift() as Promise<IteratorResult<T>>);
    if (current.done) return;
    fetchNext();
    yield current.value;
  }
}

async function storedSummaries(devices: DeviceRepository, source: string): Promise<StoredDeviceSummary[]> {
  if (devices.listSourceSummaries) return devices.listSourceSummaries(source);
  return (await devices.listAll())
    .filter((d) => d.source === source)
    .map((d) => ({ deviceId: d.deviceId, sourceRecordId: d.sourceRecordId, status: d.status }));
}

/** Marks devices missing (status change + audit event, like any change) and queues them for matching. */
async function markMissing(
  deps: SyncDevicesDeps,
  actor: Actor,
  deviceIds: readonly string[],
): Promise<string[]> {
  const marked: string[] = [];
  for (let i = 0; i < deviceIds.length; i += 100) {
    const current: Device[] = [];
    for (const id of deviceIds.slice(i, i + 100)) {
      const device = await deps.devices.get(id);
      if (device && device.status !== 'missing') current.push({ ...device, status: 'missing' });
    }
    const saved = await deps.devices.saveChanged(current, {
      actor: actor.actor,
      reason: 'full reconciliation: no longer in the CMMS (marked missing, not deleted)',
    });
    await publishChanges(deps, saved.changed, saved.outboxIds);
    marked.push(...saved.changed.map((d) => d.deviceId));
  }
  return marked;
}

async function publishChanges(
  deps: SyncDevicesDeps,
  changed: readonly Device[],
  outboxIds: readonly string[] | undefined,
): Promise<void> {
  if (changed.length > 0) {
    await deps.matchQueue.send(
      changed.map((device) => ({ type: 'device-changed', deviceId: device.deviceId })),
    );
  }
  if (outboxIds && outboxIds.length > 0) await deps.devices.clearPendingMatches?.(outboxIds);
}

/** Sends the device-changed messages an interrupted sync stored but may not have sent; returns how many. */
async function resendOutbox(deps: SyncDevicesDeps): Promise<number> {
  if (!deps.devices.pendingMatches) return 0;
  const pending = await deps.devices.pendingMatches();
  let sent = 0;
  for (const entry of pending) {
    const ids = [...new Set(entry.deviceIds)];
    if (ids.length > 0)
      await deps.matchQueue.send(ids.map((deviceId) => ({ type: 'device-changed', deviceId })));
    await deps.devices.clearPendingMatches?.([entry.id]);
    sent += ids.length;
  }
  return sent;
}
