import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { DevicePage } from '../../application/ports';
import { Device } from '../../domain/device';
import { DeviceStatus } from '../../domain/vocabulary';
import type { WorkOrder } from '../../domain/work-order';
import { AuthError, ConfigurationError, MedPatchError, TransientError, ValidationError } from '../../errors';
import {
  type HttpRequest,
  type HttpResponse,
  ResilientHttp,
  type ResilientHttpOptions,
} from '../http-client';
import { normalizeModel, normalizeVersion } from '../normalize';
import type { CmmsConnector, ConnectorCapabilities } from '../port';

/** Maximo asset attributes → device fields (attribute names are configurable; [UNVERIFIED] on a real instance). */
export const MaximoFieldMap = z.object({
  assetTag: z.string().default('assetnum'),
  serialNumber: z.string().default('serialnum'),
  manufacturer: z.string().default('manufacturer'),
  model: z.string().default('description'),
  modelNumber: z.string().default('modelnum'),
  softwareVersion: z.string().default('fwversion'),
  deviceType: z.string().default('assettype'),
  location: z.string().default('location'),
  department: z.string().default('department'),
  status: z.string().default('status'),
  changedAt: z.string().default('changedate'),
});

/** Maximo asset statuses → device status. */
export const MAXIMO_STATUS: Readonly<Record<string, DeviceStatus>> = {
  OPERATING: 'in_service',
  ACTIVE: 'in_service',
  LIMITEDUSE: 'in_service',
  'NOT READY': 'in_storage',
  BROKEN: 'out_of_service',
  SEALED: 'out_of_service',
  DECOMMISSIONED: 'retired',
  MISSING: 'missing',
};

export const MaximoConfig = z.object({
  configVersion: z.literal(1).default(1),
  /** e.g. https://maximo.hospital.org (the connector adds /maximo/oslc/os/...). */
  instanceUrl: z
    .url()
    .refine((value) => {
      const url = new URL(value);
      return (
        url.protocol === 'https:' || (url.protocol === 'http:' && /^(127\.|localhost$)/.test(url.hostname))
      );
    }, 'instanceUrl must use https (plain http only for loopback)')
    .transform((value) => value.replace(/\/+$/, '')),
  /** API key (`apikey` header, recommended) or native Maximo auth (`maxauth` header). */
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('apikey'), apiKey: z.string().min(1) }),
    z.object({ kind: z.literal('basic'), username: z.string().min(1), password: z.string() }),
  ]),
  siteId: z.string().min(1).default('BEDFORD'),
  assetObject: z.string().default('mxapiasset'),
  workOrderObject: z.string().default('mxapiwodetail'),
  /** Extra oslc.where clause for the device read, e.g. `assettype="MEDICAL"`. */
  assetWhere: z.string().default(''),
  fields: MaximoFieldMap.default(MaximoFieldMap.parse({})),
  statusMap: z.record(z.string(), DeviceStatus).default({}),
  pageSize: z.number().int().min(1).max(1000).default(500),
  timeoutMs: z.number().int().positive().default(20_000),
  maxAttempts: z.number().int().min(1).max(20).default(6),
  maxRequestsPerSecond: z.number().min(0).default(0),
  baseDelayMs: z.number().int().positive().default(200),
  maxDelayMs: z.number().int().positive().default(10_000),
});

export const MAXIMO_CAPABILITIES: ConnectorCapabilities = {
  pagination: 'link',
  incrementalSince: true,
  upsertByExternalId: 'native',
  idempotencyHeader: 'transactionid',
  maxPageSize: 1000,
  rateLimitSignal: '429',
  retryAfterHeader: true,
  relationships: false,
  transport: 'http',
  writeTargets: ['work_order'],
};

/**
 * IBM Maximo REST/OSLC JSON connector: devices from `mxapiasset` (`lean=1`, `oslc.select`, `oslc.where` on
 * `changedate`, `oslc.pageSize` + `stablepaging=1`, following `responseInfo.nextPage.href`); work orders upserted
 * natively with `x-method-override: SYNC` on wonum + siteid, where wonum is derived from the correlation id, and a
 * `transactionid` header so a replayed write is refused (409) instead of applied twice.
 */
