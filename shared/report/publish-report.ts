import type { AlertPublisher, StakeholderAlert } from '../application/ports';
import { ConfigurationError, NotFoundError, ValidationError } from '../errors';
import { type GatherReportOptions, gatherReportInput, type ReportSources } from './gather-report';
import { renderReport } from './render-report';
import { type Headline, headlineOf, type ReportSummary } from './report-model';

/** One object written to the report store. */
export interface ReportObject {
  key: string;
  body: string;
  contentType: string;
  /** Stored with the object (S3 user metadata); ASCII values only. */
  metadata?: Readonly<Record<string, string>>;
}

/** Where posture reports are kept and how they are shared: a private bucket and time-limited links. */
export interface ReportStore {
  put(object: ReportObject): Promise<void>;
  /** The object's last-modified time, or null when there is no such object. */
  find(key: string): Promise<{ key: string; lastModified: string } | null>;
  /** A GET link to the object that stops working after `expiresInSeconds` (or sooner, see the adapter). */
  presignGet(key: string, expiresInSeconds: number): Promise<string>;
}

/** The summary written next to each report: the headline the page shows, and the counts it came from. */
export interface StoredReportSummary {
  hospital: string;
  day: string;
  generatedAt: string;
  headline: Headline;
  summary: ReportSummary;
  /** Size of report.html in bytes. */
  reportBytes: number;
}

export const REPORT_CONTENT_TYPE = 'text/html; charset=utf-8';
export const SUMMARY_CONTENT_TYPE = 'application/json; charset=utf-8';
/** Where the on-demand link is served (the function's http trigger in shared/topology.ts). */
export const LATEST_REPORT_PATH = '/v1/reports/latest';

const HOSPITAL = /^[a-z][a-z0-9-]*$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `reports/<hospital>/<day>/…` for the day's copy and `reports/<hospital>/latest/…` for the newest. */
export function reportKeys(prefix: string, hospital: string, day: string) {
  if (!HOSPITAL.test(hospital)) throw new ConfigurationError(`hospital '${hospital}' is not a kebab-case id`);
  if (!DAY.test(day)) {
    throw new ValidationError(`day '${day}' is not YYYY-MM-DD`, [{ path: 'day', message: 'YYYY-MM-DD' }]);
  }
  const dated = `${prefix}${hospital}/${day}/`;
  const latest = `${prefix}${hospital}/latest/`;
  return {
    report: `${dated}report.html`,
    summary: `${dated}summary.json`,
    latestReport: `${latest}report.html`,
    latestSummary: `${latest}summary.json`,
  };
}

export interface PublishReportDeps {
  sources: ReportSources;
  store: ReportStore;
  alerts: AlertPublisher;
  /** The charting library's browser bundle (read once per process). */
  chartScript: () => string;
}

export interface PublishReportOptions {
  hospital: string;
  /** The report's day (YYYY-MM-DD): names the dated copy and the message; one message per hospital and day. */
  day: string;
  generatedAt: string;
  /** Key prefix of the reports bucket (topology BUCKETS.reports.prefix). */
  prefix: string;
  cmms?: GatherReportOptions['cmms'];
  /** How long the link in the message works. */
  linkSeconds: number;
}

