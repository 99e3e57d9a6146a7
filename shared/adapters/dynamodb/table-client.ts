import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, unknown>;

/** A thin helper over the document client for the patterns every repository uses (paged queries, batch gets). */
export class TableClient {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }

  async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey }),
      );
      items.push(...((page.Items ?? []) as Item[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** BatchGet in chunks of 100, retrying unprocessed keys. A key named twice is read once (BatchGet refuses dups). */
  async getMany(keys: readonly { pk: string; sk: string }[], projection?: string[]): Promise<Item[]> {
    const keyList = [...new Map(keys.map((k) => [`${k.pk}\u0000${k.sk}`, k])).values()];
    const out: Item[] = [];
    for (let i = 0; i < keyList.length; i += 100) {
      let pending: Record<string, unknown>[] = keyList.slice(i, i + 100).map((k) => ({ pk: k.pk, sk: k.sk }));
      let attempt = 0;
      while (pending.length > 0) {
        const names: Record<string, string> = {};
        projection?.forEach((p, idx) => {
          names[`#p${idx}`] = p;
        });
        const res = await this.doc.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                ...(projection
                  ? {
                      ProjectionExpression: ['pk', 'sk', ...projection.map((_, idx) => `#p${idx}`)].join(','),
                      ExpressionAttributeNames: names,
                    }
                  : {}),
              },
            },
          }),
        );
        out.push(...((res.Responses?.[this.tableName] ?? []) as Item[]));
        pending = (res.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
        if (pending.length > 0) {
          attempt += 1;
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
        }
      }
    }
    return out;
  }
}
