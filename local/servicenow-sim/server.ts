import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthService } from './auth';
import type { SimClock } from './clock';
import {
  applyEncodedQuery,
  type EncodedQuery,
  parseEncodedQuery,
  type QueryFieldResolver,
} from './encoded-query';
import { type FaultInjector, faultResponse } from './faults';
import type { RateLimiter } from './rate-limit';
import {
  fieldSchemaAt,
  parseDisplayValueMode,
  type RenderOptions,
  renderRecord,
  resolveField,
} from './render';
import type { RecordStore, SnRecord } from './store';

/** HTTP routing and the Table API semantics (reference §1.1–§1.7, §7.1–§7.3). */

export interface RequestHandlerDeps {
  store: RecordStore;
  auth: AuthService;
  rateLimiter: RateLimiter;
  faults: FaultInjector;
  clock: SimClock;
  baseUrl: () => string;
  invalidQueryReturnsNoRows: boolean;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_LIMIT = 10_000;
export const MAX_BODY_BYTES = 10_485_760;
const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

type ErrorBody = { error: { message: string; detail: string | null }; status: 'failure' };

const errorBody = (message: string, detail: string | null): ErrorBody => ({
  error: { message, detail },
  status: 'failure',
});

export const NOT_FOUND_BODY = errorBody(
  'No Record found',
  "Record doesn't exist or ACL restricts the record retrieval",
);
export const NOT_AUTHENTICATED_BODY = errorBody(
  'User Not Authenticated',
  'Required to provide Auth information',
);

interface TableRoute {
  kind: 'table';
  version: 'v1' | 'v2';
  table: string;
  sysId: string | undefined;
}

interface StatsRoute {
  kind: 'stats';
  table: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.error.message);
    this.name = 'HttpError';
  }
}

export function createRequestHandler(
  deps: RequestHandlerDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        send(res, error.status, error.body, error.headers);
        return;
      }
      send(
        res,
        500,
        errorBody('Internal Server Error', error instanceof Error ? error.message : String(error)),
      );
    });
  };
}

async function handle(deps: RequestHandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const latency = deps.faults.latencyMs();
  if (latency > 0) await deps.sleep(latency);
  const override = req.headers['x-http-method-override'];
  const method = (
    typeof override === 'string' && override !== '' ? override : (req.method ?? 'GET')
  ).toUpperCase();
  const fault = deps.faults.decide(method);
  if (fault.kind === 'drop') {
    req.socket.destroy();
    return;
  }
  if (fault.kind === 'error') {
    const { contentType, body } = faultResponse(fault.status);
    res.writeHead(fault.status, { 'Content-Type': contentType });
    res.end(body);
    return;
  }

  const url = new URL(req.url ?? '/', deps.baseUrl());
  if (url.pathname === '/oauth_token.do') {
    await handleToken(deps, req, res, method);
    return;
  }
  const route = matchRoute(url.pathname);
  if (route === undefined) {
    throw new HttpError(400, errorBody('Requested URI does not represent any resource', null));
  }
  const user = deps.auth.authenticate(req.headers.authorization);
  if (user === undefined) {
    throw new HttpError(401, NOT_AUTHENTICATED_BODY, { 'WWW-Authenticate': 'Basic realm="Service-now"' });
  }
  if (!acceptsJson(req.headers.accept)) {
    throw new HttpError(406, errorBody('Not Acceptable', `Unsupported Accept header: ${req.headers.accept}`));
  }
  const limit = deps.rateLimiter.check({ user, method, table: route.table });
  if (!limit.allowed && limit.body !== undefined) throw new HttpError(429, limit.body, limit.headers);
  for (const [name, value] of Object.entries(limit.headers)) res.setHeader(name, value);
  if (!deps.store.catalog.has(route.table)) {
    throw new HttpError(400, errorBody(`Invalid table ${route.table}`, null));
  }

  if (route.kind === 'stats') {
    if (method !== 'GET') throw methodNotAllowed(method);
    const rows = queryRows(deps, route.table, url.searchParams);
    send(res, 200, { result: { stats: { count: String(rows.length) } } });
    return;
  }

  const renderOptions = readRenderOptions(deps, url.searchParams);
  const { table, sysId } = route;
  switch (method) {
    case 'GET':
    case 'HEAD': {
      const head = method === 'HEAD';
      if (sysId !== undefined) {
        const record = deps.store.get(table, sysId);
        if (record === undefined) throw new HttpError(404, NOT_FOUND_BODY);
        send(res, 200, { result: renderRecord(deps.store, table, record, renderOptions) }, {}, head);
        return;
      }
      getCollection(deps, res, route, url, renderOptions, head);
      return;
    }
    case 'POST': {
      if (sysId !== undefined) throw methodNotAllowed(method);
      const values = await readRecordBody(req);
      const record = deps.store.insert(table, values, {
        user,
        inputDisplayValue: isTrue(url.searchParams.get('sysparm_input_display_value')),
      });
      if (fault.kind === 'commit-then-drop') {
        req.socket.destroy();
        return;
      }
      const location = `${deps.baseUrl()}/api/now/table/${table}/${record.sys_id}`;
      sendWrite(req, res, 201, renderRecord(deps.store, table, record, renderOptions), {
        Location: location,
      });
      return;
    }
    case 'PUT':
    case 'PATCH': {
      if (sysId === undefined) throw methodNotAllowed(method);
      const values = await readRecordBody(req);
      const record = deps.store.update(table, sysId, values, {
        user,
        inputDisplayValue: isTrue(url.searchParams.get('sysparm_input_display_value')),
      });
      if (record === undefined) throw new HttpError(404, NOT_FOUND_BODY);
      if (fault.kind === 'commit-then-drop') {
        req.socket.destroy();
        return;
      }
      sendWrite(req, res, 200, renderRecord(deps.store, table, record, renderOptions));
      return;
    }
    case 'DELETE': {
      if (sysId === undefined) throw methodNotAllowed(method);
      if (!deps.store.delete(table, sysId)) throw new HttpError(404, NOT_FOUND_BODY);
      res.writeHead(204);
      res.end();
      return;
    }
    default:
      throw methodNotAllowed(method);
  }
}

