import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDeviceRepository } from '../shared/adapters/dynamodb/device-repository';
import { DynamoEnrichmentRepository } from '../shared/adapters/dynamodb/enrichment-repository';
import { DynamoFindingRepository } from '../shared/adapters/dynamodb/finding-repository';
import { DynamoMds2ProfileRepository } from '../shared/adapters/dynamodb/mds2-repository';
import { DynamoPolicyRepository } from '../shared/adapters/dynamodb/policy-repository';
import { TableClient } from '../shared/adapters/dynamodb/table-client';
import { DynamoValidationRepository } from '../shared/adapters/dynamodb/validation-repository';
import { DynamoWorkOrderRepository } from '../shared/adapters/dynamodb/work-order-repository';
import { SqsMatchQueue, SqsPrioritizeQueue } from '../shared/adapters/sqs/sqs-queues';
import { type EnrichmentFeeds, enrichVulnerabilities } from '../shared/application/enrich-vulnerabilities';
import type { DocumentOutcome } from '../shared/application/ingest-advisories';
import { importMds2Text } from '../shared/application/mds2-import';
import { applyPolicyText } from '../shared/application/policy-admin';
import { type SyncReport, syncDevices } from '../shared/application/sync-devices';
import { importValidationText } from '../shared/application/validation-import';
import { CsvInventorySource } from '../shared/connectors/csv/inventory-csv';
import { type EpssSnapshot, parseEpssApi, parseEpssCsv, parseKevCatalog } from '../shared/domain/enrichment';
import type { Finding } from '../shared/domain/finding';
import type { WorkOrder } from '../shared/domain/work-order';
import type { ReportCmms } from '../shared/report/report-model';
import { writePostureReport } from './report/write-report';
import type { LocalRunner } from './runner';
import { type LocalStack, localDynamoDbClient, localSqsClient } from './stack';

export interface PipelineInput {
  devices: { kind: 'servicenow' } | { kind: 'inventory'; csvText: string };
  advisoryPaths: readonly string[];
  kevFile?: string;
  /** EPSS scores: the daily CSV or the API JSON. */
  epssFile?: string;
  validationsFile?: string;
  /** Hospital patch policy (JSON, shared/domain/policy.ts), stored as the active policy before anything runs. */
  policyFile?: string;
  /** MDS2 manufacturer profiles (CSUP / SBOM answers, CSV or JSON): their patching facts go on work orders. */
  mds2File?: string;
  outDir: string;
  log?: (line: string) => void;
  /**
   * Progress of the long stages, for bars: devices read, advisory documents ingested, and messages handled by the
   * matcher, prioritizer and dispatcher while the queues drain (total = handled + still queued, so it can grow).
   */
  onProgress?: (stage: PipelineStage, done: number, total?: number) => void;
  /** Where work orders go, so report.html can link its identifiers (plain ids when absent). */
  cmms?: ReportCmms;
}

export type PipelineStage = 'sync' | 'ingest' | 'match' | 'prioritize' | 'dispatch';

export interface FindingRow {
  assetTag: string;
  deviceId: string;
  advisoryId: string;
  cves: string[];
  product: string;
  matchConfidence: Finding['matchConfidence'];
  validationStatus: Finding['validationStatus'];
  action: Finding['action'] | null;
  decision: string | null;
  score: number | null;
  remediationState: Finding['remediationState'];
  reason: string;
}

export interface WorkOrderRow {
  correlationId: string;
  kind: WorkOrder['kind'];
  assetTags: string[];
  advisoryIds: string[];
  decision: WorkOrder['decision'];
  priority: number;
  dueDate: string;
  cmmsRef?: string;
}

export interface AlertRow {
  /** The domain event that caused the alert (its id and kind, e.g. NEW_FINDING, DECISION_UPGRADED). */
  eventId: string;
  eventKind: string;
  /** Who received it: the role, the subscription and its endpoint, on which channel. */
  audience: string;
  subscription: string;
  endpoint: string;
  channel: string;
  subject: string;
  message: string;
  attributes: Record<string, string>;
}

