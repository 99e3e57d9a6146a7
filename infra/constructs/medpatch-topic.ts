import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface MedPatchTopicProps {
  /** Who hears from this topic and why; becomes the display name and key description. */
  readonly purpose: string;
  /**
   * Lets CloudWatch alarms of this account publish: the topic policy allows `cloudwatch.amazonaws.com` for
   * alarms of this account and region, and the key policy lets it encrypt through SNS. Without both, alarm
   * notifications to an encrypted topic are silently dropped.
   */
  readonly acceptsAlarms?: boolean;
}

/**
 * An SNS topic with MedPatch's safe defaults: encrypted with its own customer-managed KMS key (rotated yearly)
 * and a topic policy that denies every request not sent over TLS.
 *
 * @example
 * const alerts = new MedPatchTopic(this, 'Alerts', { purpose: 'email / SMS alerts to clinical stakeholders' });
 */
export class MedPatchTopic extends Construct {
  readonly topic: Topic;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: MedPatchTopicProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: `Encrypts the MedPatch topic for ${props.purpose}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.topic = new Topic(this, 'Topic', {
      displayName: 'MedPatch',
      masterKey: this.key,
      enforceSSL: true,
    });

    if (props.acceptsAlarms) {
      const stack = Stack.of(this);
      const fromThisAccountsAlarms = {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
        },
      };
      const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
      this.topic.addToResourcePolicy(
        new PolicyStatement({
          principals: [cloudWatch],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: fromThisAccountsAlarms,
        }),
      );
      // AWS's documented key policy for alarms to an SSE topic; the key is this topic's alone.
      this.key.addToResourcePolicy(
        new PolicyStatement({
          principals: [cloudWatch],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      );
    }
  }
}
