import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localDynamoDbClient, localSqsClient } from '../../local/stack';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { SqsMatchQueue } from '../../shared/adapters/sqs/sqs-queues';
import { type SyncReport, syncDevices } from '../../shared/application/sync-devices';
import type { CmmsConnector } from '../../shared/connectors/port';
import { createConnector } from '../../shared/connectors/registry';
import { parseCommandLine, printHelp, renderHelp } from '../command-line';
import { formatCount } from '../output';
import { type CliCommand, fileNotFound, reportFailure, UsageError, withLocalStack } from '../support';

const OPTIONS = {
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
} as const;

const HELP = renderHelp({
  command: 'sync',
  summary: "mirrors a CMMS's devices into the MedPatch store (the embedded local stack)",
  usage: [
    'medpatch sync --cmms servicenow|maximo [--table NAME] [--mode full|incremental] [--page-size N] [--rate N]',
    'medpatch sync --inventory FILE.csv [--column-map FILE.json]',
  ],
  description: `Reports what was read, written, unchanged and rejected. A progress bar (read/total, rate, ETA) goes to
stderr: redrawn in place on a terminal, a plain line every few seconds otherwise. Rejected records are reported,
not fatal.`,
  flags: [
    [
      '--cmms servicenow',
      'SERVICENOW_INSTANCE_URL and SERVICENOW_USERNAME/SERVICENOW_PASSWORD (Basic), or\nSERVICENOW_CLIENT_ID/SERVICENOW_CLIENT_SECRET (OAuth; with a user name: password grant,\nwithout: client_credentials)',
    ],
    ['--cmms maximo', 'MAXIMO_URL and MAXIMO_APIKEY (or MAXIMO_USERNAME/MAXIMO_PASSWORD)'],
    ['--inventory FILE', 'an inventory CSV export (canonical header, or --column-map for other headers)'],
    [
      '--column-map FILE',
      'column-map JSON for --inventory ({"version":1,"columns":{"Control #":"asset_tag",…}})',
    ],
    ['--instance-url URL', 'overrides SERVICENOW_INSTANCE_URL / MAXIMO_URL'],
    ['--username USER', 'overrides SERVICENOW_USERNAME / MAXIMO_USERNAME'],
    ['--password PASSWORD', 'overrides the password variable (prefer the environment variable)'],
    [
      '--table NAME',
      'ServiceNow device table (default cmdb_ci_med_device; alm_hardware, x_nuvo_eam_clinical_devices)\nor Maximo object structure (default mxapiasset)',
    ],
    [
      '--mode full|incremental',
      'full (default) reads everything and reconciles; incremental reads from the watermark',
    ],
    ['--page-size N', 'records per request (default 500)'],
    ['--rate N', 'at most N requests per second to the CMMS (default: no cap)'],
  ],
  examples: [
    'medpatch sync --cmms servicenow --table alm_hardware --mode incremental',
    'medpatch sync --inventory aims.csv --column-map aims-map.json --json | jq .rejected',
  ],
  failure: 'the sync failed (the message names the reason: credentials, network, …)',
});

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
    if (!existsSync(values.inventory)) throw fileNotFound('--inventory', values.inventory);
    const directory = mkdtempSync(join(tmpdir(), 'medpatch-sync-'));
    copyFileSync(values.inventory, join(directory, 'inventory.csv'));
    if (values['column-map']) {
      if (!existsSync(values['column-map'])) throw fileNotFound('--column-map', values['column-map']);
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
  const { values, out } = parseCommandLine('sync', args, OPTIONS);
  if (values.help) return printHelp(HELP);
  if (values.mode !== 'full' && values.mode !== 'incremental')
    throw new UsageError(`--mode must be full or incremental, not "${values.mode}"`);
  const mode = values.mode;
  const { connector, describe, cleanup } = connectorFromArgs(values);
  try {
    return await withLocalStack({ servicenow: false }, out, async (stack) => {
      const dynamodb = localDynamoDbClient(stack);
      const sqs = localSqsClient(stack);
      const started = Date.now();
      try {
        const total = (await connector.estimateCount?.(null).catch(() => null)) ?? undefined;
        const bar = out.progress('sync', { total, unit: 'read' });
        const detail = (r: SyncReport) =>
          `written ${formatCount(r.written)} · unchanged ${formatCount(r.unchanged)} · rejected ${formatCount(r.rejected.length)}`;
        const report = await syncDevices(
          {
            source: connector,
            devices: new DynamoDeviceRepository(new TableClient(dynamodb, stack.tableNames.main)),
            matchQueue: new SqsMatchQueue(sqs, stack.queueUrls.match),
          },
          {
            mode,
            actor: { actor: 'medpatch-cli', reason: `medpatch sync (${mode})` },
            onProgress: (r) => bar.update(r.read, { detail: detail(r) }),
          },
        );
        bar.done({ done: report.read, detail: detail(report) });
        const seconds = (Date.now() - started) / 1000;
        out.result({ source: describe, seconds, ...report }, () => formatReport(report, describe, seconds));
        return 0;
      } catch (error) {
        return reportFailure(out, error, 'sync');
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
  options: OPTIONS,
  run,
};