export interface PipelineSummary {
  devices: { read: number; written: number; unchanged: number; rejected: number };
  advisories: { documents: number; accepted: number; unchanged: number; rejected: number };
  validations: { loaded: number; rejected: number };
  kevEntries: number;
  findings: {
    total: number;
    byConfidence: Record<string, number>;
    byDecision: Record<string, number>;
    byAction: Record<string, number>;
  };
  workOrders: { total: number; byKind: Record<string, number>; dispatched: number };
  alerts: number;
  seconds: number;
}

export interface PipelineResult {
  summary: PipelineSummary;
  findings: FindingRow[];
  workOrders: WorkOrderRow[];
  alerts: AlertRow[];
  rejectedDevices: SyncReport['rejected'];
  advisoryOutcomes: DocumentOutcome[];
  validationErrors: { line: number; column?: string; message: string }[];
  /** The posture report written next to the JSON files (`<outDir>/report.html`). */
  reportFile: string;
}

/**
 * Runs the whole pipeline once on the local stack: validations and KEV into the store, devices through the sync
 * (the cmms-sync Lambda for ServiceNow, the same use-case over a CSV otherwise), advisories through the
 * advisory-ingest Lambda, then every queue drained through matcher → prioritizer → dispatcher. Writes the
 * contract files of DESIGN.md §5 into `outDir`.
 */
