import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { localDynamoDbClient, localSqsClient } from '../../local/stack';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { SqsMatchQueue } from '../../shared/adapters/sqs/sqs-queues';
import { type SyncReport, syncDevices } from '../../shared/application/sync-devices';
import type { CmmsConnector } from '../../shared/connectors/port';
import { createConnector } from '../../shared/connectors/registry';
import { MedPatchError } from '../../shared/errors';
import { type CliCommand, UsageError, withLocalStack } from '../support';

const HELP = `medpatch sync — mirrors a CMMS's devices into the MedPatch store (the embedded local stack) and reports
what was read, written, unchanged and rejected.

Source (one of):
  --cmms servicenow     SERVICENOW_INSTANCE_URL and SERVICENOW_USERNAME/SERVICENOW_PASSWORD (Basic), or
                        SERVICENOW_CLIENT_ID/SERVICENOW_CLIENT_SECRET (OAuth; with a user name: password grant,
                        without: client_credentials). Flags --instance-url, --username, --password override.
  --cmms maximo         MAXIMO_URL and MAXIMO_APIKEY (or MAXIMO_USERNAME/MAXIMO_PASSWORD)
  --inventory FILE      an inventory CSV export (canonical header, or --column-map FILE.json for other headers)
Options:
  --table NAME          ServiceNow device table (default cmdb_ci_med_device; alm_hardware,
                        x_nuvo_eam_clinical_devices) or Maximo object structure (default mxapiasset)
  --column-map FILE     column-map JSON for --inventory ({"version":1,"columns":{"Control #":"asset_tag",…}})
  --mode full|incremental  full (default) reads everything and reconciles; incremental reads from the watermark
  --page-size N         records per request (default 500)
  --rate N              at most N requests per second to the CMMS (default: no cap)
  --json                print the final report as one JSON object
  -h, --help            this help

Progress goes to stderr: one updating line on a terminal, plain lines otherwise. Exit code 0 when the sync
finished (rejected records are reported, not fatal), 1 when it failed (with the reason), 2 on a usage error.`;

export interface Progress {
  read: number;
  written: number;
  unchanged: number;
  rejected: number;
  elapsedMs: number;
  total: number | null;
}

/** One progress line: counts, rate and ETA (when the total is known). */
export function formatProgress(p: Progress): string {
  const rate = p.elapsedMs > 0 ? (p.read * 1000) / p.elapsedMs : 0;
  const fmt = (n: number) => n.toLocaleString('en-US');
  const parts = [
    `read ${fmt(p.read)}${p.total !== null ? `/${fmt(p.total)}` : ''}`,
    `written ${fmt(p.written)}`,
    `unchanged ${fmt(p.unchanged)}`,
    `rejected ${fmt(p.rejected)}`,
    `${fmt(Math.round(rate))}/s`,
  ];
  if (p.total !== null && rate > 0) {
    const remaining = Math.max(0, p.total - p.read) / rate;
    parts.push(`ETA ${formatDuration(remaining)}`);
  }
  return parts.join(' · ');
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes}m ${Math.round(seconds % 60)}s`
    : `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/**
 * Renders progress: on a TTY one line rewritten in place (at most 10 times a second); elsewhere (CI, a log file)
 * a plain line at most every `plainEveryMs`, so logs stay readable.
 */
export function progressRenderer(
  stream: { isTTY?: boolean; write(text: string): unknown },
  options: { plainEveryMs?: number; now?: () => number } = {},
): { update(p: Progress): void; done(p: Progress): void } {
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  const every = tty ? 100 : (options.plainEveryMs ?? 5000);
  let last = Number.NEGATIVE_INFINITY;
  let lastCounts = '';
  const counts = (p: Progress) => `${p.read}|${p.written}|${p.unchanged}|${p.rejected}`;
  return {
    update(p) {
      const t = now();
      if (t - last < every) return;
      last = t;
      lastCounts = counts(p);
      stream.write(tty ? `\r\u001b[2K${formatProgress(p)}` : `sync: ${formatProgress(p)}\n`);
    },
    done(p) {
      if (tty) stream.write(`\r\u001b[2K${formatProgress(p)}\n`);
      else if (counts(p) !== lastCounts) stream.write(`sync: ${formatProgress(p)}\n`);
    },
  };
}

