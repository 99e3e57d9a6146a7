import type { CmmsWorkOrderState, DevicePage, WorkOrderStateSource } from '../../application/ports';
import type { Device, DeviceConnection } from '../../domain/device';
import type { WorkOrder } from '../../domain/work-order';
import { AuthError, ConfigurationError, MedPatchError, TransientError, ValidationError } from '../../errors';
import {
  type HttpRequest,
  type HttpResponse,
  ResilientHttp,
  type ResilientHttpOptions,
} from '../http-client';
import type { CmmsConnector, ConnectorCapabilities } from '../port';
import { effectiveMapping, ServiceNowConfig, type ServiceNowConfigInput } from './config';
import {
  columnsFor,
  type DeviceMapping,
  displayOf,
  fieldText,
  mapServiceNowDevice,
  mapWorkOrderToRecord,
  type ServiceNowRecord,
} from './mapper';

export type { ServiceNowConfigInput };

/** sys_ids per `cmdb_rel_ci` query: keeps the URL (parentIN…^NQchildIN…) well under common 16 KB header limits. */
const RELATIONSHIP_IDS_PER_QUERY = 100;

export const SERVICENOW_CAPABILITIES: ConnectorCapabilities = {
  pagination: 'keyset',
  incrementalSince: true,
  upsertByExternalId: 'query-then-write',
  maxPageSize: 10_000,
  rateLimitSignal: '429',
  retryAfterHeader: true,
  relationships: true,
  transport: 'http',
  writeTargets: ['change_request', 'work_order', 'incident'],
};

/** Test seams: a recording transport, a fake clock and sleep. */
export type ServiceNowTestHooks = Pick<ResilientHttpOptions, 'transport' | 'sleep' | 'random' | 'now'>;

/**
 * ServiceNow Table API connector (also Nuvolo's x_nuvo_eam_* tables). Reads devices with keyset paging on
 * (sys_updated_on, sys_id) plus one catch-up pass, so rows inserted or updated while paging are never skipped;
 * resolves references to display values and keeps their sys_ids; reads `cmdb_rel_ci` connections of each page.
 * Upserts work orders by correlation_id, re-querying before every POST (a POST that timed out may have committed).
 */
export class ServiceNowConnector implements CmmsConnector, WorkOrderStateSource {
  readonly kind = 'servicenow';
  readonly sourceName = 'servicenow';
  readonly capabilities = SERVICENOW_CAPABILITIES;
  readonly http: ResilientHttp;
  private readonly config: ServiceNowConfig;
  private readonly mapping: DeviceMapping;
  private readonly now: () => number;
  private bearer: { token: string; expiresAtMs: number; refreshToken?: string } | null = null;

