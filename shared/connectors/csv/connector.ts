import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { DevicePage } from '../../application/ports';
import type { WorkOrder } from '../../domain/work-order';
import { ConfigurationError, ValidationError } from '../../errors';
import { OutboxConnector } from '../outbox/connector';
import type { CmmsConnector, ConnectorCapabilities } from '../port';
import { CsvInventorySource, parseColumnMap } from './inventory-csv';

export const CsvConnectorConfig = z.object({
  configVersion: z.literal(1).default(1),
  /**
   * Folder of the CMMS exchange: `inventory.csv` (the export), optional `column-map.json`, and the work-order
   * outbox the CMMS imports (`work-order-outbox.json`).
   */
  directory: z.string().min(1),
  inventoryFile: z.string().default('inventory.csv'),
  columnMapFile: z.string().default('column-map.json'),
  pageSize: z.number().int().positive().default(500),
});

export const CSV_CAPABILITIES: ConnectorCapabilities = {
  pagination: 'none',
  incrementalSince: false,
  upsertByExternalId: 'file',
  maxPageSize: 0,
  rateLimitSignal: 'none',
  retryAfterHeader: false,
  relationships: true,
  transport: 'file',
  writeTargets: ['file'],
};

/**
 * The CMMS without an API (AIMS, TMS, EQ2 exports): devices from an inventory CSV (with an optional column map),
 * work orders upserted by correlation id into a file outbox. Every read is a full snapshot: unchanged devices are
 * not written by the store, so re-reading is cheap.
 */
export class CsvConnector implements CmmsConnector {
  readonly kind = 'csv';
  readonly sourceName = 'csv';
  readonly capabilities = CSV_CAPABILITIES;
  private readonly config: z.infer<typeof CsvConnectorConfig>;
  private readonly outbox: OutboxConnector;

  constructor(settings: unknown) {
    const parsed = CsvConnectorConfig.safeParse(settings);
    if (!parsed.success) throw new ValidationError(`Invalid CSV connector settings: ${parsed.error.message}`);
    this.config = parsed.data;
    this.outbox = new OutboxConnector({ directory: parsed.data.directory });
  }

  async *readDevices(since: string | null): AsyncIterable<DevicePage> {
    const file = join(this.config.directory, this.config.inventoryFile);
    if (!existsSync(file)) throw new ConfigurationError(`inventory export ${file} does not exist`);
    const mapFile = join(this.config.directory, this.config.columnMapFile);
    const map = existsSync(mapFile) ? parseColumnMap(readFileSync(mapFile, 'utf8'), mapFile) : undefined;
    const source = new CsvInventorySource(readFileSync(file, 'utf8'), {
      sourceName: this.sourceName,
      pageSize: this.config.pageSize,
      ...(map ? { columnMap: map.columns, statuses: map.statuses } : {}),
    });
    yield* source.readDevices(since);
  }

  async estimateCount(): Promise<number | null> {
    const file = join(this.config.directory, this.config.inventoryFile);
    if (!existsSync(file)) return null;
    // Data rows: lines after the header that are not blank (quoted newlines make this an estimate).
    return readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .slice(1)
      .filter((l) => l.trim() !== '').length;
  }

  upsertWorkOrder(workOrder: WorkOrder): Promise<{ cmmsRef: string; created: boolean }> {
    return this.outbox.upsertWorkOrder(workOrder);
  }
}