function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Builds the connector from flags and environment; a missing setting is a usage error naming it. */
export function connectorFromArgs(values: {
  cmms?: string | undefined;
  inventory?: string | undefined;
  'column-map'?: string | undefined;
  'instance-url'?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  table?: string | undefined;
  'page-size'?: string | undefined;
  rate?: string | undefined;
}): { connector: CmmsConnector; describe: string; cleanup: () => void } {
  const pageSize = values['page-size'] === undefined ? undefined : Number(values['page-size']);
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1))
    throw new UsageError('--page-size must be a positive integer');
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (rate !== undefined && (!Number.isFinite(rate) || rate <= 0))
    throw new UsageError('--rate must be a positive number');
  const common = { ...(pageSize ? { pageSize } : {}), ...(rate ? { maxRequestsPerSecond: rate } : {}) };
  if (Boolean(values.inventory) === Boolean(values.cmms))
    throw new UsageError('give exactly one of --inventory FILE.csv or --cmms servicenow|maximo');
  if (values.inventory) {
    if (!existsSync(values.inventory)) throw new UsageError(`--inventory ${values.inventory}: no such file`);
    const directory = mkdtempSync(join(tmpdir(), 'medpatch-sync-'));
    copyFileSync(values.inventory, join(directory, 'inventory.csv'));
    if (values['column-map']) {
      if (!existsSync(values['column-map']))
        throw new UsageError(`--column-map ${values['column-map']}: no such file`);
      copyFileSync(values['column-map'], join(directory, 'column-map.json'));
    }
    return {
      connector: createConnector('csv', { directory, ...(pageSize ? { pageSize } : {}) }),
      describe: resolve(values.inventory),
      cleanup: () => rmSync(directory, { recursive: true, force: true }),
    };
  }
  if (values.cmms === 'servicenow') {
    const instanceUrl = values['instance-url'] ?? env('SERVICENOW_INSTANCE_URL');
    const username = values.username ?? env('SERVICENOW_USERNAME');
    const password = values.password ?? env('SERVICENOW_PASSWORD') ?? '';
    const clientId = env('SERVICENOW_CLIENT_ID');
    const clientSecret = env('SERVICENOW_CLIENT_SECRET');
    if (!instanceUrl) throw new UsageError('ServiceNow needs SERVICENOW_INSTANCE_URL (or --instance-url)');
    const auth = clientId
      ? {
          kind: 'oauth',
          clientId,
          clientSecret: clientSecret ?? '',
          ...(username ? { username, password } : {}),
        }
      : username
        ? { kind: 'basic', username, password }
        : null;
    if (!auth)
      throw new UsageError(
        'ServiceNow needs SERVICENOW_USERNAME/SERVICENOW_PASSWORD or SERVICENOW_CLIENT_ID/SECRET',
      );
    return {
      connector: createConnector('servicenow', {
        instanceUrl,
        auth,
        ...(values.table ? { deviceTable: values.table } : {}),
        ...common,
      }),
      describe: `${instanceUrl} (${values.table ?? 'cmdb_ci_med_device'})`,
      cleanup: () => undefined,
    };
  }
  if (values.cmms === 'maximo') {
    const instanceUrl = values['instance-url'] ?? env('MAXIMO_URL');
    const apiKey = env('MAXIMO_APIKEY');
    const username = values.username ?? env('MAXIMO_USERNAME');
    const password = values.password ?? env('MAXIMO_PASSWORD') ?? '';
    if (!instanceUrl) throw new UsageError('Maximo needs MAXIMO_URL (or --instance-url)');
    if (!apiKey && !username)
      throw new UsageError('Maximo needs MAXIMO_APIKEY or MAXIMO_USERNAME/MAXIMO_PASSWORD');
    return {
      connector: createConnector('maximo', {
        instanceUrl,
        auth: apiKey ? { kind: 'apikey', apiKey } : { kind: 'basic', username, password },
        ...(values.table ? { assetObject: values.table } : {}),
        ...common,
      }),
      describe: `${instanceUrl} (${values.table ?? 'mxapiasset'})`,
      cleanup: () => undefined,
    };
  }
  throw new UsageError(`unsupported --cmms "${values.cmms}"; supported: servicenow, maximo`);
}