  /** Settings are validated here (see ServiceNowConfig); a bad URL or missing credential fails at once. */
  constructor(config: ServiceNowConfigInput | unknown, hooks: ServiceNowTestHooks = {}) {
    const parsed = ServiceNowConfig.safeParse(config);
    if (!parsed.success) {
      throw new ValidationError(
        `Invalid ServiceNow settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    this.config = parsed.data;
    this.mapping = effectiveMapping(this.config);
    this.now = hooks.now ?? Date.now;
    this.http = new ResilientHttp({
      retry: {
        maxAttempts: this.config.maxAttempts,
        baseDelayMs: this.config.baseDelayMs,
        maxDelayMs: this.config.maxDelayMs,
        timeoutMs: this.config.timeoutMs,
      },
      maxRequestsPerSecond: this.config.maxRequestsPerSecond,
      maxRetryAfterMs: this.config.maxRetryAfterSeconds * 1000,
      ...hooks,
    });
  }

  /**
   * Pages of devices changed at or after `since` (all when null). Keyset order (sys_updated_on, sys_id): a row
   * changed while we page gets a newer sys_updated_on and moves ahead of the cursor, so it is read later. A row
   * changed in the cursor's own second with a smaller sys_id would fall behind it, so after the main pass one
   * catch-up pass re-reads everything stamped at or after the newest stamp that existed when the read began.
   * A record already yielded with the same stamp is not yielded twice.
   */
  async *readDevices(since: string | null): AsyncIterable<DevicePage> {
    const startedAt = await this.newestStamp();
    const seen = new Map<string, string>();
    yield* this.pass(since, seen);
    yield* this.pass(startedAt ?? since, seen);
  }

  private async *pass(since: string | null, seen: Map<string, string>): AsyncIterable<DevicePage> {
    let cursor: { updatedOn: string; sysId: string } | null = null;
    const order = '^ORDERBYsys_updated_on^ORDERBYsys_id';
    for (;;) {
      // Keyset paging: rows updated while we page move behind the cursor instead of shifting offsets.
      const query: string = cursor
        ? `sys_updated_on>${cursor.updatedOn}^NQsys_updated_on=${cursor.updatedOn}^sys_id>${cursor.sysId}${order}`
        : since
          ? `sys_updated_on>=${since}${order}`
          : order.slice(1);
      const records = await this.getRecords(this.config.deviceTable, {
        sysparm_query: query,
        sysparm_fields: columnsFor(this.mapping).join(','),
        sysparm_limit: String(this.config.pageSize),
        sysparm_display_value: 'all',
        sysparm_exclude_reference_link: 'true',
        sysparm_no_count: 'true',
        sysparm_suppress_pagination_header: 'true',
      });
      const page: DevicePage = { devices: [], rejected: [] };
      for (const record of records) {
        const sysId = fieldText(record.sys_id);
        // Stamp + modification count: an update in the same second still counts as new.
        const stamp = `${fieldText(record.sys_updated_on)}#${fieldText(record.sys_mod_count)}`;
        if (sysId && seen.get(sysId) === stamp) continue;
        if (sysId) seen.set(sysId, stamp);
        const mapped = mapServiceNowDevice(record, this.mapping);
        if (mapped.ok) page.devices.push(mapped.device);
        else
          page.rejected.push({
            recordId: mapped.recordId,
            message: mapped.message,
            ...(sysId ? { sourceRecordId: sysId } : {}),
          });
      }
      if (this.config.relationships.enabled && page.devices.length > 0) {
        page.devices = await this.withConnections(page.devices);
      }
      if (page.devices.length > 0 || page.rejected.length > 0) yield page;
      const last = records.at(-1);
      if (!last || records.length < this.config.pageSize) return;
      cursor = { updatedOn: fieldText(last.sys_updated_on), sysId: fieldText(last.sys_id) };
    }
  }

  /** Record count from the Aggregate API (`/api/now/stats`); null when the instance does not answer it. */
  async estimateCount(since: string | null): Promise<number | null> {
    const params = new URLSearchParams({
      sysparm_count: 'true',
      ...(since ? { sysparm_query: `sys_updated_on>=${since}` } : {}),
    });
    try {
      const res = await this.request(
        {
          method: 'GET',
          url: `${this.config.instanceUrl}/api/now/stats/${this.config.deviceTable}?${params.toString()}`,
        },
        `count ${this.config.deviceTable}`,
      );
      const count = Number(parseResult<{ stats?: { count?: string } }>(res, 'count').stats?.count);
      return Number.isFinite(count) ? count : null;
    } catch (error) {
      if (error instanceof AuthError) throw error;
      return null;
    }
  }

  /** The newest sys_updated_on in the device table right now (null when the table is empty). */
  private async newestStamp(): Promise<string | null> {
    const [newest] = await this.getRecords(this.config.deviceTable, {
      sysparm_query: 'ORDERBYDESCsys_updated_on',
      sysparm_fields: 'sys_updated_on',
      sysparm_limit: '1',
      sysparm_no_count: 'true',
      sysparm_suppress_pagination_header: 'true',
    });
    return newest ? fieldText(newest.sys_updated_on) || null : null;
  }

  /** Adds each device's `cmdb_rel_ci` connections (both directions), sorted so the content hash is stable. */
  private async withConnections(devices: Device[]): Promise<Device[]> {
    const bySysId = new Map<string, DeviceConnection[]>();
    const ids = devices.map((d) => d.sourceRecordId);
    const types = new Set(this.config.relationships.types);
    for (let i = 0; i < ids.length; i += RELATIONSHIP_IDS_PER_QUERY) {
      const chunk = ids.slice(i, i + RELATIONSHIP_IDS_PER_QUERY).join(',');
      const rels = await this.getAll('cmdb_rel_ci', {
        sysparm_query: `parentIN${chunk}^NQchildIN${chunk}^ORDERBYsys_id`,
        sysparm_fields: 'sys_id,parent,child,type',
        sysparm_display_value: 'all',
        sysparm_exclude_reference_link: 'true',
      });
      for (const rel of rels) {
        const type = displayOf(rel.type);
        if (types.size > 0 && !types.has(type)) continue;
        const parent = fieldText(rel.parent);
        const child = fieldText(rel.child);
        const add = (own: string, other: string, name: string, direction: 'parent' | 'child') => {
          if (!own || !other) return;
          const list = bySysId.get(own) ?? [];
          list.push({ ref: `servicenow:${other}`, name, type, direction });
          bySysId.set(own, list);
        };
        add(parent, child, displayOf(rel.child), 'parent');
        add(child, parent, displayOf(rel.parent), 'child');
      }
    }
    return devices.map((device) => {
      const connections = bySysId.get(device.sourceRecordId);
      if (!connections) return device;
      const unique = [...new Map(connections.map((c) => [`${c.direction}|${c.ref}|${c.type}`, c])).values()];
      unique.sort((a, b) => (a.ref + a.type + a.direction < b.ref + b.type + b.direction ? -1 : 1));
      return { ...device, connectedTo: unique };
    });
  }

