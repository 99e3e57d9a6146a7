import { RemovalPolicy } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface MedPatchTopicProps {
  /** Who hears from this topic and why; becomes the display name and key description. */
  readonly purpose: string;
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
  }
}
