import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevicePage } from '../../shared/application/ports';
import type { CmmsConnector } from '../../shared/connectors/port';
import type { Device } from '../../shared/domain/device';
import { WorkOrder } from '../../shared/domain/work-order';
import {
  AuthError,
  ConfigurationError,
  type MedPatchError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../../shared/errors';
import { type FaultProxy, startFaultProxy } from './fault-proxy';

/** One device as the contract seeds it into a CMMS (the harness writes it in the CMMS's own shape). */
export interface SeedDevice {
  assetTag: string;
  manufacturer: string;
  model: string;
  /** As the CMMS spells it, e.g. `v2.1` (the connector normalizes it to `2.1`). */
  softwareVersion: string;
  serialNumber: string;
}

/** A connector wired to a running CMMS simulator (or file), plus the levers the contract needs. */
export interface ContractHarness {
  connector: CmmsConnector;
  addDevices(devices: readonly SeedDevice[]): Promise<void>;
  /** Changes a device's software version in the CMMS, bumping its last-modified stamp. */
  updateDevice(assetTag: string, softwareVersion: string): Promise<void>;
  /** Moves the CMMS clock forward so the next change gets a later stamp. */
  advanceClock(ms: number): void;
  /** Work items in the CMMS: correlation id (or the key derived from it) and reference. */
  workItems(): Promise<{ correlationId: string; ref: string }[]>;
  stop(): Promise<void>;
}

export interface ContractOptions {
  pageSize: number;
  /** HTTP connectors must point at this proxy (proxy.target(simulatorUrl)) so faults can be injected. */
  proxy: FaultProxy;
  /** Per-request timeout the connector must use (the timeout fault holds a request longer than this). */
  timeoutMs: number;
}

const PAGE_SIZE = 5;
const TIMEOUT_MS = 400;

export function seedDevices(count: number, prefix = 'CT'): SeedDevice[] {
  const makers = ['Philips', 'GE Healthcare', 'Baxter', 'B. Braun', 'Medtronic'];
  return Array.from({ length: count }, (_, i) => ({
    assetTag: `${prefix}-${String(i + 1).padStart(4, '0')}`,
    manufacturer: makers[i % makers.length] ?? 'Philips',
    model: `Model ${i % 7}`,
    softwareVersion: `v${1 + (i % 3)}.${i % 10}`,
    serialNumber: `SN${1000 + i}`,
  }));
}

export function aContractWorkOrder(correlationId: string, revision: string): WorkOrder {
  return WorkOrder.parse({
    correlationId,
    kind: 'APPLY_MITIGATION',
    assetTags: ['CT-0001'],
    deviceIds: ['contract:CT-0001'],
    advisoryIds: ['ICSMA-20-049-01'],
    cves: ['CVE-2020-6961'],
    decision: 'SCHEDULED',
    priority: 3,
    dueDate: '2026-12-31T00:00:00.000Z',
    validationStatus: 'UNKNOWN',
    shortDescription: `Mitigate ICSMA-20-049-01 on CT-0001 (${revision})`,
    description: 'Apply the interim mitigation from the advisory.',
    revision,
  });
}

export async function readAll(connector: CmmsConnector, since: string | null = null): Promise<DevicePage[]> {
  const pages: DevicePage[] = [];
  for await (const page of connector.readDevices(since)) pages.push(page);
  return pages;
}

const devicesOf = (pages: readonly DevicePage[]): Device[] => pages.flatMap((p) => p.devices);

/**
 * The contract every CMMS connector passes. Sections a connector's declared capabilities rule out (error
 * classification for a file connector) are not registered for it; a connector cannot opt out of the rest.
 */
export function describeCmmsConnectorContract(
  name: string,
  declared: { transport: 'http' | 'file' },
  createHarness: (options: ContractOptions) => Promise<ContractHarness>,
): void {
  describe(`CmmsConnector contract: ${name}`, () => {
    let proxy: FaultProxy;
    let harness: ContractHarness;
    const fresh = async () => {
      await harness?.stop();
      proxy.reset();
      harness = await createHarness({ pageSize: PAGE_SIZE, proxy, timeoutMs: TIMEOUT_MS });
      return harness;
    };

    beforeAll(async () => {
      proxy = await startFaultProxy();
    });
    afterAll(async () => {
      await harness?.stop();
      await proxy.stop();
    });

    it('declares its kind, source name and capabilities', async () => {
      const { connector } = await fresh();
      expect(connector.kind).toMatch(/^[a-z]+$/);
      expect(connector.sourceName.length).toBeGreaterThan(0);
      expect(['offset', 'link', 'cursor', 'page', 'keyset', 'none']).toContain(
        connector.capabilities.pagination,
      );
      expect(connector.capabilities.transport).toBe(declared.transport);
    });

    it('pages through every device exactly once, in pages no larger than the page size', async () => {
      const h = await fresh();
      const seeded = seedDevices(23);
      await h.addDevices(seeded);
      const pages = await readAll(h.connector);
      const devices = devicesOf(pages);
      expect(devices.map((d) => d.assetTag).sort()).toEqual(seeded.map((s) => s.assetTag).sort());
      expect(new Set(devices.map((d) => d.deviceId)).size).toBe(devices.length);
      expect(pages.filter((p) => p.devices.length > 0).length).toBeGreaterThanOrEqual(
        Math.ceil(23 / PAGE_SIZE),
      );
      for (const page of pages) expect(page.devices.length).toBeLessThanOrEqual(PAGE_SIZE);
      expect(pages.flatMap((p) => p.rejected)).toEqual([]);
    });

    it('maps a device: stable id under its source, manufacturer, model, normalized version, status', async () => {
      const h = await fresh();
      const [seed] = seedDevices(1, 'MAP');
      if (!seed) throw new Error('no seed');
      await h.addDevices([{ ...seed, softwareVersion: 'Version 4.0.2', model: 'IntelliVue  MX800\u2122' }]);
      const [device] = devicesOf(await readAll(h.connector));
      expect(device).toMatchObject({
        assetTag: seed.assetTag,
        manufacturer: seed.manufacturer,
        model: 'IntelliVue MX800',
        softwareVersion: '4.0.2',
        serialNumber: seed.serialNumber,
        status: 'in_service',
        isMedicalDevice: true,
      });
      expect(device?.deviceId.startsWith(`${h.connector.sourceName}:`)).toBe(true);
      const again = devicesOf(await readAll(h.connector));
      expect(again[0]?.deviceId).toBe(device?.deviceId);
    });

    it('reads incrementally from a watermark: changed devices come back, and an incremental source skips the rest', async () => {
      const h = await fresh();
      const seeded = seedDevices(20, 'INC');
      await h.addDevices(seeded);
      const first = devicesOf(await readAll(h.connector));
      const watermark = first.reduce<string | null>(
        (max, d) => (d.sourceUpdatedAt && (!max || d.sourceUpdatedAt > max) ? d.sourceUpdatedAt : max),
        null,
      );
      h.advanceClock(60_000);
      await h.updateDevice('INC-0003', 'v9.9');
      await h.updateDevice('INC-0011', 'v9.8');
      const changed = devicesOf(await readAll(h.connector, watermark));
      const byTag = new Map(changed.map((d) => [d.assetTag, d]));
      expect(byTag.get('INC-0003')?.softwareVersion).toBe('9.9');
      expect(byTag.get('INC-0011')?.softwareVersion).toBe('9.8');
      if (h.connector.capabilities.incrementalSince) {
        expect(watermark).not.toBeNull();
        expect(changed.length).toBeLessThan(seeded.length / 2);
      } else {
        expect(changed.length).toBe(seeded.length); // a snapshot source re-reads everything
      }
    });

    it('upserts work items by correlation id: a replay or a new revision updates, never duplicates', async () => {
      const h = await fresh();
      await h.addDevices(seedDevices(1, 'WO'));
      const first = await h.connector.upsertWorkOrder(aContractWorkOrder('mp-contract-1', 'r1'));
      const replay = await h.connector.upsertWorkOrder(aContractWorkOrder('mp-contract-1', 'r1'));
      const revised = await h.connector.upsertWorkOrder(aContractWorkOrder('mp-contract-1', 'r2'));
      const other = await h.connector.upsertWorkOrder(aContractWorkOrder('mp-contract-2', 'r1'));
      expect(first.created).toBe(true);
      expect(replay).toEqual({ cmmsRef: first.cmmsRef, created: false });
      expect(revised).toEqual({ cmmsRef: first.cmmsRef, created: false });
      expect(other.created).toBe(true);
      expect(other.cmmsRef).not.toBe(first.cmmsRef);
      const items = await h.workItems();
      expect(items.filter((i) => i.correlationId === 'mp-contract-1')).toHaveLength(1);
      expect(items.filter((i) => i.correlationId === 'mp-contract-2')).toHaveLength(1);
    });

    // A file connector has no HTTP to classify; its own tests cover missing or unreadable files.
    if (declared.transport !== 'http') return;

    describe('error classification (HTTP connectors)', () => {
      const httpOnly = async (): Promise<ContractHarness> => {
        const h = await fresh();
        await h.addDevices(seedDevices(3, 'ERR'));
        proxy.reset();
        return h;
      };
      const outcome = async (h: ContractHarness) => {
        try {
          await readAll(h.connector);
          return null;
        } catch (error) {
          return error;
        }
      };
      const permanent: [number, new (...args: never[]) => MedPatchError][] = [
        [400, ValidationError],
        [401, AuthError],
        [403, AuthError],
      ];
      for (const [status, type] of permanent) {
        it(`${status} is a permanent ${type.name}, sent once and never retried`, async () => {
          const h = await httpOnly();
          proxy.failNext({ kind: 'status', status }, 5);
          const error = await outcome(h);
          expect(error).toBeInstanceOf(type);
          expect((error as MedPatchError).retryable).toBe(false);
          expect(proxy.log.filter((e) => e.status === status)).toHaveLength(1);
        });
      }

      it('404 on a collection is permanent (NotFound, or a configuration error naming the URL)', async () => {
        const h = await httpOnly();
        proxy.failNext({ kind: 'status', status: 404 }, 5);
        const error = await outcome(h);
        expect(error instanceof NotFoundError || error instanceof ConfigurationError).toBe(true);
        expect(proxy.log.filter((e) => e.status === 404)).toHaveLength(1);
      });

      it('429 is waited out per Retry-After, then the read completes', async () => {
        const h = await httpOnly();
        proxy.failNext({ kind: 'status', status: 429, headers: { 'Retry-After': '1' } });
        expect(await outcome(h)).toBeNull();
        const limited = proxy.log.findIndex((e) => e.status === 429);
        const next = proxy.log[limited + 1];
        expect(limited).toBeGreaterThanOrEqual(0);
        expect(next && next.at - (proxy.log[limited]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
      });

      it('429 with only X-RateLimit-Reset waits until that time', async () => {
        const h = await httpOnly();
        const reset = Math.ceil(Date.now() / 1000) + 1;
        proxy.failNext({ kind: 'status', status: 429, headers: { 'X-RateLimit-Reset': String(reset) } });
        expect(await outcome(h)).toBeNull();
        const limited = proxy.log.findIndex((e) => e.status === 429);
        expect(proxy.log[limited + 1]?.at).toBeGreaterThanOrEqual(reset * 1000 - 5);
      });

      for (const status of [500, 502, 503, 504]) {
        it(`${status} is transient: retried with backoff, then the read completes`, async () => {
          const h = await httpOnly();
          proxy.failNext({ kind: 'status', status, body: '<html>busy</html>' }, 2);
          expect(await outcome(h)).toBeNull();
          expect(proxy.log.filter((e) => e.status === status)).toHaveLength(2);
        });
      }

      it('a persistent 5xx ends as one retryable TransientError after the attempt budget', async () => {
        const h = await httpOnly();
        proxy.failNext({ kind: 'status', status: 503 }, 50);
        const error = await outcome(h);
        expect(error).toBeInstanceOf(TransientError);
        expect((error as MedPatchError).retryable).toBe(true);
        const attempts = proxy.log.filter((e) => e.status === 503).length;
        expect(attempts).toBeGreaterThan(1);
        expect(attempts).toBeLessThan(50);
      });

      it('a timeout is transient: the request is abandoned after the timeout and retried', async () => {
        const h = await httpOnly();
        proxy.failNext({ kind: 'timeout', holdMs: TIMEOUT_MS * 4 });
        const started = Date.now();
        expect(await outcome(h)).toBeNull();
        expect(proxy.log[0]?.status).toBe('timeout');
        expect(proxy.log.length).toBeGreaterThan(1);
        expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS);
      });

      it('a reset connection is transient: retried, then the read completes', async () => {
        const h = await httpOnly();
        proxy.failNext({ kind: 'reset' }, 2);
        expect(await outcome(h)).toBeNull();
        expect(proxy.log.filter((e) => e.status === 'reset')).toHaveLength(2);
      });

      it('a Retry-After beyond the in-process budget surfaces as RateLimitedError (retry later), not a hang', async () => {
        const h = await httpOnly();
        proxy.failNext({ kind: 'status', status: 429, headers: { 'Retry-After': '3600' } });
        const error = await outcome(h);
        expect(error).toBeInstanceOf(RateLimitedError);
        expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(3_000_000);
      });
    });
  });
}
