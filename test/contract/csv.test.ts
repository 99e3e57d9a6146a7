import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvConnector } from '../../shared/connectors/csv/connector';
import {
  type ContractHarness,
  describeCmmsConnectorContract,
  type SeedDevice,
} from './cmms-connector.contract';

function csvHarness(options: { pageSize: number }): Promise<ContractHarness> {
  const directory = mkdtempSync(join(tmpdir(), 'medpatch-csv-contract-'));
  const rows: SeedDevice[] = [];
  const write = () =>
    writeFileSync(
      join(directory, 'inventory.csv'),
      [
        'asset_tag,serial_number,manufacturer,model,software_version',
        ...rows.map((r) =>
          [r.assetTag, r.serialNumber, r.manufacturer, r.model, r.softwareVersion].join(','),
        ),
      ].join('\n'),
    );
  write();
  return Promise.resolve({
    connector: new CsvConnector({ directory, pageSize: options.pageSize }),
    addDevices: async (devices) => {
      rows.push(...devices);
      write();
    },
    updateDevice: async (assetTag, softwareVersion) => {
      const row = rows.find((r) => r.assetTag === assetTag);
      if (row) row.softwareVersion = softwareVersion;
      write();
    },
    advanceClock: () => undefined,
    workItems: async () => {
      const entries = JSON.parse(readFileSync(join(directory, 'work-order-outbox.json'), 'utf8')) as {
        cmmsRef: string;
        workOrder: { correlationId: string };
      }[];
      return entries.map((e) => ({ correlationId: e.workOrder.correlationId, ref: e.cmmsRef }));
    },
    stop: async () => rmSync(directory, { recursive: true, force: true }),
  });
}

describeCmmsConnectorContract('csv', { transport: 'file' }, csvHarness);
