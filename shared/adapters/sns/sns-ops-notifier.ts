import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { OpsNotifier } from '../../application/ports';

/** Publishes one plain-text message to the operational topic (on-call e-mail / chat subscriptions). */
export class SnsOpsNotifier implements OpsNotifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async notify(attention: { subject: string; message: string }): Promise<void> {
    await this.client.send(
      new PublishCommand({ TopicArn: this.topicArn, Subject: attention.subject, Message: attention.message }),
    );
  }
}