function getCollection(
  deps: RequestHandlerDeps,
  res: ServerResponse,
  route: TableRoute,
  url: URL,
  renderOptions: RenderOptions,
  head: boolean,
): void {
  const params = url.searchParams;
  const rows = queryRows(deps, route.table, params);
  const limit = positiveInt(params.get('sysparm_limit')) ?? DEFAULT_LIMIT;
  const offset = nonNegativeInt(params.get('sysparm_offset')) ?? 0;
  const page = rows.slice(offset, offset + limit);
  if (route.version === 'v1' && page.length === 0) {
    throw new HttpError(
      404,
      errorBody(
        'No Record found',
        'Records matching query not found. Check query parameter or offset parameter',
      ),
    );
  }
  const headers: Record<string, string> = {};
  if (!isTrue(params.get('sysparm_no_count'))) headers['X-Total-Count'] = String(rows.length);
  const link = paginationLink(url, deps.baseUrl(), rows.length, offset, limit);
  if (link !== undefined && !isTrue(params.get('sysparm_suppress_pagination_header'))) headers.Link = link;
  const result = page.map((record) => renderRecord(deps.store, route.table, record, renderOptions));
  send(res, 200, { result }, headers, head);
}

/** Rows matching sysparm_query plus name-value pair filters (ANDed to every block), sorted. */
function queryRows(deps: RequestHandlerDeps, table: string, params: URLSearchParams): SnRecord[] {
  const query = parseEncodedQuery(params.get('sysparm_query') ?? '');
  addNameValueFilters(query, params);
  const { store } = deps;
  const resolver: QueryFieldResolver = {
    schema: (path) => fieldSchemaAt(store.catalog, table, path),
    read: (record, path) => resolveField(store, table, record, path)?.value ?? '',
    display: (record, path) => {
      const resolved = resolveField(store, table, record, path);
      return resolved === undefined ? '' : store.displayValue(resolved.schema, resolved.value);
    },
  };
  return applyEncodedQuery(store.rows(table), query, resolver, {
    now: deps.clock.now(),
    invalidQueryReturnsNoRows: deps.invalidQueryReturnsNoRows,
  });
}

function addNameValueFilters(query: EncodedQuery, params: URLSearchParams): void {
  const filters = [...params.entries()]
    .filter(([name]) => !name.startsWith('sysparm_'))
    .map(([field, value]) => [{ field, operator: '=' as const, value }]);
  if (filters.length === 0) return;
  if (query.blocks.length === 0) query.blocks.push([]);
  for (const block of query.blocks) block.push(...filters);
}

/** `Link` with first/prev/next/last; omitted when everything fits on one page (reference §1.6). */
function paginationLink(
  url: URL,
  baseUrl: string,
  total: number,
  offset: number,
  limit: number,
): string | undefined {
  if (offset === 0 && total <= limit) return undefined;
  const at = (pageOffset: number) => {
    const params = new URLSearchParams(url.searchParams);
    params.delete('sysparm_offset');
    params.delete('sysparm_limit');
    params.append('sysparm_offset', String(pageOffset));
    params.append('sysparm_limit', String(limit));
    return `<${baseUrl}${url.pathname}?${params.toString()}>`;
  };
  const lastOffset = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
  const links = [`${at(0)};rel="first"`];
  if (offset > 0) links.push(`${at(Math.max(0, offset - limit))};rel="prev"`);
  if (offset + limit < total) links.push(`${at(offset + limit)};rel="next"`);
  links.push(`${at(lastOffset)};rel="last"`);
  return links.join(',');
}