export async function runPipeline(
  stack: LocalStack,
  runner: LocalRunner,
  input: PipelineInput,
): Promise<PipelineResult> {
  const started = Date.now();
  const log = input.log ?? (() => undefined);
  const dynamodb = localDynamoDbClient(stack);
  const sqs = localSqsClient(stack);
  try {
    const table = new TableClient(dynamodb, stack.tableNames.main);
    const operator = { actor: 'medpatch-cli', reason: 'medpatch run' };

    let validationsLoaded = 0;
    let validationErrors: PipelineResult['validationErrors'] = [];
    if (input.policyFile) {
      const { policy } = await applyPolicyText(
        new DynamoPolicyRepository(table),
        readFileSync(input.policyFile, 'utf8'),
        input.policyFile,
        { ...operator, reason: `policy ${input.policyFile}` },
      );
      log(`policy: ${policy.policyVersion} active`);
    }
    if (input.mds2File) {
      const mds2 = await importMds2Text(
        new DynamoMds2ProfileRepository(table),
        readFileSync(input.mds2File, 'utf8'),
        input.mds2File,
        { ...operator, reason: `MDS2 ${input.mds2File}` },
      );
      for (const e of mds2.errors) log(`MDS2 ${input.mds2File}:${e.line}: ${e.message}`);
      log(`MDS2: ${mds2.profiles} profiles, ${mds2.errors.length} rows rejected`);
    }
    if (input.validationsFile) {
      // Through the recordValidation use-case (scope ids, transitions, history, audit), as the API and CLI do.
      const imported = await importValidationText(
        {
          validations: new DynamoValidationRepository(table),
          devices: new DynamoDeviceRepository(table),
          findings: new DynamoFindingRepository(table),
        },
        readFileSync(input.validationsFile, 'utf8'),
        input.validationsFile,
        { system: operator.actor },
        { now: new Date().toISOString() },
      );
      validationErrors = imported.errors;
      validationsLoaded = imported.loaded;
      log(`validations: ${validationsLoaded} loaded, ${validationErrors.length} rejected`);
    }

    let kevEntries = 0;
    if (input.kevFile || input.epssFile) {
      // Enrich before matching: every CVE the advisories name gets its KEV / EPSS state ("not listed" is recorded
      // as such, distinct from never checked), so the first assessment already scores with it.
      const feeds: EnrichmentFeeds = {
        ...(input.kevFile ? { kev: parseKevCatalog(JSON.parse(readFileSync(input.kevFile, 'utf8'))) } : {}),
        ...(input.epssFile ? { epss: readEpss(input.epssFile) } : {}),
      };
      const outcome = await enrichVulnerabilities(
        {
          enrichment: new DynamoEnrichmentRepository(table),
          findings: new DynamoFindingRepository(table),
          prioritizeQueue: new SqsPrioritizeQueue(sqs, stack.queueUrls.prioritize),
        },
        feeds,
        cvesNamedIn(input.advisoryPaths.flatMap(listJsonFiles)),
      );
      kevEntries = feeds.kev?.entries.size ?? 0;
      log(
        `enrichment: ${outcome.cvesConsidered} advisory CVEs checked against${feeds.kev ? ` KEV ${feeds.kev.catalogVersion} (${kevEntries} listed)` : ''}${feeds.epss ? ` EPSS ${feeds.epss.date} (${feeds.epss.scores.size} scores)` : ''}`,
      );
    }

    let sync: SyncReport;
    if (input.devices.kind === 'servicenow') {
      sync = await runner.invokeSchedule<SyncReport>('cmmsSync', { mode: 'full' });
    } else {
      sync = await syncDevices(
        {
          source: new CsvInventorySource(input.devices.csvText),
          devices: new DynamoDeviceRepository(table),
          matchQueue: new SqsMatchQueue(sqs, stack.queueUrls.match),
        },
        {
          mode: 'full',
          actor: { ...operator, reason: 'inventory import' },
          ...(input.onProgress ? { onProgress: (r: SyncReport) => input.onProgress?.('sync', r.read) } : {}),
        },
      );
    }
    input.onProgress?.('sync', sync.read, sync.read);
    log(
      `devices: ${sync.read} read, ${sync.written} written, ${sync.unchanged} unchanged, ${sync.rejected.length} rejected`,
    );
    await drainWithProgress(runner, sqs, stack, input.onProgress);
    log('devices matched against stored advisories');

    const files = input.advisoryPaths.flatMap(listJsonFiles);
    const advisoryOutcomes: DocumentOutcome[] = [];
    for (const [index, file] of files.entries()) {
      input.onProgress?.('ingest', index, files.length);
      const response = await runner.invokeHttp('advisoryIngest', {
        method: 'POST',
        path: '/v1/advisories',
        body: readFileSync(file, 'utf8'),
      });
      advisoryOutcomes.push(outcomeOf(file, response.statusCode ?? 500, String(response.body ?? '')));
    }
    input.onProgress?.('ingest', files.length, files.length);
    const count = (status: DocumentOutcome['status']) =>
      advisoryOutcomes.filter((o) => o.status === status).length;
    log(
      `advisories: ${files.length} documents, ${count('accepted')} accepted, ${count('unchanged')} unchanged, ${count('rejected')} rejected`,
    );
    await drainWithProgress(runner, sqs, stack, input.onProgress);
    log(
      `matching, prioritization and dispatch finished (${Object.entries(runner.stats)
        .map(([key, s]) => `${key} ${s.records} msgs/${(s.busyMs / 1000).toFixed(1)} s busy`)
        .join(', ')})`,
    );

    const findings = (await new DynamoFindingRepository(table).listAll())
      .filter((f) => f.remediationState !== 'NOT_AFFECTED')
      .sort((a, b) => (a.findingId < b.findingId ? -1 : 1));
    const workOrders = (await new DynamoWorkOrderRepository(table).listAll()).sort((a, b) =>
      a.correlationId < b.correlationId ? -1 : 1,
    );
    await drainAlerts(sqs, stack.alertCaptureQueueUrl); // the unfiltered catch-all; rows come per subscription
    const alerts: AlertRow[] = [];
    for (const sub of stack.alertSubscriptions) {
      for (const row of await drainAlerts(sqs, sub.queueUrl)) {
        alerts.push({
          ...row,
          audience: sub.role,
          subscription: sub.id,
          endpoint: sub.endpoint,
          channel: sub.channel,
        });
      }
    }
    alerts.sort((a, b) =>
      a.eventId === b.eventId ? (a.subscription < b.subscription ? -1 : 1) : a.eventId < b.eventId ? -1 : 1,
    );

    const findingRows: FindingRow[] = findings.map((f) => ({
      assetTag: f.assetTag,
      deviceId: f.deviceId,
      advisoryId: f.advisoryId,
      cves: f.cves,
      product: f.product,
      matchConfidence: f.matchConfidence,
      validationStatus: f.validationStatus,
      action: f.action ?? null,
      decision: f.prioritization?.decision ?? null,
      score: f.prioritization?.score ?? null,
      remediationState: f.remediationState,
      reason: `${f.matchReason.productRule}; ${f.matchReason.versionRule}`,
    }));
    const workOrderRows: WorkOrderRow[] = workOrders.map((w) => ({
      correlationId: w.correlationId,
      kind: w.kind,
      assetTags: w.assetTags,
      advisoryIds: w.advisoryIds,
      decision: w.decision,
      priority: w.priority,
      dueDate: w.dueDate,
      ...(w.cmmsRef ? { cmmsRef: w.cmmsRef } : {}),
    }));
    const tally = <T>(rows: readonly T[], key: (row: T) => string | null | undefined) =>
      rows.reduce<Record<string, number>>((acc, row) => {
        const k = key(row) ?? 'none';
        acc[k] = (acc[k] ?? 0) + 1;
        return acc;
      }, {});
    const summary: PipelineSummary = {
      devices: {
        read: sync.read,
        written: sync.written,
        unchanged: sync.unchanged,
        rejected: sync.rejected.length,
      },
      advisories: {
        documents: files.length,
        accepted: count('accepted'),
        unchanged: count('unchanged'),
        rejected: count('rejected'),
      },
      validations: { loaded: validationsLoaded, rejected: validationErrors.length },
      kevEntries,
      findings: {
        total: findingRows.length,
        byConfidence: tally(findingRows, (f) => f.matchConfidence),
        byDecision: tally(findingRows, (f) => f.decision),
        byAction: tally(findingRows, (f) => f.action),
      },
      workOrders: {
        total: workOrderRows.length,
        byKind: tally(workOrderRows, (w) => w.kind),
        dispatched: workOrderRows.filter((w) => w.cmmsRef).length,
      },
      alerts: alerts.length,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };

    mkdirSync(input.outDir, { recursive: true });
    const write = (name: string, value: unknown) =>
      writeFileSync(join(input.outDir, name), `${JSON.stringify(value, null, 2)}\n`);
    write('findings.json', findingRows);
    write('work-orders.json', workOrderRows);
    write('alerts.json', alerts);
    write('summary.json', summary);
    const reportFile = await writePostureReport(table, {
      outDir: input.outDir,
      summary,
      findings: findingRows,
      workOrders: workOrderRows,
      ...(input.cmms ? { cmms: input.cmms } : {}),
    });
    return {
      summary,
      findings: findingRows,
      workOrders: workOrderRows,
      alerts,
      rejectedDevices: sync.rejected,
      advisoryOutcomes,
      validationErrors,
      reportFile,
    };
  } finally {
    dynamodb.destroy();
    sqs.destroy();
  }
}