  /** Every row of a small query, keyset-paged on sys_id. */
  private async getAll(table: string, params: Record<string, string>): Promise<ServiceNowRecord[]> {
    const out: ServiceNowRecord[] = [];
    const limit = 1000;
    let after = '';
    for (;;) {
      const query = params.sysparm_query ?? '';
      const records = await this.getRecords(table, {
        ...params,
        sysparm_query: after ? `sys_id>${after}^${query.replace(/\^NQ/g, `^NQsys_id>${after}^`)}` : query,
        sysparm_limit: String(limit),
        sysparm_no_count: 'true',
        sysparm_suppress_pagination_header: 'true',
      });
      out.push(...records);
      const last = records.at(-1);
      if (!last || records.length < limit) return out;
      after = fieldText(last.sys_id);
    }
  }

  private async getRecords(table: string, params: Record<string, string>): Promise<ServiceNowRecord[]> {
    const res = await this.request(
      { method: 'GET', url: this.tableUrl(table, new URLSearchParams(params)) },
      `read ${table}`,
    );
    return parseResult<ServiceNowRecord[]>(res, `read ${table}`);
  }

  async upsertWorkOrder(workOrder: WorkOrder): Promise<{ cmmsRef: string; created: boolean }> {
    const table = this.config.workOrderTable;
    const fields = mapWorkOrderToRecord(workOrder);
    const note = `MedPatch revision ${workOrder.revision}: ${workOrder.kind}, decision ${workOrder.decision}, due ${workOrder.dueDate.slice(0, 10)}.`;
    for (let attempt = 0; ; attempt += 1) {
      // Look up before every create attempt: a POST that timed out may have committed (commit-then-drop).
      const existing = await this.findByCorrelationId(table, workOrder.correlationId);
      if (existing) {
        // A record cancelled in the CMMS whose work remains is re-opened (status back-sync re-planned it).
        const reopen =
          workOrder.reopenCount !== undefined && stateOutcome(table, existing.state, '') === 'cancelled'
            ? { state: REOPEN_STATE[table] ?? '-5' }
            : {};
        await this.request(
          {
            method: 'PATCH',
            url: `${this.tableUrl(table)}/${existing.sysId}`,
            body: JSON.stringify({ ...fields, ...reopen, work_notes: note }),
          },
          `update ${table} ${existing.number}`,
        );
        return { cmmsRef: existing.number, created: false };
      }
      try {
        const res = await this.request(
          {
            method: 'POST',
            url: this.tableUrl(table),
            body: JSON.stringify({ ...fields, work_notes: note }),
          },
          `create ${table}`,
          false,
        );
        const created = parseResult<ServiceNowRecord>(res, `create ${table}`);
        return { cmmsRef: fieldText(created.number) || fieldText(created.sys_id), created: true };
      } catch (error) {
        if (!(error instanceof MedPatchError) || !error.retryable || attempt + 1 >= this.config.maxAttempts)
          throw error;
        // Transient failure of the POST: go round and re-query before any new POST.
      }
    }
  }

  private async findByCorrelationId(
    table: string,
    correlationId: string,
  ): Promise<{ sysId: string; number: string; state: string } | null> {
    const [record] = await this.getRecords(table, {
      sysparm_query: `correlation_id=${correlationId}^ORDERBYsys_created_on`,
      sysparm_fields: 'sys_id,number,correlation_id,state',
      sysparm_limit: '1',
      sysparm_no_count: 'true',
    });
    return record
      ? { sysId: fieldText(record.sys_id), number: fieldText(record.number), state: fieldText(record.state) }
      : null;
  }

