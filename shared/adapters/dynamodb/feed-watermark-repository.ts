import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { FeedWatermarkRepository } from '../../application/poll-feeds';
import { keys } from './keys';
import type { TableClient } from './table-client';

/** One item per polled CSAF directory: the change time up to which every listed document was processed. */
export class DynamoFeedWatermarkRepository implements FeedWatermarkRepository {
  constructor(
    private readonly table: TableClient,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  async getFeedWatermark(feed: string): Promise<string | null> {
    const res = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.tableName,
        Key: keys.feedWatermark(feed),
        ConsistentRead: true,
      }),
    );
    return typeof res.Item?.watermark === 'string' ? res.Item.watermark : null;
  }

  async setFeedWatermark(feed: string, watermark: string): Promise<void> {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.tableName,
        Item: { ...keys.feedWatermark(feed), type: 'FEED_WATERMARK', feed, watermark, updatedAt: this.now() },
      }),
    );
  }
}