export class MaximoConnector implements CmmsConnector {
  readonly kind = 'maximo';
  readonly sourceName = 'maximo';
  readonly capabilities = MAXIMO_CAPABILITIES;
  readonly http: ResilientHttp;
  private readonly config: z.infer<typeof MaximoConfig>;

  constructor(
    settings: unknown,
    hooks: Pick<ResilientHttpOptions, 'transport' | 'sleep' | 'random' | 'now'> = {},
  ) {
    const parsed = MaximoConfig.safeParse(settings);
    if (!parsed.success) {
      throw new ValidationError(
        `Invalid Maximo settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    this.config = parsed.data;
    this.http = new ResilientHttp({
      retry: {
        maxAttempts: this.config.maxAttempts,
        baseDelayMs: this.config.baseDelayMs,
        maxDelayMs: this.config.maxDelayMs,
        timeoutMs: this.config.timeoutMs,
      },
      maxRequestsPerSecond: this.config.maxRequestsPerSecond,
      ...hooks,
    });
  }

  async *readDevices(since: string | null): AsyncIterable<DevicePage> {
    const f = this.config.fields;
    const where = [
      `siteid="${this.config.siteId}"`,
      ...(since ? [`${f.changedAt}>="${since}"`] : []),
      ...(this.config.assetWhere ? [this.config.assetWhere] : []),
    ].join(' and ');
    const select = [...new Set(['assetuid', 'assetnum', 'siteid', ...Object.values(f).filter(Boolean)])];
    const params = new URLSearchParams({
      lean: '1',
      'oslc.select': select.join(','),
      'oslc.where': where,
      'oslc.orderBy': `+${f.changedAt},+assetuid`,
      'oslc.pageSize': String(this.config.pageSize),
      stablepaging: '1',
    });
    let url: string | undefined = `${this.objectUrl(this.config.assetObject)}?${params.toString()}`;
    const seen = new Set<string>();
    while (url) {
      const res = await this.request({ method: 'GET', url }, `read ${this.config.assetObject}`);
      const body = parseJson<{
        member?: Record<string, unknown>[];
        responseInfo?: { nextPage?: { href?: string } };
      }>(res, `read ${this.config.assetObject}`);
      const page: DevicePage = { devices: [], rejected: [] };
      for (const member of body.member ?? []) {
        const mapped = this.mapAsset(member);
        if (!mapped.ok) {
          page.rejected.push({
            recordId: mapped.recordId,
            message: mapped.message,
            sourceRecordId: mapped.recordId,
          });
          continue;
        }
        if (seen.has(mapped.device.deviceId)) continue;
        seen.add(mapped.device.deviceId);
        page.devices.push(mapped.device);
      }
      yield page;
      url = body.responseInfo?.nextPage?.href;
    }
  }

  mapAsset(
    member: Record<string, unknown>,
  ): { ok: true; device: Device } | { ok: false; recordId: string; message: string } {
    const f = this.config.fields;
    const text = (attr: string) => {
      const value = attr ? member[attr] : undefined;
      return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
    };
    const assetnum = text('assetnum');
    const siteid = text('siteid') || this.config.siteId;
    const recordId = assetnum ? `${siteid}/${assetnum}` : text('assetuid') || '(no assetnum)';
    if (!assetnum) return { ok: false, recordId, message: 'assetnum is missing' };
    const manufacturer = text(f.manufacturer);
    if (!manufacturer) return { ok: false, recordId, message: `${f.manufacturer} is empty` };
    const status = text(f.status).toUpperCase();
    const parsed = Device.safeParse({
      deviceId: `maximo:${siteid}/${assetnum}`,
      source: 'maximo',
      sourceRecordId: `${siteid}/${assetnum}`,
      assetTag: text(f.assetTag) || assetnum,
      serialNumber: text(f.serialNumber),
      manufacturer,
      model: normalizeModel(text(f.model)),
      modelNumber: normalizeModel(text(f.modelNumber)),
      softwareVersion: normalizeVersion(text(f.softwareVersion)),
      deviceType: text(f.deviceType),
      department: text(f.department),
      location: text(f.location),
      status: status
        ? (this.config.statusMap[status] ?? MAXIMO_STATUS[status] ?? 'in_service')
        : 'in_service',
      isMedicalDevice: true,
      sourceUpdatedAt: text(f.changedAt),
    });
    if (!parsed.success) {
      return {
        ok: false,
        recordId,
        message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      };
    }
    return { ok: true, device: parsed.data };
  }

  async upsertWorkOrder(workOrder: WorkOrder): Promise<{ cmmsRef: string; created: boolean }> {
    const wonum = maximoWorkOrderNumber(workOrder.correlationId);
    const body = {
      wonum,
      siteid: this.config.siteId,
      description: workOrder.shortDescription.slice(0, 100),
      description_longdescription: workOrder.description,
      externalrefid: workOrder.correlationId,
      wopriority: String(workOrder.priority),
      targcompdate: workOrder.dueDate,
      worktype: workOrder.kind === 'APPLY_PATCH' ? 'CM' : 'EV',
      ...(workOrder.deviceIds[0]?.startsWith('maximo:')
        ? { assetnum: workOrder.deviceIds[0].slice('maximo:'.length).split('/').slice(1).join('/') }
        : {}),
    };
    try {
      const res = await this.request(
        {
          method: 'POST',
          url: `${this.objectUrl(this.config.workOrderObject)}?lean=1`,
          headers: {
            'x-method-override': 'SYNC',
            patchtype: 'MERGE',
            properties: 'wonum,workorderid',
            transactionid: `${workOrder.correlationId}-${workOrder.revision}`.slice(0, 100),
          },
          body: JSON.stringify(body),
        },
        `upsert ${this.config.workOrderObject} ${wonum}`,
      );
      return { cmmsRef: wonum, created: res.status === 201 };
    } catch (error) {
      // 409: this exact revision was already applied (a replay after a lost response); nothing left to do.
      if (error instanceof MedPatchError && error.context.status === 409)
        return { cmmsRef: wonum, created: false };
      throw error;
    }
  }

  private objectUrl(object: string): string {
    return `${this.config.instanceUrl}/maximo/oslc/os/${object}`;
  }

  /** SYNC is an idempotent upsert on the key, so a retried write cannot create a duplicate. */
  private async request(request: HttpRequest, what: string): Promise<HttpResponse> {
    try {
      return await this.http.send(async () => this.withAuth(request), what, { idempotent: true });
    } catch (error) {
      if (error instanceof AuthError) {
        throw new AuthError(
          `Maximo at ${this.config.instanceUrl} refused the ${this.config.auth.kind === 'apikey' ? 'API key' : 'user name or password'} (${error.message})`,
          { cause: error, context: error.context },
        );
      }
      if (error instanceof MedPatchError && error.context.status === 404) {
        throw new ConfigurationError(
          `${this.config.instanceUrl} does not answer like Maximo (404 on ${new URL(request.url).pathname}); check the instance URL and object structure`,
          { cause: error, context: error.context },
        );
      }
      throw error;
    }
  }

  private withAuth(request: HttpRequest): HttpRequest {
    const auth = this.config.auth;
    const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth.kind === 'apikey') headers.apikey = auth.apiKey;
    else headers.maxauth = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
    return { ...request, headers };
  }
}

/** A stable Maximo work order number for a correlation id (wonum is short and upper case): `MP` + 10 base-36. */
export function maximoWorkOrderNumber(correlationId: string): string {
  const digest = createHash('sha256').update(correlationId).digest();
  return `MP${BigInt(`0x${digest.subarray(0, 8).toString('hex')}`)
    .toString(36)
    .toUpperCase()
    .padStart(10, '0')
    .slice(0, 10)}`;
}

function parseJson<T>(res: HttpResponse, what: string): T {
  try {
    return JSON.parse(res.body) as T;
  } catch (error) {
    throw new TransientError(`${what}: unreadable Maximo response (${(error as Error).message})`, {
      cause: error,
    });
  }
}
