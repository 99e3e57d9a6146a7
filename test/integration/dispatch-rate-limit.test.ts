import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  type ChangeMessageVisibilityCommandInput,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateDemoHospital, seedDemoHospital, sliceDemoHospital } from '../../local/demo/hospital';
import { type PipelineResult, runPipeline } from '../../local/pipeline';
import { LocalRunner } from '../../local/runner';
import { LOCAL_REGION, type LocalStack, startLocalStack } from '../../local/stack';
import { ENV } from '../../shared/config/env-names';

const ROOT = resolve(import.meta.dirname, '../..');
const DEVICES = 150;
const HOUR_MS = 3_600_000;
/** Real milliseconds one simulated rate-limit hour lasts: see compressedHours. */
const WINDOW_MS = 5_000;
/** change_request requests allowed per (simulated) hour: a fraction of what the dispatch needs, so 429s happen. */
const REQUESTS_PER_HOUR = 120;

/**
 * The simulator's clock: each rate-limit hour lasts WINDOW_MS of real time, and only its last WINDOW_MS run, at real
 * speed (the clock then jumps to the last seconds of the next hour). A 429's Retry-After is therefore at most a few
 * seconds, and Retry-After seconds in simulator time are the same seconds in real time, the time SQS holds for.
 */
function compressedHours(startMs: number): () => Date {
  const realStart = Date.now();
  return () => {
    const elapsed = Date.now() - realStart;
    const hour = Math.floor(elapsed / WINDOW_MS);
    return new Date(startMs + hour * HOUR_MS + (HOUR_MS - WINDOW_MS) + (elapsed % WINDOW_MS));
  };
}

/** One request to change_request as the connector sent it, with simulator times. */
interface Exchange {
  correlationId?: string;
  sysId?: string;
  method: string;
  sentAt: number;
  answeredAt: number;
  status: number;
  retryAfterSeconds?: number;
}

