import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertPublisher, StakeholderAlert } from '../../application/ports';
import { keys } from '../dynamodb/keys';
import type { TableClient } from '../dynamodb/table-client';

const LEDGER_RETENTION_SECONDS = 400 * 24 * 3600;

/**
 * Publishes stakeholder alerts to SNS with message attributes that subscription filter policies route on.
 * A ledger item per domain event id makes retries and replays publish nothing new.
 */
export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    private readonly ledger: TableClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async publishOnce(alert: StakeholderAlert): Promise<boolean> {
    const at = this.now();
    try {
      await this.ledger.doc.send(
        new PutCommand({
          TableName: this.ledger.tableName,
          Item: {
            ...keys.alertSent(alert.eventId),
            type: 'ALERT',
            subject: alert.subject,
            sentAt: at.toISOString(),
            expiresAt: Math.floor(at.getTime() / 1000) + LEDGER_RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    try {
      await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: alert.subject.slice(0, 99),
          Message: alert.body,
          MessageAttributes: {
            eventId: { DataType: 'String', StringValue: alert.eventId },
            ...Object.fromEntries(
              Object.entries(alert.attributes).map(([name, value]) => [
                name,
                { DataType: 'String', StringValue: value === '' ? 'unknown' : value },
              ]),
            ),
          },
        }),
      );
    } catch (error) {
      // Undo the ledger entry so the retry publishes; otherwise the alert would be lost.
      await this.ledger.doc.send(
        new DeleteCommand({ TableName: this.ledger.tableName, Key: keys.alertSent(alert.eventId) }),
      );
      throw error;
    }
    return true;
  }
}
