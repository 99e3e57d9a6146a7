import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** SQS's maximum; a dead letter waits as long as possible for a human to look at it. */
const DLQ_RETENTION = Duration.days(14);

/** AWS's guidance for Lambda event sources: hide a message for 6 × the function timeout between receives. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface MedPatchQueueProps {
  /** FIFO main queue (and therefore FIFO DLQ). */
  readonly fifo: boolean;
  /** Receives before a message moves to the DLQ. */
  readonly maxReceiveCount: number;
  /** Timeout of the function that consumes this queue; visibility is 6 × this. */
  readonly consumerTimeout: Duration;
  /** What the queue carries; becomes the key and alarm descriptions. */
  readonly purpose: string;
  /** Where the DLQ alarm notifies (an operations topic, a pager); none by default. */
  readonly alarmAction?: IAlarmAction;
}

/**
 * An SQS queue with MedPatch's safe defaults: encrypted with its own customer-managed KMS key (rotated
 * yearly), TLS-only access, a dead-letter queue with the same encryption and FIFO-ness kept for 14 days, a
 * visibility timeout of 6 × the consumer's timeout, and an alarm as soon as anything lands in the DLQ.
 *
 * @example
 * const q = new MedPatchQueue(this, 'MatchQueue', {
 *   fifo: false,
 *   maxReceiveCount: 5,
 *   consumerTimeout: Duration.seconds(60),
 *   purpose: 'device-changed events',
 * });
 * new SqsEventSource(q.queue, { reportBatchItemFailures: true });
 */
export class MedPatchQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly key: Key;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: MedPatchQueueProps) {
    super(scope, id);
    if (!Number.isInteger(props.maxReceiveCount) || props.maxReceiveCount < 1) {
      throw new Error(`${this.node.path}: maxReceiveCount must be a positive integer`);
    }
    const visibilityTimeout = Duration.seconds(props.consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR);
    if (visibilityTimeout.toSeconds() > Duration.hours(12).toSeconds()) {
      throw new Error(`${this.node.path}: 6 × consumer timeout exceeds SQS's 12-hour visibility limit`);
    }

    this.key = new Key(this, 'Key', {
      description: `Encrypts the MedPatch queue and DLQ for ${props.purpose}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const fifo = props.fifo ? { fifo: true } : {};
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...fifo,
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
    });

    this.queue = new Queue(this, 'Queue', {
      ...fifo,
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      // Reuse data keys for 5 minutes: far fewer KMS calls (cost, throttling) for a bounded exposure window.
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });

    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: `Messages in the DLQ for ${props.purpose}: inspect them, fix the cause, redrive.`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmAction) this.deadLetterAlarm.addAlarmAction(props.alarmAction);
  }
}
