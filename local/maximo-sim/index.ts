import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small IBM Maximo REST/OSLC JSON simulator (reference servicenow-and-cmms.md §4.1), enough to prove the
 * connector port is not ServiceNow-shaped: `/maximo/oslc/os/mxapiasset` and `/maximo/oslc/os/mxapiwodetail`
 * with `lean=1`, `oslc.select`, `oslc.where` (`and`-joined `attr op value`, ops = != >= <= > <, quoted strings),
 * `oslc.orderBy`, `oslc.pageSize` with `responseInfo.nextPage.href` (`pageno`), `stablepaging=1` (the result
 * set is fixed when the first page is read, so rows changed while paging neither shift nor repeat), auth by
 * `apikey` or `maxauth` header, `x-method-override: SYNC` upsert on the key (wonum + siteid), `transactionid`
 * duplicate protection (409 on a replay within 5 minutes), the `{"Error":{…}}` envelope, and fault injection
 * (5xx, dropped connections, a forced status for the next N requests).
 */

export type MaximoRecord = Record<string, string>;

export interface MaximoSimOptions {
  port?: number;
  apiKey?: string;
  users?: { username: string; password: string }[];
  /** Max oslc.pageSize (mxe.oslc.maxpagesize); larger requests fail with 400. */
  maxPageSize?: number;
  now?: () => Date;
  random?: () => number;
}

export interface MaximoFaults {
  errorRate?: number;
  dropRate?: number;
  /** Answer the next `count` requests with this status (and `headers`), e.g. 429 with Retry-After. */
  forced?: {
    status: number;
    count: number;
    headers?: Record<string, string>;
    drop?: boolean;
    delayMs?: number;
  };
}

export interface MaximoSimulator {
  readonly url: string;
  stop(): Promise<void>;
  /** Adds or replaces an asset (key assetnum + siteid); sets assetuid and changedate. */
  putAsset(asset: MaximoRecord): MaximoRecord;
  assets(): MaximoRecord[];
  workOrders(): MaximoRecord[];
  setFaults(faults: MaximoFaults): void;
  requestCount(): number;
  advanceClock(ms: number): void;
}

const OBJECTS = ['mxapiasset', 'mxapiwodetail'] as const;
type ObjectName = (typeof OBJECTS)[number];

