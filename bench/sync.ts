/**
 * npm run bench:sync [-- --devices 100000 --page-size 1000]
 *
 * Device sync benchmark (issue 3): N devices in the ServiceNow simulator synced into DynamoDB Local through the
 * real connector, use-case, repository and SQS adapter. The simulator runs in its own process, as the remote
 * instance it stands in for (in this thread its page filtering would be charged to the sync). Measured in one run:
 *   - fetch-only baseline: the same connector paging the simulator, nothing stored (before and after the full
 *     sync; the ratio uses their mean);
 *   - full sync into an empty store: wall time, HTTP requests, DynamoDB write units (ConsumedCapacity);
 *   - unchanged full re-sync: items written (must be 0);
 *   - incremental sync after 100 edits: records read (about 100, not N).
 * Prints one JSON line and writes bench/results/sync.json.
 */

import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localDynamoDbClient, localSqsClient, startLocalStack } from '../local/stack';
import { DynamoDeviceRepository } from '../shared/adapters/dynamodb/device-repository';
import { TableClient } from '../shared/adapters/dynamodb/table-client';
import { SqsMatchQueue } from '../shared/adapters/sqs/sqs-queues';
import { syncDevices } from '../shared/application/sync-devices';
import { ServiceNowConnector } from '../shared/connectors/servicenow/connector';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100000' },
    'page-size': { type: 'string', default: '1000' },
    edits: { type: 'string', default: '100' },
  },
});
const DEVICES = Number(values.devices);
const PAGE_SIZE = Number(values['page-size']);
const EDITS = Number(values.edits);
const BASIC = `Basic ${Buffer.from('admin:admin').toString('base64')}`;
const log = (line: string) => process.stderr.write(`bench:sync ${line}\n`);

async function main(): Promise<void> {
  const sim = await startSimulatorProcess();
  const stack = await startLocalStack({ servicenow: false });
  const dynamodb = localDynamoDbClient(stack);
  const sqs = localSqsClient(stack);
  /** Write units per DynamoDB's pricing rules (1 per KB per item; 2 in a transaction), from what was sent. */
  let writeUnits = 0;
  let readUnits = 0;
  /**
   * Whether requests ask DynamoDB for the capacity they consumed (read units). Off during the timed full sync:
   * rewriting every request body is the benchmark's own work, not the sync's.
   */
  let askCapacity = false;
  const WRITES = /^(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)Command$/;
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      // After serialization the body is the low-level (marshalled) request: size the items written from it.
      const request = args.request as { body?: unknown; headers?: Record<string, string> };
      const command = String(context.commandName);
      const writes = WRITES.test(command);
      const raw =
        typeof request.body === 'string'
          ? request.body
          : request.body instanceof Uint8Array
            ? Buffer.from(request.body).toString('utf8')
            : undefined;
      if (raw !== undefined && (writes || askCapacity)) {
        const body = JSON.parse(raw) as Record<string, unknown>;
        if (writes) writeUnits += modelledWriteUnits(command, body);
        if (askCapacity) {
          body.ReturnConsumedCapacity = 'TOTAL';
          request.body = JSON.stringify(body);
          if (request.headers?.['content-length'] !== undefined)
            request.headers['content-length'] = String(Buffer.byteLength(request.body as string));
        }
      }
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      const units = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce(
        (sum: number, c) => sum + ((c as { CapacityUnits?: number }).CapacityUnits ?? 0),
        0,
      );
      if (!writes) readUnits += units;
      return result;
    },
    { step: 'build', name: 'benchConsumedCapacity' },
  );
  try {
    log(`seeding ${DEVICES} devices…`);
    const sysIds = await sim.seed(DEVICES);

    const connector = () =>
      new ServiceNowConnector({
        instanceUrl: sim.url,
        auth: { kind: 'basic', username: 'admin', password: 'admin' },
        pageSize: PAGE_SIZE,
      });
    const table = new TableClient(dynamodb, stack.tableNames.main);
    const deps = () => ({
      source: connector(),
      devices: new DynamoDeviceRepository(table),
      matchQueue: new SqsMatchQueue(sqs, stack.queueUrls.match),
    });
    const actor = { actor: 'bench', reason: 'bench:sync' };

    /** Pages the simulator through the same connector, storing nothing. */
    const fetchOnly = async (): Promise<{ seconds: number; requests: number }> => {
      const before = await sim.requestCount();
      const begin = performance.now();
      let fetched = 0;
      for await (const page of connector().readDevices(null)) fetched += page.devices.length;
      if (fetched !== DEVICES) throw new Error(`fetch-only read ${fetched} of ${DEVICES}`);
      return { seconds: (performance.now() - begin) / 1000, requests: (await sim.requestCount()) - before };
    };
    log('fetch-only baseline…');
    const fetchBefore = await fetchOnly();
    const fetchOnlyRequests = fetchBefore.requests;

    log('full sync into an empty store…');
    let requests = await sim.requestCount();
    writeUnits = 0;
    let started = performance.now();
    const full = await syncDevices(deps(), { mode: 'full', actor });
    const wallSeconds = (performance.now() - started) / 1000;
    const httpRequests = (await sim.requestCount()) - requests;
    const fullWriteUnits = writeUnits;
    if (full.written !== DEVICES) throw new Error(`full sync wrote ${full.written} of ${DEVICES}`);
    // The baseline again, right after: the ratio uses the mean of both, so a load change on the machine during
    // the run moves baseline and sync alike instead of skewing the ratio.
    log('fetch-only baseline again…');
    const fetchAfter = await fetchOnly();
    const fetchOnlySeconds = (fetchBefore.seconds + fetchAfter.seconds) / 2;

    log('unchanged re-sync…');
    askCapacity = true;
    writeUnits = 0;
    readUnits = 0;
    started = performance.now();
    const unchanged = await syncDevices(deps(), { mode: 'full', actor });
    const unchangedSeconds = (performance.now() - started) / 1000;
    const unchangedWriteUnits = writeUnits;
    const unchangedReadUnits = readUnits;

    log(`incremental sync after ${EDITS} edits…`);
    await sim.advanceClock(3_600_000);
    for (let e = 0; e < EDITS; e++) {
      const sysId = sysIds[Math.floor((e * DEVICES) / EDITS)] ?? '';
      const res = await fetch(`${sim.url}/api/now/table/cmdb_ci_med_device/${sysId}`, {
        method: 'PATCH',
        headers: { Authorization: BASIC, Accept: 'application/json', 'Content-Type': 'application/json' },
        body: JSON.stringify({ u_software_version: `v9.${e}` }),
      });
      if (res.status !== 200) throw new Error(`edit ${sysId}: ${res.status}`);
    }
    requests = await sim.requestCount();
    writeUnits = 0;
    readUnits = 0;
    started = performance.now();
    const incremental = await syncDevices(deps(), { mode: 'incremental', actor });
    const incrementalSeconds = (performance.now() - started) / 1000;
    const incrementalRequests = (await sim.requestCount()) - requests;

    const result = {
      bench: 'sync',
      devices: DEVICES,
      pageSize: PAGE_SIZE,
      wallSeconds: round(wallSeconds),
      fetchOnlySeconds: round(fetchOnlySeconds),
      fetchOnlyRuns: [round(fetchBefore.seconds), round(fetchAfter.seconds)],
      ratioToFetchOnly: round(wallSeconds / fetchOnlySeconds),
      httpRequests,
      fetchOnlyHttpRequests: fetchOnlyRequests,
      writeUnits: round(fullWriteUnits),
      devicesWritten: full.written,
      unchangedResyncWrites: unchanged.written,
      unchangedResyncWriteUnits: round(unchangedWriteUnits),
      unchangedResyncSeconds: round(unchangedSeconds),
      edits: EDITS,
      incrementalRecordsRead: incremental.read,
      incrementalWrites: incremental.written,
      incrementalHttpRequests: incrementalRequests,
      incrementalSeconds: round(incrementalSeconds),
      unchangedResyncReadUnits: round(unchangedReadUnits),
      incrementalReadUnits: round(readUnits),
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
      at: new Date().toISOString(),
    };
    const line = JSON.stringify(result);
    console.log(line);
    const dir = join(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'sync.json'), `${line}\n`);
  } finally {
    dynamodb.destroy();
    sqs.destroy();
    await stack.stop();
    await sim.stop();
  }
}