  /**
   * The state of the work-order records holding these correlation ids (status back-sync), read in chunks with
   * `correlation_idIN…`. States follow the table's state model (change_request: 3 Closed with close_code
   * successful / successful_issues / unsuccessful, 4 Canceled, 7 Closed Skipped; incident: 6 Resolved, 7 Closed,
   * 8 Canceled). Ids without a record are absent from the map.
   */
  async readWorkOrderStates(correlationIds: readonly string[]): Promise<Map<string, CmmsWorkOrderState>> {
    const table = this.config.workOrderTable;
    const states = new Map<string, CmmsWorkOrderState>();
    const ids = [...new Set(correlationIds)].filter((id) => /^[A-Za-z0-9_.:-]+$/.test(id));
    for (let i = 0; i < ids.length; i += RELATIONSHIP_IDS_PER_QUERY) {
      const chunk = ids.slice(i, i + RELATIONSHIP_IDS_PER_QUERY).join(',');
      const records = await this.getAll(table, {
        sysparm_query: `correlation_idIN${chunk}^ORDERBYsys_id`,
        sysparm_fields: 'sys_id,number,correlation_id,state,close_code,close_notes,sys_created_on',
      });
      // The oldest record per correlation id is the one the upsert keeps writing to.
      records.sort((a, b) => (fieldText(a.sys_created_on) < fieldText(b.sys_created_on) ? -1 : 1));
      for (const record of records) {
        const id = fieldText(record.correlation_id);
        if (!id || states.has(id)) continue;
        const state = fieldText(record.state);
        const closeCode = fieldText(record.close_code);
        states.set(id, {
          outcome: stateOutcome(table, state, closeCode),
          state,
          closeCode,
          closeNotes: fieldText(record.close_notes),
          cmmsRef: fieldText(record.number) || fieldText(record.sys_id),
        });
      }
    }
    return states;
  }

  /**
   * Appends a work note (journal field `work_notes`) to one record, e.g. the change-request enrichment verdict.
   * Not retried blindly after a timeout: a journal append is not idempotent, and a doubled note is worse than an
   * error the caller reports.
   */
  async appendWorkNote(table: string, sysId: string, text: string): Promise<void> {
    if (!/^[a-z][a-z0-9_]*$/.test(table))
      throw new ValidationError(`"${table}" is not a ServiceNow table name`);
    if (!/^[0-9a-f]{32}$/.test(sysId)) throw new ValidationError(`"${sysId}" is not a ServiceNow sys_id`);
    await this.request(
      {
        method: 'PATCH',
        url: `${this.tableUrl(table)}/${sysId}?sysparm_fields=sys_id`,
        body: JSON.stringify({ work_notes: text }),
      },
      `append work note to ${table} ${sysId}`,
      false,
    );
  }

  private tableUrl(table: string, params?: URLSearchParams): string {
    return `${this.config.instanceUrl}/api/now/table/${table}${params ? `?${params.toString()}` : ''}`;
  }

  /**
   * Sends through the resilient client. A 401 with OAuth refreshes the token once; an HTML 4xx or an "Invalid
   * table" 400 means a wrong instance URL or table and becomes one ConfigurationError.
   */
  private async request(request: HttpRequest, what: string, idempotent = true): Promise<HttpResponse> {
    try {
      return await this.http.send(() => this.withAuth(request), what, {
        idempotent,
        refreshAuth: () => {
          if (this.config.auth.kind !== 'oauth' || !this.bearer) return false;
          this.bearer = null;
          return true;
        },
      });
    } catch (error) {
      throw this.explain(error, request);
    }
  }

  private explain(error: unknown, request: HttpRequest): unknown {
    if (!(error instanceof MedPatchError)) return error;
    const status = error.context.status;
    const host = this.config.instanceUrl;
    if (error instanceof AuthError) {
      return new AuthError(
        `ServiceNow at ${host} refused the credentials (${error.message}); check the ${this.config.auth.kind === 'basic' ? 'user name, password' : 'OAuth client id, secret'} and the user's roles`,
        { cause: error, context: error.context },
      );
    }
    if ((status === 400 || status === 404) && /Invalid table/i.test(error.message)) {
      return new ConfigurationError(
        `ServiceNow at ${host}: ${error.message} (check deviceTable/workOrderTable)`,
        {
          cause: error,
          context: error.context,
        },
      );
    }
    if (status === 404 && !request.url.match(/\/api\/now\/table\/[^/?]+\/[0-9a-f]{32}/)) {
      return new ConfigurationError(
        `${host} does not answer like a ServiceNow instance (404 on the Table API); check the instance URL`,
        { cause: error, context: error.context },
      );
    }
    if (error instanceof TransientError && error.context.network === 'refused') {
      return new TransientError(
        `cannot connect to ServiceNow at ${host} (${error.message}); check the instance URL`,
        {
          cause: error,
          context: error.context,
        },
      );
    }
    return error;
  }