async function handleToken(
  deps: RequestHandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
): Promise<void> {
  const raw = await readBody(req);
  const contentType = req.headers['content-type'] ?? '';
  // "A content-type of application/json results in an unspecified error" (§1.8): answered like any denial.
  if (method !== 'POST' || !contentType.toLowerCase().includes('application/x-www-form-urlencoded')) {
    send(res, 401, { error_description: 'access_denied', error: 'server_error' });
    return;
  }
  const outcome = deps.auth.token(new URLSearchParams(raw.toString('utf8')));
  send(res, outcome.status, outcome.body);
}

function matchRoute(pathname: string): TableRoute | StatsRoute | undefined {
  const table = /^\/api\/now(?:\/(v1|v2))?\/table\/([^/]+)(?:\/([^/]+))?\/?$/.exec(pathname);
  if (table !== null) {
    return {
      kind: 'table',
      version: table[1] === 'v1' ? 'v1' : 'v2',
      table: decodeURIComponent(table[2] ?? ''),
      sysId: table[3] === undefined ? undefined : decodeURIComponent(table[3]),
    };
  }
  const stats = /^\/api\/now(?:\/v1)?\/stats\/([^/]+)\/?$/.exec(pathname);
  if (stats !== null) return { kind: 'stats', table: decodeURIComponent(stats[1] ?? '') };
  return undefined;
}

function readRenderOptions(deps: RequestHandlerDeps, params: URLSearchParams): RenderOptions {
  const fields = params
    .get('sysparm_fields')
    ?.split(',')
    .map((field) => field.trim())
    .filter((field) => field !== '');
  return {
    displayValue: parseDisplayValueMode(params.get('sysparm_display_value')),
    excludeReferenceLink: isTrue(params.get('sysparm_exclude_reference_link')),
    fields: fields === undefined || fields.length === 0 ? undefined : fields,
    baseUrl: deps.baseUrl(),
  };
}

async function readRecordBody(req: IncomingMessage): Promise<Record<string, string>> {
  const contentType = req.headers['content-type'];
  if (contentType !== undefined && !contentType.toLowerCase().includes('json')) {
    throw new HttpError(
      415,
      errorBody('Unsupported Media Type', `Content-Type ${contentType} is not supported`),
    );
  }
  const raw = await readBody(req);
  if (raw.length > MAX_BODY_BYTES) {
    throw new HttpError(
      400,
      errorBody(
        'Exception while reading request',
        `Rejected large REST payload with content-length = ${raw.length} bytes. Max allowed: ${MAX_BODY_BYTES} bytes.`,
      ),
    );
  }
  let parsed: unknown;
  try {
    parsed = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new HttpError(
      400,
      errorBody('Exception while reading request', error instanceof Error ? error.message : 'Invalid JSON'),
    );
  }
  // "If you pass multiple records … only the first record is processed" (§1.1).
  const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  if (first === null || typeof first !== 'object' || Array.isArray(first)) {
    throw new HttpError(
      400,
      errorBody('Exception while reading request', 'The payload is not a JSON object'),
    );
  }
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(first)) {
    const coerced = coerceValue(value);
    if (coerced !== undefined) values[name] = coerced;
  }
  return values;
}

/** Everything is stored as a string; `{value}` objects (as a GET returns them) are accepted for convenience. */
function coerceValue(value: unknown): string | undefined {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && !Array.isArray(value) && 'value' in value) return coerceValue(value.value);
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    // Past the limit the body is drained but not kept; the caller rejects it by length.
    if (size <= MAX_BODY_BYTES + 1) chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept
    .split(',')
    .map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '')
    .some((type) => type === 'application/json' || type === '*/*' || type === 'application/*');
}

function methodNotAllowed(method: string): HttpError {
  return new HttpError(
    405,
    errorBody('Method not Supported', `HTTP method ${method} is not supported for this resource`),
  );
}

function sendWrite(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  result: unknown,
  headers: Record<string, string> = {},
): void {
  if (isTrue(asString(req.headers['x-no-response-body']))) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  send(res, status, { result }, headers);
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  head = false,
): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': String(Buffer.byteLength(payload)),
  });
  res.end(head ? undefined : payload);
}

function asString(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

function isTrue(value: string | null): boolean {
  return value?.toLowerCase() === 'true';
}

function positiveInt(raw: string | null): number | undefined {
  const value = raw === null ? Number.NaN : Number.parseInt(raw, 10);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

function nonNegativeInt(raw: string | null): number | undefined {
  const value = raw === null ? Number.NaN : Number.parseInt(raw, 10);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}
