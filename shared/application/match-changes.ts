import type { Advisory } from '../domain/advisory';
import type { Device } from '../domain/device';
import { type DeviceMatch, type Finding, findingIdOf } from '../domain/finding';
import {
  advisoryManufacturerKeys,
  buildProductIndex,
  deviceManufacturerKey,
  matchDevices,
  matchDeviceToAdvisory,
} from '../domain/matching';
import type { MatchMessage, PrioritizeMessage } from './messages';
import type {
  Actor,
  AdvisoryRepository,
  DeviceRepository,
  FindingRepository,
  PrioritizeQueue,
} from './ports';

export interface MatchChangesDeps {
  devices: DeviceRepository;
  advisories: AdvisoryRepository;
  findings: FindingRepository;
  prioritizeQueue: PrioritizeQueue;
}

export interface MatchOutcome {
  pairsEvaluated: number;
  findingsChanged: number;
}

/** Devices that are gone from clinical use get no new findings. */
const MATCHABLE_STATUSES = new Set<Device['status']>(['in_service', 'in_storage', 'out_of_service']);

/**
 * Matches one change incrementally: a changed device against the advisories naming its manufacturer, or a changed
 * advisory against the devices of the manufacturers it names (never all devices × all advisories). Findings that no
 * longer match are closed as NOT_AFFECTED, never deleted.
 */
export async function matchChange(
  deps: MatchChangesDeps,
  message: MatchMessage,
  now: string,
  actor: Actor,
): Promise<MatchOutcome> {
  if (message.type === 'device-changed') {
    const device = await deps.devices.get(message.deviceId);
    if (!device) return { pairsEvaluated: 0, findingsChanged: 0 };
    const advisoryIds = await deps.advisories.idsByManufacturer(deviceManufacturerKey(device));
    const advisories = await deps.advisories.getMany(advisoryIds);
    const matches = MATCHABLE_STATUSES.has(device.status)
      ? advisories.flatMap((advisory) => matchOrEmpty(device, advisory))
      : [];
    const existing = await deps.findings.listByDevice(device.deviceId);
    const changed = await reconcile(
      deps,
      matches,
      existing,
      new Map([[device.deviceId, device]]),
      advisories,
      now,
      actor,
    );
    return { pairsEvaluated: advisories.length, findingsChanged: changed };
  }
  const advisory = await deps.advisories.get(message.advisoryId);
  if (!advisory) return { pairsEvaluated: 0, findingsChanged: 0 };
  const devicesById = new Map<string, Device>();
  for (const key of advisoryManufacturerKeys(advisory)) {
    for (const device of await deps.devices.listByManufacturer(key)) devicesById.set(device.deviceId, device);
  }
  // Devices that read the same (model, version, type) are evaluated once, each only against candidate products.
  const { matches } = matchDevices(
    buildProductIndex([advisory]),
    [...devicesById.values()].filter((device) => MATCHABLE_STATUSES.has(device.status)),
  );
  const existing = await deps.findings.listByAdvisory(advisory.advisoryId);
  for (const finding of existing) {
    if (!devicesById.has(finding.deviceId)) {
      const device = await deps.devices.get(finding.deviceId);
      if (device) devicesById.set(device.deviceId, device);
    }
  }
  const changed = await reconcile(deps, matches, existing, devicesById, [advisory], now, actor);
  return { pairsEvaluated: devicesById.size, findingsChanged: changed };
}

function matchOrEmpty(device: Device, advisory: Advisory): DeviceMatch[] {
  const match = matchDeviceToAdvisory(device, advisory);
  return match ? [match] : [];
}

async function reconcile(
  deps: MatchChangesDeps,
  matches: readonly DeviceMatch[],
  existing: readonly Finding[],
  devices: ReadonlyMap<string, Device>,
  advisories: readonly Advisory[],
  now: string,
  actor: Actor,
): Promise<number> {
  const previousById = new Map(existing.map((finding) => [finding.findingId, finding]));
  const advisoryVersion = new Map(advisories.map((a) => [a.advisoryId, a.trackingVersion]));
  const toPrioritize: PrioritizeMessage[] = [];
  let changed = 0;
  const matchedIds = new Set<string>();
  for (const match of matches) {
    const device = devices.get(match.deviceId);
    if (!device) continue;
    const findingId = findingIdOf(match.deviceId, match.advisoryId);
    matchedIds.add(findingId);
    const previous = previousById.get(findingId) ?? null;
    const reopened = previous?.remediationState === 'NOT_AFFECTED';
    const finding: Finding = {
      findingId,
      deviceId: match.deviceId,
      assetTag: device.assetTag,
      advisoryId: match.advisoryId,
      advisoryVersion: advisoryVersion.get(match.advisoryId) ?? '',
      cves: match.cves,
      product: match.reason.productFullName,
      matchConfidence: match.confidence,
      matchReason: match.reason,
      validationStatus: previous?.validationStatus ?? 'UNKNOWN',
      action: reopened ? undefined : previous?.action,
      prioritization: reopened ? undefined : previous?.prioritization,
      remediationState: reopened || !previous ? 'OPEN' : previous.remediationState,
      firstSeenAt: previous?.firstSeenAt ?? now,
      updatedAt: now,
    };
    if (await deps.findings.save(finding, previous, actor)) changed += 1;
    // Prioritize every current match, changed or not: the prioritizer is idempotent, and a retry after a failed
    // send must not lose the message because the finding itself is already stored.
    toPrioritize.push({
      type: 'finding-changed',
      deviceId: finding.deviceId,
      advisoryId: finding.advisoryId,
    });
  }
  for (const previous of existing) {
    if (matchedIds.has(previous.findingId) || previous.remediationState === 'NOT_AFFECTED') continue;
    const closed: Finding = { ...previous, remediationState: 'NOT_AFFECTED', action: 'NONE', updatedAt: now };
    if (
      await deps.findings.save(closed, previous, { ...actor, reason: `${actor.reason}; no longer matches` })
    ) {
      changed += 1;
      toPrioritize.push({
        type: 'finding-changed',
        deviceId: previous.deviceId,
        advisoryId: previous.advisoryId,
      });
    }
  }
  if (toPrioritize.length > 0) await deps.prioritizeQueue.send(toPrioritize);
  return changed;
}
