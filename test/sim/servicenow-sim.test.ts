import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ServiceNowSimulator,
  type SimulatorOptions,
  startServiceNowSimulator,
} from '../../local/servicenow-sim/index';

const START = new Date('2025-03-01T10:00:00Z');
const BASIC = `Basic ${Buffer.from('admin:admin').toString('base64')}`;
const JSON_HEADERS = { Authorization: BASIC, Accept: 'application/json', 'Content-Type': 'application/json' };

type Json = Record<string, unknown>;

let sim: ServiceNowSimulator;

async function start(options: SimulatorOptions = {}): Promise<ServiceNowSimulator> {
  sim = await startServiceNowSimulator({ seed: 42, now: () => START, ...options });
  return sim;
}

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sim.url}${path}`, { ...init, headers: { ...JSON_HEADERS, ...(init.headers ?? {}) } });
}

async function json(response: Response): Promise<Json> {
  return (await response.json()) as Json;
}

async function resultList(path: string): Promise<Json[]> {
  const response = await api(path);
  expect(response.status).toBe(200);
  return (await json(response)).result as Json[];
}

function tokenForm(fields: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams(fields).toString(),
  };
}

afterEach(async () => {
  await sim.stop();
});

describe('authentication', () => {
  beforeEach(async () => {
    await start({ clientCredentialsEnabled: false });
  });

  it('accepts configured Basic credentials', async () => {
    const response = await api('/api/now/table/incident');

    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ result: [] });
  });

  it('rejects missing or wrong credentials with 401, the documented body and a Basic challenge', async () => {
    const missing = await fetch(`${sim.url}/api/now/table/incident`, {
      headers: { Accept: 'application/json' },
    });
    const wrong = await api('/api/now/table/incident', {
      headers: { Authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` },
    });

    for (const response of [missing, wrong]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="Service-now"');
      expect(await json(response)).toEqual({
        error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
        status: 'failure',
      });
    }
  });

  it('issues a Bearer token for the password grant, returns the same token until it expires, then rejects it', async () => {
    const form = {
      grant_type: 'password',
      client_id: 'medpatch',
      client_secret: 'medpatch-secret',
      username: 'admin',
      password: 'admin',
    };
    const first = await json(await fetch(`${sim.url}/oauth_token.do`, tokenForm(form)));
    const again = await json(await fetch(`${sim.url}/oauth_token.do`, tokenForm(form)));
    const bearer = { Authorization: `Bearer ${String(first.access_token)}` };

    const beforeExpiry = await api('/api/now/table/incident', { headers: bearer });
    sim.advanceClock(1800 * 1000);
    const afterExpiry = await api('/api/now/table/incident', { headers: bearer });

    expect(first).toMatchObject({ scope: 'useraccount', token_type: 'Bearer', expires_in: 1799 });
    expect(typeof first.refresh_token).toBe('string');
    expect(again.access_token).toBe(first.access_token);
    expect(beforeExpiry.status).toBe(200);
    expect(afterExpiry.status).toBe(401);
  });

  it('exchanges a refresh token for a new access token without a new refresh token', async () => {
    const client = { client_id: 'medpatch', client_secret: 'medpatch-secret' };
    const issued = await json(
      await fetch(
        `${sim.url}/oauth_token.do`,
        tokenForm({ grant_type: 'password', ...client, username: 'admin', password: 'admin' }),
      ),
    );
    sim.advanceClock(1801 * 1000);

    const refreshed = await fetch(
      `${sim.url}/oauth_token.do`,
      tokenForm({ grant_type: 'refresh_token', ...client, refresh_token: String(issued.refresh_token) }),
    );
    const body = await json(refreshed);

    expect(refreshed.status).toBe(200);
    expect(body.access_token).not.toBe(issued.access_token);
    expect(body).not.toHaveProperty('refresh_token');
    expect(
      (
        await api('/api/now/table/incident', {
          headers: { Authorization: `Bearer ${String(body.access_token)}` },
        })
      ).status,
    ).toBe(200);
  });

  it('denies client_credentials while the grant is disabled, with the exact token failure body', async () => {
    const response = await fetch(
      `${sim.url}/oauth_token.do`,
      tokenForm({
        grant_type: 'client_credentials',
        client_id: 'medpatch',
        client_secret: 'medpatch-secret',
      }),
    );

    expect(response.status).toBe(401);
    expect(await json(response)).toEqual({ error_description: 'access_denied', error: 'server_error' });
  });

  it('denies a token request sent as JSON instead of form-urlencoded', async () => {
    const response = await fetch(`${sim.url}/oauth_token.do`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'password',
        client_id: 'medpatch',
        client_secret: 'medpatch-secret',
      }),
    });

    expect(response.status).toBe(401);
  });
});

