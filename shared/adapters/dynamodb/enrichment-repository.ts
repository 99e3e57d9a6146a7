import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { EnrichmentRepository, VulnerabilityEnrichmentRepository } from '../../application/ports';
import { CveEnrichment, enrichmentFingerprint } from '../../domain/enrichment';
import { keys } from './keys';
import type { TableClient } from './table-client';

/**
 * Per-CVE enrichment. KEV membership keeps its own small item (`#KEV`, read on every assessment); the full
 * enrichment (KEV state, EPSS, NVD) is one `#ENRICHMENT` item per CVE with a content fingerprint, written only
 * when the content changed, conditioned on the fingerprint that was read.
 */
export class DynamoEnrichmentRepository implements EnrichmentRepository, VulnerabilityEnrichmentRepository {
  constructor(
    private readonly table: TableClient,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  async getEnrichments(cves: readonly string[]): Promise<Map<string, CveEnrichment>> {
    const unique = [...new Set(cves)];
    if (unique.length === 0) return new Map();
    const items = await this.table.getMany(unique.map((cve) => keys.enrichment(cve)));
    const result = new Map<string, CveEnrichment>();
    for (const item of items) {
      const parsed = CveEnrichment.safeParse(JSON.parse(String(item.enrichment)));
      if (parsed.success) result.set(parsed.data.cve, parsed.data);
    }
    return result;
  }

  async saveEnrichment(enrichment: CveEnrichment): Promise<boolean> {
    const fingerprint = enrichmentFingerprint(enrichment);
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: {
            ...keys.enrichment(enrichment.cve),
            type: 'ENRICHMENT',
            cve: enrichment.cve,
            enrichment: JSON.stringify(enrichment),
            ...(enrichment.epss?.status === 'scored' ? { epss: enrichment.epss.score } : {}),
            fingerprint,
            updatedAt: this.now(),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR fingerprint <> :fingerprint',
          ExpressionAttributeValues: { ':fingerprint': fingerprint },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async epssScores(cves: readonly string[]): Promise<Map<string, number>> {
    const unique = [...new Set(cves)];
    if (unique.length === 0) return new Map();
    const items = await this.table.getMany(unique.map((cve) => keys.enrichment(cve)));
    const scores = new Map<string, number>();
    for (const item of items) if (typeof item.epss === 'number') scores.set(String(item.cve), item.epss);
    return scores;
  }

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
