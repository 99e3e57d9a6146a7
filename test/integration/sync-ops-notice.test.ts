import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRunner } from '../../local/runner';
import type { ServiceNowSimulator } from '../../local/servicenow-sim/index';
import { LOCAL_REGION, type LocalStack, localSqsClient, startLocalStack } from '../../local/stack';
import type { SyncReport } from '../../shared/application/sync-devices';

const BASIC = `Basic ${Buffer.from('admin:admin').toString('base64')}`;

describe('cmms-sync λ tells on-call about a sync that needs a person (ops topic), and only then', () => {
  let stack: LocalStack;
  let runner: LocalRunner;
  let sim: ServiceNowSimulator;
  let sqs: SQSClient;
  let sns: SNSClient;
  let opsQueueUrl: string;
  let badSysId: string;

  /** Ops-topic deliveries since the last call (the SNS envelope's subject and message). */
  const opsNotices = async (): Promise<{ Subject?: string; Message: string }[]> => {
    const res = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: opsQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    return (res.Messages ?? []).map(
      (m) => JSON.parse(m.Body ?? '{}') as { Subject?: string; Message: string },
    );
  };

  beforeAll(async () => {
    stack = await startLocalStack();
    runner = await LocalRunner.create(stack);
    sim = stack.servicenow as ServiceNowSimulator;
    sqs = localSqsClient(stack);
    sns = new SNSClient({
      endpoint: stack.env.AWS_ENDPOINT_URL_SNS,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    // An on-call subscriber of the ops topic.
    opsQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'ops-on-call' }))).QueueUrl ?? '';
    const queueArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: opsQueueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    await sns.send(
      new SubscribeCommand({ TopicArn: stack.topicArns.opsAlerts, Protocol: 'sqs', Endpoint: queueArn }),
    );
    const philips = sim.insert('core_company', { name: 'Philips', manufacturer: 'true' }).sys_id ?? '';
    sim.insert('cmdb_ci_med_device', { name: 'Monitor 1', asset_tag: 'MON-1', manufacturer: philips });
    // A record the mapping cannot use: no manufacturer, so it could never be matched against advisories.
    badSysId = sim.insert('cmdb_ci_med_device', { name: 'Pump 7', asset_tag: 'PUMP-7' }).sys_id ?? '';
  }, 120_000);

  afterAll(async () => {
    await runner?.close();
    sqs?.destroy();
    sns?.destroy();
    await stack?.stop();
  });

  it('a sync that rejects a record still stores the rest and sends one ops notice naming the record and why', async () => {
    const report = await runner.invokeSchedule<SyncReport>('cmmsSync', { mode: 'full' });
    expect(report.written).toBe(1);
    expect(report.rejected.map((r) => r.sourceRecordId ?? r.recordId)).toEqual([badSysId]);
    const notices = await opsNotices();
    expect(notices).toHaveLength(1);
    expect(notices[0]?.Subject).toBe('MedPatch sync needs attention: 1 record(s) rejected');
    expect(notices[0]?.Message).toContain(badSysId);
    expect(notices[0]?.Message).toMatch(/manufacturer/);
  });

  it('once the record is fixed in the CMMS, the next sync stores it and sends nothing', async () => {
    const philips = sim.list('core_company').find((c) => c.name === 'Philips')?.sys_id ?? '';
    sim.advanceClock(60_000);
    const res = await fetch(`${sim.url}/api/now/table/cmdb_ci_med_device/${badSysId}`, {
      method: 'PATCH',
      headers: { Authorization: BASIC, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ manufacturer: philips }),
    });
    expect(res.status).toBe(200);
    const report = await runner.invokeSchedule<SyncReport>('cmmsSync', { mode: 'incremental' });
    expect(report.rejected).toEqual([]);
    expect(report.written).toBe(1);
    expect(await opsNotices()).toEqual([]);
  });
});