export function formatReport(report: SyncReport, source: string, seconds: number): string {
  const lines = [
    '',
    'MedPatch device sync',
    `  source        ${source}`,
    `  read          ${report.read}`,
    `  written       ${report.written} (${report.created} new)`,
    `  unchanged     ${report.unchanged}`,
    `  rejected      ${report.rejected.length}`,
    `  watermark     ${report.watermark ?? '—'}`,
    `  took          ${seconds.toFixed(1)} s`,
  ];
  if (report.resent > 0)
    lines.push(`  resent        ${report.resent} device-changed messages from an interrupted sync`);
  if (report.reconciliation) {
    const r = report.reconciliation;
    lines.push(`  missing       ${r.missing.length} marked missing (kept, not deleted)`);
    lines.push(`  new devices   ${r.newCount}`);
    for (const warning of r.warnings) lines.push(`  warning       ${warning}`);
  }
  for (const rejected of report.rejected.slice(0, 20))
    lines.push(`  rejected ${rejected.recordId}: ${rejected.message}`);
  if (report.rejected.length > 20)
    lines.push(`  … and ${report.rejected.length - 20} more rejected (use --json for all)`);
  return lines.join('\n');
}

async function run(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      cmms: { type: 'string' },
      inventory: { type: 'string' },
      'column-map': { type: 'string' },
      'instance-url': { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      table: { type: 'string' },
      mode: { type: 'string', default: 'full' },
      'page-size': { type: 'string' },
      rate: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.mode !== 'full' && values.mode !== 'incremental')
    throw new UsageError(`--mode must be full or incremental, not "${values.mode}"`);
  const mode = values.mode;
  const { connector, describe, cleanup } = connectorFromArgs(values);
  try {
    return await withLocalStack({ servicenow: false }, async (stack) => {
      const dynamodb = localDynamoDbClient(stack);
      const sqs = localSqsClient(stack);
      const started = Date.now();
      const renderer = progressRenderer(process.stderr);
      try {
        const total = (await connector.estimateCount?.(null).catch(() => null)) ?? null;
        const progress = (r: SyncReport): Progress => ({
          read: r.read,
          written: r.written,
          unchanged: r.unchanged,
          rejected: r.rejected.length,
          elapsedMs: Date.now() - started,
          total,
        });
        const report = await syncDevices(
          {
            source: connector,
            devices: new DynamoDeviceRepository(new TableClient(dynamodb, stack.tableNames.main)),
            matchQueue: new SqsMatchQueue(sqs, stack.queueUrls.match),
          },
          {
            mode,
            actor: { actor: 'medpatch-cli', reason: `medpatch sync (${mode})` },
            onProgress: (r) => renderer.update(progress(r)),
          },
        );
        renderer.done(progress(report));
        const seconds = (Date.now() - started) / 1000;
        console.log(
          values.json
            ? JSON.stringify({ source: describe, seconds, ...report })
            : formatReport(report, describe, seconds),
        );
        return 0;
      } catch (error) {
        process.stderr.write('\n');
        const kind = error instanceof MedPatchError ? error.name : 'Error';
        console.error(
          `medpatch sync failed (${kind}): ${error instanceof Error ? error.message : String(error)}`,
        );
        return 1;
      } finally {
        dynamodb.destroy();
        sqs.destroy();
      }
    });
  } finally {
    cleanup();
  }
}

export const command: CliCommand = {
  summary: 'sync devices from ServiceNow, Maximo or an inventory CSV, with progress and a final report',
  help: HELP,
  run,
};
