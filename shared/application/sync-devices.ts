import type { Actor, DeviceRepository, DeviceSource, MatchQueue } from './ports';

export interface SyncDevicesDeps {
  source: DeviceSource;
  devices: DeviceRepository;
  matchQueue: MatchQueue;
}

export interface SyncDevicesCommand {
  /** `incremental` reads from the stored watermark; `full` reads everything. */
  mode: 'full' | 'incremental';
  actor: Actor;
  onProgress?: (progress: SyncReport) => void;
}

export interface SyncReport {
  read: number;
  written: number;
  unchanged: number;
  rejected: { recordId: string; message: string }[];
  watermark: string | null;
}

/**
 * Mirrors the CMMS's devices: stores only changed devices (each with its audit event) and queues each change for
 * matching. The watermark advances only after a page is stored and queued, so a failure re-reads, never skips.
 */
export async function syncDevices(deps: SyncDevicesDeps, command: SyncDevicesCommand): Promise<SyncReport> {
  const since =
    command.mode === 'incremental' ? await deps.devices.getWatermark(deps.source.sourceName) : null;
  const report: SyncReport = { read: 0, written: 0, unchanged: 0, rejected: [], watermark: since };
  for await (const page of deps.source.readDevices(since)) {
    report.read += page.devices.length + page.rejected.length;
    report.rejected.push(...page.rejected);
    const { changed, unchanged } = await deps.devices.saveChanged(page.devices, command.actor);
    if (changed.length > 0) {
      await deps.matchQueue.send(
        changed.map((device) => ({ type: 'device-changed', deviceId: device.deviceId })),
      );
    }
    report.written += changed.length;
    report.unchanged += unchanged;
    const newest = page.devices.reduce<string | null>(
      (max, device) =>
        device.sourceUpdatedAt && (!max || device.sourceUpdatedAt > max) ? device.sourceUpdatedAt : max,
      report.watermark,
    );
    if (newest && newest !== report.watermark) {
      await deps.devices.setWatermark(deps.source.sourceName, newest);
      report.watermark = newest;
    }
    command.onProgress?.(report);
  }
  return report;
}