  private async withAuth(request: HttpRequest): Promise<HttpRequest> {
    const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    const auth = this.config.auth;
    if (auth.kind === 'basic') {
      headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    } else {
      headers.Authorization = `Bearer ${await this.bearerToken()}`;
    }
    return { ...request, headers };
  }

  /** OAuth access token, refreshed a minute before expiry (with the refresh token when the grant gave one). */
  private async bearerToken(): Promise<string> {
    const auth = this.config.auth;
    if (auth.kind !== 'oauth') throw new AuthError('OAuth token requested without OAuth settings');
    if (this.bearer && this.bearer.expiresAtMs - 60_000 > this.now()) return this.bearer.token;
    const client = { client_id: auth.clientId, client_secret: auth.clientSecret };
    const grant: Record<string, string> = this.bearer?.refreshToken
      ? { grant_type: 'refresh_token', ...client, refresh_token: this.bearer.refreshToken }
      : auth.username
        ? { grant_type: 'password', ...client, username: auth.username, password: auth.password ?? '' }
        : { grant_type: 'client_credentials', ...client };
    let res = await this.tokenRequest(grant);
    if (res.status !== 200 && grant.grant_type === 'refresh_token') {
      this.bearer = null; // refresh token expired or revoked: start over with the configured grant once
      return this.bearerToken();
    }
    if (res.status >= 500 || res.status === 429) {
      res = await this.tokenRequest(grant); // one retry of a token request that failed for a transient reason
    }
    if (res.status !== 200) {
      throw new AuthError(
        `ServiceNow OAuth token request (${grant.grant_type}) to ${this.config.instanceUrl} failed with ${res.status}: check the OAuth client id, secret and grant${grant.grant_type === 'client_credentials' ? ' (client_credentials must be enabled on the instance)' : ''}`,
        { context: { status: res.status } },
      );
    }
    let token: { access_token?: string; expires_in?: number; refresh_token?: string };
    try {
      token = JSON.parse(res.body) as typeof token;
    } catch {
      throw new ConfigurationError(
        `${this.config.instanceUrl}/oauth_token.do did not answer JSON; check the instance URL`,
      );
    }
    if (!token.access_token) throw new AuthError('ServiceNow OAuth response had no access_token');
    this.bearer = {
      token: token.access_token,
      expiresAtMs: this.now() + (token.expires_in ?? 1800) * 1000,
      ...(token.refresh_token ? { refreshToken: token.refresh_token } : {}),
    };
    return this.bearer.token;
  }

  private async tokenRequest(form: Record<string, string>): Promise<HttpResponse> {
    return this.http.sendRaw({
      method: 'POST',
      url: `${this.config.instanceUrl}/oauth_token.do`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    });
  }
}

/** The state a re-opened record goes back to: change_request -5 New, incident and wm_order 1 New / Draft. */
const REOPEN_STATE: Readonly<Record<string, string>> = { change_request: '-5', incident: '1', wm_order: '1' };

/** Normalizes a record's state (and close code) to the outcome the status back-sync acts on. */
export function stateOutcome(table: string, state: string, closeCode: string): CmmsWorkOrderState['outcome'] {
  const failed = /^unsuccessful|fail/i.test(closeCode);
  if (table === 'incident') {
    if (state === '8') return 'cancelled';
    if (state === '6' || state === '7') return failed ? 'failed' : 'completed';
    return 'open';
  }
  // change_request (and wm_order, whose closed states the same codes cover on a default instance)
  if (state === '4' || state === '7') return 'cancelled';
  if (state === '3') return failed ? 'failed' : 'completed';
  return 'open';
}

function parseResult<T>(res: HttpResponse, what: string): T {
  try {
    const parsed = JSON.parse(res.body) as { result?: T };
    if (parsed.result === undefined) throw new Error('no "result" in the response');
    return parsed.result;
  } catch (error) {
    throw new TransientError(`${what}: unreadable ServiceNow response (${(error as Error).message})`, {
      cause: error,
    });
  }
}