describe('work orders reach a rate-limited CMMS exactly once, held on SQS for the Retry-After', () => {
  let stack: LocalStack;
  let runner: LocalRunner;
  let result: PipelineResult;
  let outDir: string;
  let sqs: SQSClient;
  const exchanges: Exchange[] = [];
  /** Visibility changes the dispatcher made, and work-order receives, with real times (SQS holds in real time). */
  const holds: (ChangeMessageVisibilityCommandInput & { at: number })[] = [];
  const receives: { messageId: string; receiptHandle: string; at: number }[] = [];
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'medpatch-rate-limit-'));
    stack = await startLocalStack({
      servicenow: { seed: 13, now: compressedHours(Date.UTC(2026, 0, 5)) },
    });
    const sim = stack.servicenow;
    if (!sim) throw new Error('simulator expected');
    await seedDemoHospital(
      sim,
      sliceDemoHospital(generateDemoHospital({ devices: 2000, seed: 13 }), DEVICES),
    );
    sim.setFaults({ errorRate: 0.1, dropRate: 0.05, commitThenDropRate: 0.05 });
    sim.setRateLimits([{ requestsPerHour: REQUESTS_PER_HOUR, table: 'change_request' }]);

    // Every change_request exchange, stamped with simulator time (the handlers run in this process).
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const match = /\/api\/now\/(?:v[12]\/)?table\/change_request(?:\/([0-9a-f]{32}))?$/.exec(url.pathname);
      if (!match) return realFetch(input, init);
      const method = (init?.method ?? 'GET').toUpperCase();
      const query = url.searchParams.get('sysparm_query') ?? '';
      const byQuery = /^correlation_id=([^^]+)/.exec(query)?.[1];
      let byBody: string | undefined;
      if (typeof init?.body === 'string' && method === 'POST') {
        byBody = (JSON.parse(init.body) as { correlation_id?: string }).correlation_id;
      }
      const exchange: Exchange = {
        correlationId: byQuery ?? byBody,
        sysId: match[1],
        method,
        sentAt: sim.now().getTime(),
        answeredAt: Number.NaN,
        status: 0,
      };
      exchanges.push(exchange);
      const response = await realFetch(input, init);
      exchange.answeredAt = sim.now().getTime();
      exchange.status = response.status;
      const retryAfter = response.headers.get('retry-after');
      if (retryAfter) exchange.retryAfterSeconds = Number(retryAfter);
      return response;
    });
    const send = SQSClient.prototype.send;
    vi.spyOn(SQSClient.prototype, 'send').mockImplementation(function (
      this: SQSClient,
      ...args: Parameters<SQSClient['send']>
    ) {
      const [command] = args;
      if (command instanceof ChangeMessageVisibilityCommand) holds.push({ ...command.input, at: Date.now() });
      const sent = (send as (...a: unknown[]) => ReturnType<SQSClient['send']>).apply(this, args);
      if (command instanceof ReceiveMessageCommand && command.input.QueueUrl === stack.queueUrls.workOrders) {
        void (
          sent as unknown as Promise<{ Messages?: { MessageId?: string; ReceiptHandle?: string }[] }>
        ).then(
          (out) => {
            for (const m of out.Messages ?? [])
              receives.push({
                messageId: m.MessageId ?? '',
                receiptHandle: m.ReceiptHandle ?? '',
                at: Date.now(),
              });
          },
          () => undefined,
        );
      }
      return sent;
    } as SQSClient['send']);

    // Retry-Afters over one second are not waited out in-process: the dispatcher holds the message instead.
    // (The topology's dispatcher default is 20 s; this test's windows are shorter, so it overrides the value.)
    runner = await LocalRunner.create({
      ...stack,
      env: { ...stack.env, [ENV.cmmsMaxRetryAfterSeconds]: '1' },
    });
    result = await runPipeline(stack, runner, {
      devices: { kind: 'servicenow' },
      advisoryPaths: [join(ROOT, 'data/csaf/icsma')],
      kevFile: join(ROOT, 'data/kev/known_exploited_vulnerabilities.json'),
      validationsFile: join(ROOT, 'data/demo/validations.csv'),
      outDir,
    });
    sqs = new SQSClient({
      region: LOCAL_REGION,
      endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      useQueueUrlAsEndpoint: false,
    });
  }, 600_000);

  afterAll(async () => {
    vi.restoreAllMocks();
    delete process.env[ENV.cmmsMaxRetryAfterSeconds];
    sqs?.destroy();
    runner?.close();
    await stack?.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('holds every planned work order exactly once in ServiceNow despite 429s and 20% faults', () => {
    const records = stack.servicenow?.list('change_request') ?? [];
    const counts = new Map<string, number>();
    for (const r of records)
      counts.set(r.correlation_id ?? '', (counts.get(r.correlation_id ?? '') ?? 0) + 1);
    expect(result.workOrders.length).toBeGreaterThan(10);
    for (const workOrder of result.workOrders) expect(counts.get(workOrder.correlationId)).toBe(1);
    expect(records.length).toBe(result.workOrders.length);
    expect(result.workOrders.every((w) => w.cmmsRef)).toBe(true);
  });

  it('really rate-limited the dispatch, and held rate-limited messages for the Retry-After', () => {
    const limited = exchanges.filter((e) => e.status === 429);
    expect(limited.filter((e) => e.correlationId !== undefined).length).toBeGreaterThan(0);
    expect(holds.length).toBeGreaterThan(0);
    for (const hold of holds) {
      expect(hold.QueueUrl).toBe(stack.queueUrls.workOrders);
      expect(hold.VisibilityTimeout).toBeGreaterThanOrEqual(1);
      expect(hold.VisibilityTimeout).toBeLessThanOrEqual(Math.ceil(WINDOW_MS / 1000) + 1);
    }
  });

  it('redelivers a held message no earlier than its hold', () => {
    const byHandle = new Map(receives.map((r) => [r.receiptHandle, r]));
    let redelivered = 0;
    for (const hold of holds) {
      const received = byHandle.get(hold.ReceiptHandle ?? '');
      if (!received) throw new Error(`hold of an unknown receipt handle ${hold.ReceiptHandle}`);
      const next = receives.find((r) => r.messageId === received.messageId && r.at > received.at);
      if (!next) continue; // only a message that comes back is checked; all of them are dispatched (see above)
      expect(next.at).toBeGreaterThanOrEqual(hold.at + (hold.VisibilityTimeout ?? 0) * 1000);
      redelivered += 1;
    }
    expect(redelivered).toBeGreaterThan(0);
  });

  it('sends no request for a work order before the Retry-After it was given has passed in simulator time', () => {
    const bySysId = new Map(
      (stack.servicenow?.list('change_request') ?? []).map((r) => [r.sys_id ?? '', r.correlation_id ?? '']),
    );
    const forWorkOrder = new Map<string, Exchange[]>();
    for (const e of exchanges) {
      const id = e.correlationId ?? (e.sysId ? bySysId.get(e.sysId) : undefined);
      if (!id) continue;
      forWorkOrder.set(id, [...(forWorkOrder.get(id) ?? []), e]);
    }
    let checked = 0;
    for (const list of forWorkOrder.values()) {
      for (const limited of list.filter((e) => e.status === 429)) {
        const notBefore = limited.answeredAt + (limited.retryAfterSeconds ?? 0) * 1000;
        for (const later of list.filter((e) => e.sentAt > limited.answeredAt)) {
          expect(later.sentAt).toBeGreaterThanOrEqual(notBefore);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('sends no work order to the dead-letter queue', async () => {
    const dead = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: stack.dlqUrls.workOrders,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    expect(dead.Messages ?? []).toEqual([]);
  });
});