const DRAIN_STAGES = [
  { stage: 'match', consumer: 'matcher', queue: 'match' },
  { stage: 'prioritize', consumer: 'prioritizer', queue: 'prioritize' },
  { stage: 'dispatch', consumer: 'dispatcher', queue: 'workOrders' },
] as const;

/** runner.drain(), reporting every half second how many messages each consumer handled and how many still wait. */
async function drainWithProgress(
  runner: LocalRunner,
  sqs: SQSClient,
  stack: LocalStack,
  onProgress: PipelineInput['onProgress'],
): Promise<void> {
  if (!onProgress) {
    await runner.drain();
    return;
  }
  const handled = (consumer: (typeof DRAIN_STAGES)[number]['consumer']) =>
    runner.stats[consumer]?.records ?? 0;
  const before = DRAIN_STAGES.map((s) => handled(s.consumer));
  const report = async () => {
    for (const [i, s] of DRAIN_STAGES.entries()) {
      const res = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: stack.queueUrls[s.queue],
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const waiting =
        Number(res.Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      const done = handled(s.consumer) - (before[i] ?? 0);
      if (done + waiting > 0) onProgress(s.stage, done, done + waiting);
    }
  };
  let polling = Promise.resolve();
  const timer = setInterval(() => {
    polling = polling.then(report).catch(() => undefined); // progress is best effort, never a failure
  }, 500);
  try {
    await runner.drain();
  } finally {
    clearInterval(timer);
    await polling;
  }
  for (const [i, s] of DRAIN_STAGES.entries()) {
    const done = handled(s.consumer) - (before[i] ?? 0);
    if (done > 0) onProgress(s.stage, done, done);
  }
}

/** CVE ids named anywhere in the advisory files (cheap, before parsing): the set to enrich. */
function cvesNamedIn(files: readonly string[]): string[] {
  const cves = new Set<string>();
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/CVE-\d{4}-\d{4,}/g)) cves.add(match[0]);
  }
  return [...cves];
}