export interface PublishReportResult {
  keys: ReturnType<typeof reportKeys>;
  reportBytes: number;
  headline: Headline;
  linkExpiresAt: string;
  /** False when the message for this hospital and day had already been sent (a retried run). */
  published: boolean;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * The "report is ready" message: headline counts and the link, nothing else. No device, asset tag, advisory,
 * department or person is named, so the message can travel by email without carrying inventory details.
 */
export function reportReadyAlert(input: {
  hospital: string;
  day: string;
  generatedAt: string;
  headline: Headline;
  url: string;
  linkExpiresAt: string;
}): StakeholderAlert {
  const { headline: h } = input;
  const body = [
    `The MedPatch posture report for ${input.hospital} on ${input.day} is ready (generated ${input.generatedAt}).`,
    '',
    `Devices: ${fmt(h.devices)}, of which ${fmt(h.devicesWithOpenFindings)} with open findings`,
    `Findings: ${fmt(h.findings)} — Immediate ${fmt(h.byDecision.IMMEDIATE)}, Out of cycle ${fmt(h.byDecision.OUT_OF_CYCLE)}, ` +
      `Scheduled ${fmt(h.byDecision.SCHEDULED)}, Defer ${fmt(h.byDecision.DEFER)}`,
    `Waiting on the manufacturer's validation: ${fmt(h.waitingOnManufacturer)} open findings`,
    `Work orders: ${fmt(h.workOrders)}, ${fmt(h.workOrdersInCmms)} in the CMMS, ${fmt(h.overdueWorkOrders)} overdue`,
    '',
    `Open the report (the link works until ${input.linkExpiresAt} at the latest):`,
    input.url,
    '',
    `For a fresh link later, call GET ${LATEST_REPORT_PATH} on the MedPatch API (IAM-signed); see the user guide.`,
  ].join('\n');
  return {
    eventId: `POSTURE_REPORT:${input.hospital}:${input.day}`,
    subject: `MedPatch posture report ${input.day}: ${fmt(h.byDecision.IMMEDIATE)} immediate, ${fmt(h.overdueWorkOrders)} overdue`,
    body,
    // Hospital-wide email audiences only (filter policies: channel=email, digestScope hospital); no SMS copy.
    attributes: {
      eventKind: 'POSTURE_REPORT',
      decision: 'REPORT',
      action: 'REPORT',
      department: 'ALL',
      deviceType: 'ALL',
      severity: 'low',
      digestScope: 'hospital',
    },
  };
}

/**
 * Gathers the posture report from the store, writes it with its summary to the day's folder and to `latest/`,
 * and publishes one message with the headline and a time-limited link to the day's copy. A retried run rewrites
 * the same objects and sends no second message.
 */
export async function publishPostureReport(
  deps: PublishReportDeps,
  options: PublishReportOptions,
): Promise<PublishReportResult> {
  const keys = reportKeys(options.prefix, options.hospital, options.day);
  const input = await gatherReportInput(deps.sources, {
    generatedAt: options.generatedAt,
    organization: options.hospital,
    ...(options.cmms ? { cmms: options.cmms } : {}),
    chartScript: deps.chartScript(),
  });
  const html = renderReport(input);
  const headline = headlineOf(input);
  const reportBytes = Buffer.byteLength(html, 'utf8');
  const summary: StoredReportSummary = {
    hospital: options.hospital,
    day: options.day,
    generatedAt: options.generatedAt,
    headline,
    summary: input.summary,
    reportBytes,
  };
  const summaryJson = `${JSON.stringify(summary, null, 2)}\n`;
  const metadata = { 'generated-at': options.generatedAt, day: options.day };
  // The day's copy first: `latest/` never names a report whose dated copy is missing.
  await deps.store.put({ key: keys.report, body: html, contentType: REPORT_CONTENT_TYPE, metadata });
  await deps.store.put({ key: keys.summary, body: summaryJson, contentType: SUMMARY_CONTENT_TYPE, metadata });
  await deps.store.put({ key: keys.latestReport, body: html, contentType: REPORT_CONTENT_TYPE, metadata });
  await deps.store.put({
    key: keys.latestSummary,
    body: summaryJson,
    contentType: SUMMARY_CONTENT_TYPE,
    metadata,
  });

  const url = await deps.store.presignGet(keys.report, options.linkSeconds);
  const linkExpiresAt = new Date(Date.parse(options.generatedAt) + options.linkSeconds * 1000).toISOString();
  const published = await deps.alerts.publishOnce(
    reportReadyAlert({
      hospital: options.hospital,
      day: options.day,
      generatedAt: options.generatedAt,
      headline,
      url,
      linkExpiresAt,
    }),
  );
  return { keys, reportBytes, headline, linkExpiresAt, published };
}

/** A fresh, short-lived link to the newest report; NotFoundError (HTTP 404) before the first one exists. */
export async function linkToLatestReport(
  store: ReportStore,
  options: { prefix: string; hospital: string; linkSeconds: number; now: Date },
): Promise<{ url: string; key: string; lastModified: string; expiresAt: string }> {
  const key = reportKeys(options.prefix, options.hospital, '0000-00-00').latestReport;
  const found = await store.find(key);
  if (!found) {
    throw new NotFoundError(
      `No posture report for '${options.hospital}' yet. The posture-report function writes one every morning ` +
        '(schedule in shared/topology.ts); invoke it once by hand to write the first now.',
    );
  }
  return {
    url: await store.presignGet(key, options.linkSeconds),
    key,
    lastModified: found.lastModified,
    expiresAt: new Date(options.now.getTime() + options.linkSeconds * 1000).toISOString(),
  };
}