export async function startMaximoSimulator(options: MaximoSimOptions = {}): Promise<MaximoSimulator> {
  const apiKey = options.apiKey ?? 'medpatch-apikey';
  const users = options.users ?? [{ username: 'maxadmin', password: 'maxadmin' }];
  const maxPageSize = options.maxPageSize ?? 1000;
  let offsetMs = 0;
  const now = () => new Date((options.now?.() ?? new Date()).getTime() + offsetMs);
  const random = options.random ?? Math.random;
  const store: Record<ObjectName, MaximoRecord[]> = { mxapiasset: [], mxapiwodetail: [] };
  const snapshots = new Map<string, MaximoRecord[]>();
  const transactions = new Map<string, number>();
  let faults: MaximoFaults = {};
  let requests = 0;
  let uid = 1000;
  let baseUrl = '';

  const stamp = () =>
    now()
      .toISOString()
      .replace(/\.\d{3}Z$/, '+00:00');
  const keyOf = (object: ObjectName, r: MaximoRecord) =>
    object === 'mxapiasset' ? `${r.assetnum}|${r.siteid}` : `${r.wonum}|${r.siteid}`;
  const upsert = (object: ObjectName, values: MaximoRecord): { record: MaximoRecord; created: boolean } => {
    const rows = store[object];
    const index = rows.findIndex((r) => keyOf(object, r) === keyOf(object, values));
    const uidField = object === 'mxapiasset' ? 'assetuid' : 'workorderid';
    if (index >= 0) {
      const record = {
        ...(rows[index] as MaximoRecord),
        ...values,
        changedate: values.changedate ?? stamp(),
      };
      rows[index] = record;
      return { record, created: false };
    }
    uid += 1;
    const record = { [uidField]: String(uid), changedate: stamp(), ...values };
    rows.push(record);
    return { record, created: true };
  };

  const server = createServer((req, res) => {
    requests += 1;
    handle(req, res).catch((error: unknown) =>
      sendError(res, 500, 'BMXAA0000E', error instanceof Error ? error.message : String(error)),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const forced = faults.forced;
    if (forced && forced.count > 0) {
      forced.count -= 1;
      if (forced.delayMs) await new Promise((r) => setTimeout(r, forced.delayMs));
      if (forced.drop) {
        req.socket.destroy();
        return;
      }
      res.writeHead(forced.status, { 'Content-Type': 'application/json', ...forced.headers });
      res.end(errorJson(forced.status, 'BMXAA9999E', `Simulated ${forced.status}`));
      return;
    }
    if (faults.dropRate && random() < faults.dropRate) {
      req.socket.destroy();
      return;
    }
    if (faults.errorRate && random() < faults.errorRate) {
      sendError(res, 503, 'BMXAA9998E', 'Simulated fault');
      return;
    }
    const url = new URL(req.url ?? '/', baseUrl);
    const match = /^\/maximo\/(?:oslc|api)\/os\/([a-z]+)(?:\/([^/]+))?$/.exec(url.pathname);
    const object = match?.[1] as ObjectName | undefined;
    if (!match || !object || !OBJECTS.includes(object)) {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html><body>Error 404: SRVE0190E: File not found</body></html>');
      return;
    }
    if (!authenticated(req)) {
      sendError(res, 401, 'BMXAA7901E', 'You cannot log in at this time. Contact the system administrator.');
      return;
    }
    const method = String(req.headers['x-method-override'] ?? req.method ?? 'GET').toUpperCase();
    if (req.method === 'GET') {
      read(object, url, res);
      return;
    }
    if (req.method === 'POST') {
      const body = await readBody(req);
      let values: MaximoRecord;
      try {
        values = JSON.parse(body) as MaximoRecord;
      } catch {
        sendError(res, 400, 'BMXAA1234E', 'The request body is not valid JSON.');
        return;
      }
      const transactionId = req.headers.transactionid;
      if (typeof transactionId === 'string') {
        const seenAt = transactions.get(transactionId);
        if (seenAt !== undefined && now().getTime() - seenAt < 300_000) {
          sendError(res, 409, 'BMXAA9549E', `Transaction ${transactionId} was already processed.`);
          return;
        }
      }
      const required = object === 'mxapiwodetail' ? ['wonum', 'siteid'] : ['assetnum', 'siteid'];
      const missing = required.find((f) => !values[f]);
      if (missing) {
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            Error: {
              errorattrname: missing,
              errorobjpath: object,
              reasonCode: 'BMXAA4195E',
              message: `BMXAA4195E - A value is required for the ${missing} field.`,
              statusCode: '400',
            },
          }),
        );
        return;
      }
      if (method !== 'SYNC' && method !== 'POST') {
        sendError(res, 400, 'BMXAA0001E', `Unsupported x-method-override ${method}`);
        return;
      }
      const { record, created } =
        method === 'POST' && store[object].some((r) => keyOf(object, r) === keyOf(object, values))
          ? { record: undefined, created: false }
          : upsert(object, values);
      if (!record) {
        sendError(res, 400, 'BMXAA4129E', `Record ${keyOf(object, values)} already exists.`);
        return;
      }
      if (typeof transactionId === 'string') transactions.set(transactionId, now().getTime());
      const id = record.assetuid ?? record.workorderid ?? '';
      const headers: Record<string, string> = { Location: `${baseUrl}/maximo/oslc/os/${object}/${id}` };
      if (req.headers.properties) {
        res.writeHead(created ? 201 : 200, { 'Content-Type': 'application/json', ...headers });
        res.end(JSON.stringify(record));
      } else {
        res.writeHead(created ? 201 : 204, headers);
        res.end();
      }
      return;
    }
    sendError(res, 405, 'BMXAA0002E', `Method ${req.method} not allowed`);
  }

  function read(object: ObjectName, url: URL, res: ServerResponse): void {
    const params = url.searchParams;
    const pageSize = Number(params.get('oslc.pageSize') ?? '0');
    if (pageSize > maxPageSize) {
      sendError(res, 400, 'BMXAA8741E', `The page size ${pageSize} exceeds the maximum ${maxPageSize}.`);
      return;
    }
    let rows: MaximoRecord[];
    const snapshotId = params.get('_snapshot');
    if (snapshotId) {
      const snapshot = snapshots.get(snapshotId);
      if (!snapshot) {
        sendError(res, 400, 'BMXAA8743E', 'The stable paging result set expired.');
        return;
      }
      rows = snapshot;
    } else {
      const where = parseWhere(params.get('oslc.where') ?? '');
      if (where instanceof Error) {
        sendError(res, 400, 'BMXAA8727E', where.message);
        return;
      }
      rows = store[object].filter((r) => where.every((c) => compare(r[c.attr] ?? '', c.op, c.value)));
      rows = sortRows(rows, params.get('oslc.orderBy') ?? '').map((r) => ({ ...r }));
    }
    const pageno = Number(params.get('pageno') ?? '1');
    const size = pageSize > 0 ? pageSize : rows.length || 1;
    const slice = rows.slice((pageno - 1) * size, pageno * size);
    const select = (params.get('oslc.select') ?? '*').split(',').map((s) => s.trim());
    const member = slice.map((r) => {
      const id = r.assetuid ?? r.workorderid ?? '';
      const out: Record<string, string> = { href: `${baseUrl}/maximo/oslc/os/${object}/_${id}` };
      for (const [k, v] of Object.entries(r)) if (select.includes('*') || select.includes(k)) out[k] = v;
      return out;
    });
    const responseInfo: Record<string, unknown> = { href: url.href, pagenum: pageno };
    if (pageSize > 0 && pageno * size < rows.length) {
      const next = new URL(url.href);
      if (params.get('stablepaging') === '1' && !snapshotId) {
        const id = `S${snapshots.size + 1}`;
        snapshots.set(id, rows);
        next.searchParams.set('_snapshot', id);
      }
      next.searchParams.set('pageno', String(pageno + 1));
      responseInfo.nextPage = { href: next.href };
    }
    if (params.get('collectioncount') === '1') {
      responseInfo.totalCount = rows.length;
      responseInfo.totalPages = Math.ceil(rows.length / size);
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ member, responseInfo }));
  }

  function authenticated(req: IncomingMessage): boolean {
    if (req.headers.apikey === apiKey) return true;
    const maxauth = req.headers.maxauth;
    if (typeof maxauth === 'string') {
      const [user, ...rest] = Buffer.from(maxauth, 'base64').toString('utf8').split(':');
      return users.some((u) => u.username === user && u.password === rest.join(':'));
    }
    return false;
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopped: Promise<void> | undefined;
  return {
    url: baseUrl,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
    putAsset: (asset) => ({ ...upsert('mxapiasset', asset).record }),
    assets: () => store.mxapiasset.map((r) => ({ ...r })),
    workOrders: () => store.mxapiwodetail.map((r) => ({ ...r })),
    setFaults: (next) => {
      faults = { ...next, ...(next.forced ? { forced: { ...next.forced } } : {}) };
    },
    requestCount: () => requests,
    advanceClock: (ms) => {
      offsetMs += ms;
    },
  };
}