/** EPSS as the daily CSV (with its `#model_version` line) or the API JSON. */
function readEpss(file: string): EpssSnapshot {
  const text = readFileSync(file, 'utf8');
  return file.endsWith('.json') ? parseEpssApi(JSON.parse(text)) : parseEpssCsv(text);
}

function listJsonFiles(path: string): string[] {
  const stats = statSync(path);
  if (stats.isFile()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => {
      const child = join(path, name);
      return statSync(child).isDirectory() ? listJsonFiles(child) : name.endsWith('.json') ? [child] : [];
    });
}

function outcomeOf(file: string, status: number, body: string): DocumentOutcome {
  try {
    const parsed = JSON.parse(body) as {
      status?: string;
      advisoryId?: string;
      trackingVersion?: string;
      warnings?: string[];
      error?: string;
      details?: string[];
    };
    if (status < 300 && parsed.advisoryId) {
      return parsed.status === 'unchanged'
        ? {
            name: file,
            status: 'unchanged',
            advisoryId: parsed.advisoryId,
            trackingVersion: parsed.trackingVersion ?? '',
          }
        : {
            name: file,
            status: 'accepted',
            advisoryId: parsed.advisoryId,
            trackingVersion: parsed.trackingVersion ?? '',
            warnings: parsed.warnings ?? [],
          };
    }
    return {
      name: file,
      status: 'rejected',
      errors: parsed.details?.length ? parsed.details : [parsed.error ?? `HTTP ${status}`],
    };
  } catch {
    return { name: file, status: 'rejected', errors: [`HTTP ${status}`] };
  }
}

/** Reads every SNS delivery captured on the local stand-in for email/SMS endpoints. */
async function drainAlerts(sqs: SQSClient, queueUrl: string): Promise<AlertRow[]> {
  const alerts: AlertRow[] = [];
  for (;;) {
    const res = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = res.Messages ?? [];
    if (messages.length === 0) break;
    for (const message of messages) {
      const envelope = JSON.parse(message.Body ?? '{}') as {
        Subject?: string;
        Message?: string;
        MessageAttributes?: Record<string, { Value?: string }>;
      };
      const attributes = Object.fromEntries(
        Object.entries(envelope.MessageAttributes ?? {}).map(([name, value]) => [name, value.Value ?? '']),
      );
      alerts.push({
        eventId: attributes.eventId ?? '',
        eventKind: attributes.eventKind ?? '',
        audience: '',
        subscription: '',
        endpoint: '',
        channel: attributes.channel ?? '',
        subject: envelope.Subject ?? '',
        message: envelope.Message ?? '',
        attributes,
      });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
  return alerts.sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
}
