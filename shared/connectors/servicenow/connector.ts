import type { DevicePage, DeviceSource, WorkOrderSink } from '../../application/ports';
import type { WorkOrder } from '../../domain/work-order';
import { AuthError, MedPatchError, RateLimitedError, TransientError, ValidationError } from '../../errors';
import {
  backoffDelayMs,
  classifyResponse,
  type HttpRequest,
  type HttpResponse,
  type RetryPolicy,
  sendOnce,
  sleep,
} from '../http-client';
import { ServiceNowConfig, type ServiceNowConfigInput } from './config';

export type { ServiceNowConfigInput };

import { mapServiceNowDevice, mapWorkOrderToRecord, type ServiceNowRecord } from './mapper';

const DEVICE_FIELDS = [
  'sys_id',
  'name',
  'asset_tag',
  'serial_number',
  'manufacturer',
  'model_id',
  'model_number',
  'firmware_version',
  'u_software_version',
  'u_device_type',
  'u_clinical_criticality',
  'u_network_zone',
  'location',
  'department',
  'install_status',
  'operational_status',
  'sys_class_name',
  'sys_updated_on',
].join(',');

/**
 * ServiceNow Table API connector: reads devices with keyset paging on (sys_updated_on, sys_id) and upserts work
 * orders by correlation id. Retries transient failures with capped, jittered backoff and honours Retry-After.
 */
export class ServiceNowConnector implements DeviceSource, WorkOrderSink {
  readonly sourceName = 'servicenow';
  private readonly config: ServiceNowConfig;
  private readonly retry: RetryPolicy;
  private bearer: { token: string; expiresAtMs: number } | null = null;