describe('client_credentials grant when enabled', () => {
  it('issues a token without a refresh token that acts as the OAuth application user', async () => {
    await start({
      clientCredentialsEnabled: true,
      oauthClients: [{ clientId: 'svc', clientSecret: 's3cret', user: 'medpatch.integration' }],
    });

    const token = await json(
      await fetch(
        `${sim.url}/oauth_token.do`,
        tokenForm({ grant_type: 'client_credentials', client_id: 'svc', client_secret: 's3cret' }),
      ),
    );
    const created = await json(
      await api('/api/now/table/incident', {
        method: 'POST',
        headers: { Authorization: `Bearer ${String(token.access_token)}` },
        body: JSON.stringify({ short_description: 'via client credentials' }),
      }),
    );

    expect(token).not.toHaveProperty('refresh_token');
    expect(token.expires_in).toBe(1799);
    expect((created.result as Json).sys_created_by).toBe('medpatch.integration');
  });
});

describe('record CRUD', () => {
  beforeEach(async () => {
    await start();
  });

  it('creates with 201, a Location header, a table number and string system fields', async () => {
    const response = await api('/api/now/table/change_request', {
      method: 'POST',
      body: JSON.stringify({
        short_description: 'Patch monitor',
        priority: 2,
        correlation_id: 'medpatch:wo-1',
      }),
    });
    const result = (await json(response)).result as Json;

    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(
      `${sim.url}/api/now/table/change_request/${String(result.sys_id)}`,
    );
    expect(result).toMatchObject({
      number: 'CHG0030001',
      priority: '2',
      state: '-5',
      sys_mod_count: '0',
      sys_created_on: '2025-03-01 10:00:00',
      sys_created_by: 'admin',
      sys_class_name: 'change_request',
      correlation_id: 'medpatch:wo-1',
    });
    expect(result.sys_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('numbers incidents and work orders with their own prefixes', async () => {
    const incident = await json(await api('/api/now/table/incident', { method: 'POST', body: '{}' }));
    const workOrder = await json(await api('/api/now/v2/table/wm_order', { method: 'POST', body: '{}' }));

    expect((incident.result as Json).number).toBe('INC0010001');
    expect((workOrder.result as Json).number).toBe('WO0010001');
  });

  it('reads, patches, puts and deletes by sys_id with the documented status codes', async () => {
    const { sys_id } = sim.insert('incident', { short_description: 'before' });
    sim.advanceClock(60_000);

    const read = await api(`/api/now/table/incident/${sys_id}`);
    const patched = await api(`/api/now/table/incident/${sys_id}`, {
      method: 'PATCH',
      body: JSON.stringify({
        short_description: 'after',
        unknown_field: 'dropped',
        sys_created_by: 'ignored',
      }),
    });
    const put = await api(`/api/now/table/incident/${sys_id}`, {
      method: 'PUT',
      body: JSON.stringify({ urgency: '1' }),
    });
    const deleted = await api(`/api/now/table/incident/${sys_id}`, { method: 'DELETE' });
    const gone = await api(`/api/now/table/incident/${sys_id}`);

    expect(read.status).toBe(200);
    expect(patched.status).toBe(200);
    expect((await json(patched)).result).toMatchObject({
      short_description: 'after',
      sys_mod_count: '1',
      sys_created_by: 'system',
      sys_updated_on: '2025-03-01 10:01:00',
    });
    expect((await json(put)).result).toMatchObject({
      short_description: 'after',
      urgency: '1',
      sys_mod_count: '2',
    });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    expect(gone.status).toBe(404);
    expect(await json(gone)).toEqual({
      error: {
        message: 'No Record found',
        detail: "Record doesn't exist or ACL restricts the record retrieval",
      },
      status: 'failure',
    });
  });

  it('answers 404 No Record found to PATCH and DELETE of an unknown sys_id', async () => {
    const missing = '0'.repeat(32);

    const patched = await api(`/api/now/table/incident/${missing}`, { method: 'PATCH', body: '{}' });
    const deleted = await api(`/api/now/table/incident/${missing}`, { method: 'DELETE' });

    expect(patched.status).toBe(404);
    expect(deleted.status).toBe(404);
    expect(((await json(deleted)).error as Json).message).toBe('No Record found');
  });

  it('answers 400 Invalid table for an unknown table', async () => {
    const response = await api('/api/now/table/u_no_such_table');

    expect(response.status).toBe(400);
    expect(await json(response)).toEqual({
      error: { message: 'Invalid table u_no_such_table', detail: null },
      status: 'failure',
    });
  });

  it('answers 400 to a malformed JSON body and stores nothing', async () => {
    const response = await api('/api/now/table/incident', { method: 'POST', body: '{"short_description": ' });

    expect(response.status).toBe(400);
    expect(((await json(response)).error as Json).message).toBe('Exception while reading request');
    expect(sim.list('incident')).toHaveLength(0);
  });

  it('answers 406 when the client only accepts XML', async () => {
    const response = await api('/api/now/table/incident', { headers: { Accept: 'application/xml' } });

    expect(response.status).toBe(406);
  });

  it('derives incident priority from impact and urgency', async () => {
    const response = await api('/api/now/table/incident', {
      method: 'POST',
      body: JSON.stringify({ impact: '2', urgency: '2' }),
    });

    expect((await json(response)).result).toMatchObject({ priority: '3', state: '1' });
  });

  it('honours X-http-method-override, X-no-response-body and HEAD', async () => {
    const { sys_id } = sim.insert('incident', { short_description: 'before' });

    const overridden = await api(`/api/now/table/incident/${sys_id}`, {
      method: 'POST',
      headers: { 'X-http-method-override': 'PATCH', 'X-no-response-body': 'true' },
      body: JSON.stringify({ short_description: 'after' }),
    });
    const head = await api(`/api/now/table/incident/${sys_id}`, { method: 'HEAD' });

    expect(overridden.status).toBe(200);
    expect(await overridden.text()).toBe('');
    expect(sim.get('incident', sys_id ?? '')?.short_description).toBe('after');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('returns 404 on an empty v1 collection but 200 with [] on v2', async () => {
    const v1 = await api('/api/now/v1/table/incident');
    const v2 = await api('/api/now/v2/table/incident');

    expect(v1.status).toBe(404);
    expect(v2.status).toBe(200);
  });
});

describe('encoded queries', () => {
  beforeEach(async () => {
    await start();
    const philips = sim.insert('core_company', { name: 'Philips Healthcare' });
    const ge = sim.insert('core_company', { name: 'GE Healthcare' });
    const rows = [
      ['MON-A', philips.sys_id, '1', 'B.06.10', '2024-01-10 08:00:00'],
      ['MON-B', philips.sys_id, '6', 'B.06.20', '2024-02-10 08:00:00'],
      ['PUMP-C', ge.sys_id, '1', '9.33.1', '2024-03-10 08:00:00'],
      ['PUMP-D', ge.sys_id, '7', '', '2024-04-10 23:30:00'],
      ['CT-E', philips.sys_id, '1', '4.1.6', '2024-05-10 08:00:00'],
    ];
    for (const [name, manufacturer, install_status, u_software_version, last_discovered] of rows) {
      sim.insert('cmdb_ci_med_device', {
        name: name ?? '',
        manufacturer: manufacturer ?? '',
        install_status: install_status ?? '',
        u_software_version: u_software_version ?? '',
        last_discovered: last_discovered ?? '',
      });
    }
  });

  async function names(query: string): Promise<string[]> {
    const rows = await resultList(
      `/api/now/table/cmdb_ci_med_device?sysparm_fields=name&sysparm_query=${encodeURIComponent(query)}`,
    );
    return rows.map((row) => String(row.name));
  }

  it('supports equality, inequality and IN / NOT IN', async () => {
    expect(await names('install_status=1')).toEqual(['MON-A', 'PUMP-C', 'CT-E']);
    expect(await names('install_status!=1')).toEqual(['MON-B', 'PUMP-D']);
    expect(await names('install_statusIN6,7')).toEqual(['MON-B', 'PUMP-D']);
    expect(await names('install_statusNOT IN1,6')).toEqual(['PUMP-D']);
  });

  it('supports LIKE, NOT LIKE, STARTSWITH and ENDSWITH', async () => {
    expect(await names('nameLIKEUMP')).toEqual(['PUMP-C', 'PUMP-D']);
    expect(await names('nameNOT LIKEMON')).toEqual(['PUMP-C', 'PUMP-D', 'CT-E']);
    expect(await names('nameSTARTSWITHMON')).toEqual(['MON-A', 'MON-B']);
    expect(await names('nameENDSWITH-E')).toEqual(['CT-E']);
  });

  it('supports ISEMPTY and ISNOTEMPTY', async () => {
    expect(await names('u_software_versionISEMPTY')).toEqual(['PUMP-D']);
    expect(await names('u_software_versionISNOTEMPTY')).toHaveLength(4);
  });

  it('compares numeric choice values as numbers and date-times lexically', async () => {
    expect(await names('install_status>=6')).toEqual(['MON-B', 'PUMP-D']);
    expect(await names('install_status<6')).toEqual(['MON-A', 'PUMP-C', 'CT-E']);
    expect(await names('last_discovered>2024-03-10 08:00:00')).toEqual(['PUMP-D', 'CT-E']);
    expect(await names('last_discovered<=2024-02-10 08:00:00')).toEqual(['MON-A', 'MON-B']);
  });

  it('evaluates gs.dateGenerate with start, end and explicit times', async () => {
    expect(await names("last_discovered>=javascript:gs.dateGenerate('2024-04-10','start')")).toEqual([
      'PUMP-D',
      'CT-E',
    ]);
    expect(await names("last_discovered<=javascript:gs.dateGenerate('2024-04-10','end')")).toHaveLength(4);
    expect(await names("last_discovered<javascript:gs.dateGenerate('2024-04-10','23:00:00')")).toHaveLength(
      3,
    );
  });

  it('binds ^OR tighter than ^ and ORs ^NQ blocks', async () => {
    // install_status=1 AND (name starts with PUMP OR name starts with CT)
    expect(await names('install_status=1^nameSTARTSWITHPUMP^ORnameSTARTSWITHCT')).toEqual(['PUMP-C', 'CT-E']);
    expect(await names('name=MON-A^NQinstall_status=7')).toEqual(['MON-A', 'PUMP-D']);
  });

  it('dot-walks one level on the left-hand side', async () => {
    expect(await names('manufacturer.name=GE Healthcare')).toEqual(['PUMP-C', 'PUMP-D']);
  });

  it('sorts by several ORDERBY / ORDERBYDESC keys, stably', async () => {
    expect(await names('ORDERBYinstall_status^ORDERBYDESCname')).toEqual([
      'PUMP-C',
      'MON-A',
      'CT-E',
      'MON-B',
      'PUMP-D',
    ]);
    expect(await names('ORDERBYmanufacturer')).toEqual(['PUMP-C', 'PUMP-D', 'MON-A', 'MON-B', 'CT-E']);
  });

  it('ignores a condition on an unknown field and applies the rest', async () => {
    expect(await names('u_no_such_field=1^install_status=7')).toEqual(['PUMP-D']);
  });

  it('filters by name-value pairs outside sysparm_query', async () => {
    const rows = await resultList('/api/now/table/cmdb_ci_med_device?sysparm_fields=name&install_status=6');

    expect(rows).toEqual([{ name: 'MON-B' }]);
  });
});

describe('paging', () => {
  beforeEach(async () => {
    await start();
    for (let i = 1; i <= 25; i++) sim.insert('incident', { short_description: `incident ${i}` });
  });

  it('reports X-Total-Count and first/prev/next/last links that echo the query', async () => {
    const response = await api(
      '/api/now/table/incident?sysparm_query=active%3Dtrue&sysparm_limit=10&sysparm_offset=10',
    );
    const link = response.headers.get('link') ?? '';

    expect(response.headers.get('x-total-count')).toBe('25');
    expect(((await json(response)).result as Json[]).length).toBe(10);
    expect(link).toContain('sysparm_offset=0&sysparm_limit=10>;rel="first"');
    expect(link).toContain('sysparm_offset=0&sysparm_limit=10>;rel="prev"');
    expect(link).toContain('sysparm_offset=20&sysparm_limit=10>;rel="next"');
    expect(link).toContain('sysparm_offset=20&sysparm_limit=10>;rel="last"');
    expect(link).toContain('sysparm_query=active%3Dtrue');
  });

  it('lets a client follow rel="next" until it is absent and see every row once', async () => {
    const seen: string[] = [];
    let next: string | undefined =
      `${sim.url}/api/now/table/incident?sysparm_limit=7&sysparm_query=ORDERBYnumber`;

    while (next !== undefined) {
      const response: Response = await fetch(next, { headers: JSON_HEADERS });
      seen.push(...((await json(response)).result as Json[]).map((row) => String(row.number)));
      next = /<([^>]+)>;rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }

    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });

  it('omits Link on a single page and the count with sysparm_no_count', async () => {
    const response = await api('/api/now/table/incident?sysparm_no_count=true');

    expect(response.headers.get('link')).toBeNull();
    expect(response.headers.get('x-total-count')).toBeNull();
  });

  it('omits Link with sysparm_suppress_pagination_header', async () => {
    const response = await api(
      '/api/now/table/incident?sysparm_limit=5&sysparm_suppress_pagination_header=true',
    );

    expect(response.headers.get('link')).toBeNull();
    expect(response.headers.get('x-total-count')).toBe('25');
  });

  it('counts matches through the stats API', async () => {
    const response = await api('/api/now/stats/incident?sysparm_count=true');

    expect(await json(response)).toEqual({ result: { stats: { count: '25' } } });
  });
});

describe('field shapes, inheritance and journals', () => {
  let deviceId: string;
  let companyId: string;

  beforeEach(async () => {
    await start();
    companyId = sim.insert('core_company', { name: 'Philips Medical Systems' }).sys_id ?? '';
    deviceId =
      sim.insert('cmdb_ci_med_device', { name: 'MX800-ICU-01', manufacturer: companyId, install_status: '1' })
        .sys_id ?? '';
    sim.insert('cmdb_ci_hardware', { name: 'Workstation' });
  });

  it('renders reference fields as {link,value}, display values and both, per sysparm_display_value', async () => {
    const path = `/api/now/table/cmdb_ci_med_device/${deviceId}?sysparm_fields=manufacturer,install_status`;
    const link = `${sim.url}/api/now/table/core_company/${companyId}`;

    const raw = (await json(await api(path))).result;
    const display = (await json(await api(`${path}&sysparm_display_value=true`))).result;
    const all = (await json(await api(`${path}&sysparm_display_value=all`))).result;
    const bare = (await json(await api(`${path}&sysparm_exclude_reference_link=true`))).result;

    expect(raw).toEqual({ manufacturer: { link, value: companyId }, install_status: '1' });
    expect(display).toEqual({
      manufacturer: { display_value: 'Philips Medical Systems', link },
      install_status: 'Installed',
    });
    expect(all).toEqual({
      manufacturer: { display_value: 'Philips Medical Systems', link, value: companyId },
      install_status: { display_value: 'Installed', value: '1' },
    });
    expect(bare).toEqual({ manufacturer: companyId, install_status: '1' });
  });

  it('renders dot-walked sysparm_fields under the dotted key and ignores invalid fields', async () => {
    const result = (
      await json(
        await api(
          `/api/now/table/cmdb_ci_med_device/${deviceId}?sysparm_fields=name,manufacturer.name,bogus`,
        ),
      )
    ).result;

    expect(result).toEqual({ name: 'MX800-ICU-01', 'manufacturer.name': 'Philips Medical Systems' });
  });

  it('returns child-class rows with their sys_class_name from parent tables', async () => {
    const ci = await resultList('/api/now/table/cmdb_ci?sysparm_fields=name,sys_class_name');
    const hardware = await resultList('/api/now/table/cmdb_ci_hardware?sysparm_fields=name,sys_class_name');
    const devices = await resultList('/api/now/table/cmdb_ci_med_device?sysparm_fields=name');

    expect(ci).toEqual([
      { name: 'MX800-ICU-01', sys_class_name: 'cmdb_ci_med_device' },
      { name: 'Workstation', sys_class_name: 'cmdb_ci_hardware' },
    ]);
    expect(hardware).toHaveLength(2);
    expect(devices).toEqual([{ name: 'MX800-ICU-01' }]);
    expect((await api(`/api/now/table/cmdb_ci/${deviceId}`)).status).toBe(200);
  });

  it('appends work_notes to sys_journal_field and reads them back as ""', async () => {
    const { sys_id } = sim.insert('change_request', { short_description: 'Apply patch', cmdb_ci: deviceId });

    const response = await api(`/api/now/table/change_request/${sys_id}`, {
      method: 'PATCH',
      body: JSON.stringify({ work_notes: 'Manufacturer validated patch 1.2 (evidence: PSIRT letter)' }),
    });
    const entries = await resultList(
      `/api/now/table/sys_journal_field?sysparm_query=element_id=${sys_id}&sysparm_fields=element,name,value`,
    );

    expect((await json(response)).result).toMatchObject({ work_notes: '', sys_mod_count: '1' });
    expect(sim.journal(sys_id ?? '')).toEqual([
      {
        element: 'work_notes',
        value: 'Manufacturer validated patch 1.2 (evidence: PSIRT letter)',
        sys_created_by: 'admin',
        sys_created_on: '2025-03-01 10:00:00',
      },
    ]);
    expect(entries).toEqual([
      {
        element: 'work_notes',
        name: 'change_request',
        value: 'Manufacturer validated patch 1.2 (evidence: PSIRT letter)',
      },
    ]);
  });
});

describe('rate limits and faults', () => {
  it('answers 429 with Retry-After and the documented body once the hourly limit is used, until the window resets', async () => {
    await start({ rateLimit: [{ requestsPerHour: 2, table: 'incident', method: 'GET' }] });

    const first = await api('/api/now/table/incident');
    await api('/api/now/table/incident');
    const limited = await api('/api/now/table/incident');
    const otherTable = await api('/api/now/table/change_request');
    sim.advanceClock(3600 * 1000);
    const afterReset = await api('/api/now/table/incident');

    expect(first.headers.get('x-ratelimit-limit')).toBe('2');
    expect(first.headers.get('x-ratelimit-reset')).toBe(String(Date.parse('2025-03-01T11:00:00Z') / 1000));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3600');
    expect(await json(limited)).toEqual({
      error: {
        message: 'Rate limit exceeded',
        detail: 'Rate limit of 2 requests per hour for Table API exceeded',
      },
      status: 'failure',
    });
    expect(otherTable.status).toBe(200);
    expect(afterReset.status).toBe(200);
  });

  it('commits a POST and then drops the connection, so the client errs although the record exists', async () => {
    await start({ faults: { commitThenDropRate: 1 } });

    const attempt = api('/api/now/table/change_request', {
      method: 'POST',
      body: JSON.stringify({ short_description: 'dup-prone', correlation_id: 'medpatch:wo-7' }),
    });

    await expect(attempt).rejects.toThrow();
    sim.setFaults({});
    const rows = await resultList('/api/now/table/change_request?sysparm_query=correlation_id=medpatch:wo-7');
    expect(rows).toHaveLength(1);
  });

  it('drops connections without a response and answers injected 5xx errors', async () => {
    await start({ faults: { dropRate: 1 } });

    await expect(api('/api/now/table/incident')).rejects.toThrow();
    sim.setFaults({ errorRate: 1 });
    const failed = await api('/api/now/table/incident');

    expect([500, 502, 503]).toContain(failed.status);
    expect(sim.requestCount()).toBe(2);
  });

  it('delays responses by the configured latency', async () => {
    await start({ now: () => new Date(), faults: { latencyMs: 80 } });

    const started = performance.now();
    const response = await api('/api/now/table/incident');

    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });
});
