import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { EnrichmentRepository } from '../../application/ports';
import { keys } from './keys';
import type { TableClient } from './table-client';

export class DynamoEnrichmentRepository implements EnrichmentRepository {
  constructor(private readonly table: TableClient) {}

  async kevCves(cves: readonly string[]): Promise<Set<string>> {
    if (cves.length === 0) return new Set();
    const items = await this.table.getMany([...new Set(cves)].map((cve) => keys.kev(cve)));
    return new Set(items.map((item) => String(item.cve)));
  }

  async saveKev(cves: readonly string[], catalogVersion: string): Promise<number> {
    const unique = [...new Set(cves)];
    for (let i = 0; i < unique.length; i += 25) {
      let requests: Record<string, unknown>[] = unique.slice(i, i + 25).map((cve) => ({
        PutRequest: { Item: { ...keys.kev(cve), type: 'KEV', cve, catalogVersion } },
      }));
      let attempt = 0;
      while (requests.length > 0) {
        const res = await this.table.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.table.tableName]: requests } }),
        );
        requests = (res.UnprocessedItems?.[this.table.tableName] ?? []) as Record<string, unknown>[];
        if (requests.length > 0) {
          attempt += 1;
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
        }
      }
    }
    return unique.length;
  }
}