type Condition = { attr: string; op: string; value: string };

function parseWhere(where: string): Condition[] | Error {
  if (where.trim() === '') return [];
  const out: Condition[] = [];
  for (const part of where.split(/\s+and\s+/i)) {
    const m = /^\s*([a-z0-9_.]+)\s*(!=|>=|<=|=|>|<)\s*(?:"([^"]*)"|([^\s"]+))\s*$/i.exec(part);
    if (!m) return new Error(`BMXAA8727E - The oslc.where clause "${part}" is not valid.`);
    out.push({ attr: (m[1] ?? '').toLowerCase(), op: m[2] ?? '=', value: m[3] ?? m[4] ?? '' });
  }
  return out;
}

function compare(actual: string, op: string, expected: string): boolean {
  const numeric = /^-?\d+(\.\d+)?$/.test(actual) && /^-?\d+(\.\d+)?$/.test(expected);
  const a = numeric ? Number(actual) : actual;
  const b = numeric ? Number(expected) : expected;
  switch (op) {
    case '=':
      return expected === '*' ? actual !== '' : a === b;
    case '!=':
      return expected === '*' ? actual === '' : a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    default:
      return a <= b;
  }
}

function sortRows(rows: MaximoRecord[], orderBy: string): MaximoRecord[] {
  const keys = orderBy
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => ({ desc: k.startsWith('-'), attr: k.replace(/^[+-]/, '') }));
  if (keys.length === 0) return [...rows];
  return [...rows].sort((x, y) => {
    for (const { desc, attr } of keys) {
      const a = x[attr] ?? '';
      const b = y[attr] ?? '';
      if (a !== b) return (a < b ? -1 : 1) * (desc ? -1 : 1);
    }
    return 0;
  });
}

function errorJson(status: number, reasonCode: string, message: string): string {
  return JSON.stringify({
    Error: { reasonCode, message: `${reasonCode} - ${message}`, statusCode: String(status) },
  });
}

function sendError(res: ServerResponse, status: number, reasonCode: string, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(errorJson(status, reasonCode, message));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