/** The simulator in its own process (bench/sync-simulator-process.ts), like the remote server it stands in for. */
async function startSimulatorProcess(): Promise<{
  url: string;
  seed(devices: number): Promise<string[]>;
  requestCount(): Promise<number>;
  advanceClock(ms: number): Promise<void>;
  stop(): Promise<void>;
}> {
  const child = fork(new URL('./sync-simulator-process.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (result: unknown) => void>();
  let nextId = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the simulator process exited (${code})`)));
    child.on('message', (message: { ready?: boolean; url?: string; id?: number; result?: unknown }) => {
      if (message.ready) resolve(String(message.url));
      else if (message.id !== undefined) pending.get(message.id)?.(message.result);
    });
  });
  const call = <T>(request: Record<string, unknown>): Promise<T> =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, (result) => {
        pending.delete(id);
        resolve(result as T);
      });
      child.send({ ...request, id });
    });
  return {
    url,
    seed: (devices) => call<string[]>({ method: 'seed', devices }),
    requestCount: () => call<number>({ method: 'requestCount' }),
    advanceClock: (ms) => call<void>({ method: 'advanceClock', ms }),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await call<void>({ method: 'stop' });
      child.kill();
      await exited;
    },
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

type AttributeValue = {
  S?: string;
  N?: string;
  B?: Uint8Array;
  BOOL?: boolean;
  NULL?: boolean;
  M?: Record<string, AttributeValue>;
  L?: AttributeValue[];
  SS?: string[];
};

/** DynamoDB item size: attribute names plus values (strings by UTF-8 length, numbers ~1 byte per 2 digits). */
function attributeBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.length / 2) + 1;
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (value.M) return 3 + itemBytes(value.M) + Object.keys(value.M).length;
  if (value.L) return 3 + value.L.reduce((n, v) => n + attributeBytes(v) + 1, 0);
  return 0;
}

function itemBytes(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce(
    (n, [name, value]) => n + Buffer.byteLength(name) + attributeBytes(value),
    0,
  );
}

function modelledWriteUnits(command: string, input: unknown): number {
  const units = (item: Record<string, AttributeValue> | undefined) =>
    Math.max(1, Math.ceil(itemBytes(item ?? {}) / 1024));
  if (command === 'TransactWriteItemsCommand') {
    const items =
      (
        input as {
          TransactItems?: {
            Put?: { Item?: Record<string, AttributeValue> };
            Delete?: unknown;
            Update?: unknown;
          }[];
        }
      ).TransactItems ?? [];
    return items.reduce((n, t) => n + 2 * (t.Put ? units(t.Put.Item) : 1), 0);
  }
  if (command === 'BatchWriteItemCommand') {
    const tables =
      (
        input as {
          RequestItems?: Record<string, { PutRequest?: { Item?: Record<string, AttributeValue> } }[]>;
        }
      ).RequestItems ?? {};
    return Object.values(tables)
      .flat()
      .reduce((n, r) => n + (r.PutRequest ? units(r.PutRequest.Item) : 1), 0);
  }
  if (command === 'PutItemCommand') return units((input as { Item?: Record<string, AttributeValue> }).Item);
  return 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
