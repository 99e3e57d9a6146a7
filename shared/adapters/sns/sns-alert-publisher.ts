import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertPublisher, StakeholderAlert } from '../../application/ports';
import type { AlertChannel } from '../../domain/alerts';
import { attributeValue, SMS_MAX_CHARS } from '../../domain/alerts';
import { sanitizeSubject, toGsm7Safe } from '../../domain/sanitize';
import { keys } from '../dynamodb/keys';
import type { TableClient } from '../dynamodb/table-client';

const LEDGER_RETENTION_SECONDS = 400 * 24 * 3600;
/** SNS rejects a message with more than 10 attributes. */
const MAX_ATTRIBUTES = 10;

/**
 * Attributes every message carries, so that filter policies keyed on them (alert-routing.ts) never silently drop
 * an alert whose publisher did not set them (SNS drops a message lacking a key the policy names).
 */
const ROUTING_DEFAULTS: Record<string, string> = { digestScope: 'none' };
/** Attributes filter policies may name (alert-routing.ts), in the order they are kept under the cap. */
const ROUTING_KEYS: readonly string[] = [
  'channel',
  'eventId',
  'digestScope',
  'decision',
  'department',
  'action',
  'deviceType',
  'site',
  'severity',
  'eventKind',
];

/**
 * Publishes stakeholder alerts to SNS with message attributes that subscription filter policies route on. The
 * email text and the SMS text are separate messages (`channel=email` / `channel=sms`), so an SMS subscriber
 * receives the 160-character text and an email subscriber the full body. A ledger item per (domain event id,
 * channel) makes retries and replays publish nothing new.
 */
export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    private readonly ledger: TableClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async publishOnce(alert: StakeholderAlert): Promise<boolean> {
    let published = false;
    if (await this.publishChannel(alert, 'email')) published = true;
    if (alert.sms !== undefined && (await this.publishChannel(alert, 'sms'))) published = true;
    return published;
  }

  private async publishChannel(alert: StakeholderAlert, channel: AlertChannel): Promise<boolean> {
    const at = this.now();
    const ledgerKey = keys.alertSent(`${alert.eventId}#${channel}`);
    try {
      await this.ledger.doc.send(
        new PutCommand({
          TableName: this.ledger.tableName,
          Item: {
            ...ledgerKey,
            type: 'ALERT',
            eventId: alert.eventId,
            channel,
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
    // Routing keys first, so the cap on attributes can only ever drop an informational one.
    const attributes: Record<string, string> = {
      ...ROUTING_DEFAULTS,
      ...alert.attributes,
      channel,
      eventId: alert.eventId,
    };
    const names = [
      ...ROUTING_KEYS.filter((name) => name in attributes),
      ...Object.keys(attributes).filter((name) => !ROUTING_KEYS.includes(name)),
    ].slice(0, MAX_ATTRIBUTES);
    const entries = names.map((name) => [name, attributes[name] ?? ''] as const);
    try {
      await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          ...(channel === 'email'
            ? { Subject: sanitizeSubject(alert.subject), Message: alert.body }
            : { Message: toGsm7Safe(alert.sms ?? '').slice(0, SMS_MAX_CHARS) }),
          MessageAttributes: Object.fromEntries(
            entries.map(([name, value]) => [
              name,
              { DataType: 'String', StringValue: attributeValue(value) },
            ]),
          ),
        }),
      );
    } catch (error) {
      // Undo the ledger entry so the retry publishes; otherwise the alert would be lost.
      await this.ledger.doc.send(new DeleteCommand({ TableName: this.ledger.tableName, Key: ledgerKey }));
      throw error;
    }
    return true;
  }
}
