import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { DevicePage } from '../../application/ports';
import type { WorkOrder } from '../../domain/work-order';
import { ValidationError } from '../../errors';
import type { CmmsConnector, ConnectorCapabilities } from '../port';

export const OUTBOX_CAPABILITIES: ConnectorCapabilities = {
  pagination: 'none',
  incrementalSince: false,
  upsertByExternalId: 'file',
  maxPageSize: 0,
  rateLimitSignal: 'none',
  retryAfterHeader: false,
  relationships: false,
  transport: 'file',
  writeTargets: ['file'],
};

export const OutboxConfig = z.object({
  configVersion: z.literal(1).default(1),
  /** Folder where `work-order-outbox.json` is kept for a file-based CMMS to import. */
  directory: z.string().min(1),
});

interface OutboxEntry {
  cmmsRef: string;
  workOrder: WorkOrder;
}

/**
 * A file outbox for CMMS without an API: work orders are upserted by correlation id into one JSON file that the
 * CMMS imports. It has no devices of its own (inventories come from CSV).
 */
export class OutboxConnector implements CmmsConnector {
  readonly kind = 'outbox';
  readonly sourceName = 'outbox';
  readonly capabilities = OUTBOX_CAPABILITIES;
  private readonly file: string;

  constructor(settings: unknown) {
    const parsed = OutboxConfig.safeParse(settings);
    if (!parsed.success) throw new ValidationError(`Invalid outbox settings: ${parsed.error.message}`);
    mkdirSync(parsed.data.directory, { recursive: true });
    this.file = join(parsed.data.directory, 'work-order-outbox.json');
  }

  /** An outbox holds no devices: inventories come from CSV. */
  async *readDevices(): AsyncIterable<DevicePage> {
    yield* [];
  }

  async upsertWorkOrder(workOrder: WorkOrder): Promise<{ cmmsRef: string; created: boolean }> {
    const entries = this.read();
    const existing = entries.find((e) => e.workOrder.correlationId === workOrder.correlationId);
    const cmmsRef = existing?.cmmsRef ?? `OUTBOX${String(entries.length + 1).padStart(7, '0')}`;
    const next = existing
      ? entries.map((e) => (e === existing ? { cmmsRef, workOrder } : e))
      : [...entries, { cmmsRef, workOrder }];
    // Write-then-rename so a crash never leaves a half-written outbox.
    writeFileSync(`${this.file}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
    renameSync(`${this.file}.tmp`, this.file);
    return { cmmsRef, created: !existing };
  }

  private read(): OutboxEntry[] {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as OutboxEntry[];
    } catch {
      return [];
    }
  }
}