  /** Settings are validated here (see ServiceNowConfig); a bad URL or missing credential fails at once. */
  constructor(config: ServiceNowConfigInput | unknown) {
    const parsed = ServiceNowConfig.safeParse(config);
    if (!parsed.success) {
      throw new ValidationError(
        `Invalid ServiceNow settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    this.config = parsed.data;
    this.retry = {
      maxAttempts: this.config.maxAttempts,
      baseDelayMs: 200,
      maxDelayMs: 10_000,
      timeoutMs: this.config.timeoutMs,
    };
  }

  async *readDevices(since: string | null): AsyncIterable<DevicePage> {
    let cursor: { updatedOn: string; sysId: string } | null = null;
    for (;;) {
      const order = '^ORDERBYsys_updated_on^ORDERBYsys_id';
      // Keyset paging: rows updated while we page move behind the cursor instead of shifting offsets.
      const query: string = cursor
        ? `sys_updated_on>${cursor.updatedOn}^NQsys_updated_on=${cursor.updatedOn}^sys_id>${cursor.sysId}${order}`
        : since
          ? `sys_updated_on>=${since}${order}`
          : order.slice(1);
      const params = new URLSearchParams({
        sysparm_query: query,
        sysparm_fields: DEVICE_FIELDS,
        sysparm_limit: String(this.config.pageSize),
        sysparm_display_value: 'all',
        sysparm_exclude_reference_link: 'true',
        sysparm_no_count: 'true',
      });
      const res = await this.request(
        { method: 'GET', url: this.tableUrl(this.config.deviceTable, params) },
        'read devices',
      );
      const records = parseResult<ServiceNowRecord[]>(res, 'read devices');
      const page: DevicePage = { devices: [], rejected: [] };
      for (const record of records) {
        const mapped = mapServiceNowDevice(record);
        if (mapped.ok) page.devices.push(mapped.device);
        else page.rejected.push({ recordId: mapped.recordId, message: mapped.message });
      }
      yield page;
      const last = records.at(-1);
      if (!last || records.length < this.config.pageSize) return;
      const lastUpdated = fieldValue(last.sys_updated_on);
      const lastSysId = fieldValue(last.sys_id);
      cursor = { updatedOn: lastUpdated, sysId: lastSysId };
    }
  }

  async upsertWorkOrder(workOrder: WorkOrder): Promise<{ cmmsRef: string; created: boolean }> {
    const table = this.config.workOrderTable;
    const fields = mapWorkOrderToRecord(workOrder);
    const note = `MedPatch revision ${workOrder.revision}: ${workOrder.kind}, decision ${workOrder.decision}, due ${workOrder.dueDate.slice(0, 10)}.`;
    for (let attempt = 0; ; attempt += 1) {
      // Look up before every create attempt: a POST that timed out may have committed (commit-then-drop).
      const existing = await this.findByCorrelationId(table, workOrder.correlationId);
      if (existing) {
        await this.request(
          {
            method: 'PATCH',
            url: `${this.tableUrl(table)}/${existing.sysId}`,
            body: JSON.stringify({ ...fields, work_notes: note }),
          },
          `update ${table} ${existing.number}`,
        );
        return { cmmsRef: existing.number, created: false };
      }
      try {
        const res = await sendOnce(
          await this.withAuth({
            method: 'POST',
            url: this.tableUrl(table),
            body: JSON.stringify({ ...fields, work_notes: note }),
          }),
          this.retry.timeoutMs,
        );
        const error = classifyResponse(res, `create ${table}`);
        if (error) throw error;
        const created = parseResult<ServiceNowRecord>(res, `create ${table}`);
        return { cmmsRef: fieldValue(created.number) || fieldValue(created.sys_id), created: true };
      } catch (error) {
        if (!(error instanceof MedPatchError) || !error.retryable || attempt + 1 >= this.retry.maxAttempts)
          throw error;
        await sleep(
          error instanceof RateLimitedError ? error.retryAfterMs : backoffDelayMs(attempt, this.retry),
        );
      }
    }
  }

  private async findByCorrelationId(
    table: string,
    correlationId: string,
  ): Promise<{ sysId: string; number: string } | null> {
    const params = new URLSearchParams({
      sysparm_query: `correlation_id=${correlationId}^ORDERBYsys_created_on`,
      sysparm_fields: 'sys_id,number,correlation_id',
      sysparm_limit: '1',
      sysparm_no_count: 'true',
    });
    const res = await this.request(
      { method: 'GET', url: this.tableUrl(table, params) },
      `find ${table} by correlation_id`,
    );
    const [record] = parseResult<ServiceNowRecord[]>(res, `find ${table}`);
    return record ? { sysId: fieldValue(record.sys_id), number: fieldValue(record.number) } : null;
  }

  private tableUrl(table: string, params?: URLSearchParams): string {
    return `${this.config.instanceUrl}/api/now/table/${table}${params ? `?${params.toString()}` : ''}`;
  }

  /** Sends with retries for transient failures; 401/403 and other permanent errors are thrown at once. */
  private async request(request: HttpRequest, what: string): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const res = await sendOnce(await this.withAuth(request), this.retry.timeoutMs);
        if (res.status === 401 && this.bearer) {
          this.bearer = null; // expired token: fetch a new one once, then give up with the AuthError
          const again = await sendOnce(await this.withAuth(request), this.retry.timeoutMs);
          const againError = classifyResponse(again, what);
          if (againError) throw againError;
          return again;
        }
        const error = classifyResponse(res, what);
        if (error) throw error;
        return res;
      } catch (error) {
        if (!(error instanceof MedPatchError) || !error.retryable || attempt + 1 >= this.retry.maxAttempts)
          throw error;
        await sleep(
          error instanceof RateLimitedError ? error.retryAfterMs : backoffDelayMs(attempt, this.retry),
        );
      }
    }
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

  private async bearerToken(): Promise<string> {
    const auth = this.config.auth;
    if (auth.kind !== 'oauth') throw new AuthError('OAuth token requested without OAuth settings');
    // Refresh a minute before expiry so a long sync never sends an expired token.
    if (this.bearer && this.bearer.expiresAtMs - 60_000 > Date.now()) return this.bearer.token;
    const form = new URLSearchParams(
      auth.username
        ? {
            grant_type: 'password',
            client_id: auth.clientId,
            client_secret: auth.clientSecret,
            username: auth.username,
            password: auth.password ?? '',
          }
        : { grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret },
    );
    const res = await sendOnce(
      {
        method: 'POST',
        url: `${this.config.instanceUrl}/oauth_token.do`,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
      },
      this.retry.timeoutMs,
    );
    if (res.status !== 200) {
      throw new AuthError(
        `ServiceNow OAuth token request failed with ${res.status}: check the OAuth client id, secret and grant`,
      );
    }
    const token = JSON.parse(res.body) as { access_token?: string; expires_in?: number };
    if (!token.access_token) throw new AuthError('ServiceNow OAuth response had no access_token');
    this.bearer = { token: token.access_token, expiresAtMs: Date.now() + (token.expires_in ?? 1800) * 1000 };
    return this.bearer.token;
  }
}

function fieldValue(field: ServiceNowRecord[string]): string {
  return typeof field === 'string' ? field : (field?.value ?? '');
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
