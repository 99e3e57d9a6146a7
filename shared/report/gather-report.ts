import type {
  AdvisoryRepository,
  DeviceRepository,
  FindingRepository,
  Mds2ProfileRepository,
  WorkOrderRepository,
} from '../application/ports';
import type { Finding } from '../domain/finding';
import type { WorkOrder } from '../domain/work-order';
import type { ReportCmms, ReportFinding, ReportInput, ReportSummary, ReportWorkOrder } from './report-model';

/** The repositories the posture report reads (the single table in AWS and on the local stack). */
export interface ReportSources {
  devices: Pick<DeviceRepository, 'listAll'>;
  findings: Pick<FindingRepository, 'listAll'>;
  workOrders: Pick<WorkOrderRepository, 'listAll'>;
  advisories: Pick<AdvisoryRepository, 'getMany'>;
  mds2Profiles: Pick<Mds2ProfileRepository, 'listAll'>;
}

/** Rows a caller already holds (a pipeline run); the report then reads only devices, advisories and MDS2. */
export interface ReportRows {
  summary: ReportSummary;
  findings: readonly ReportFinding[];
  workOrders: readonly ReportWorkOrder[];
}

export interface GatherReportOptions {
  generatedAt: string;
  organization?: string;
  /** Where the identifiers live; plain ids when absent. */
  cmms?: ReportCmms;
  /** The charting library's browser bundle (see chart-library.ts). */
  chartScript: string;
  /** Rows of a run that just finished; without them findings and work orders are read from the store. */
  rows?: ReportRows;
}

/** A stored finding as the report sees it. */
export function reportFindingOf(finding: Finding): ReportFinding {
  return {
    deviceId: finding.deviceId,
    assetTag: finding.assetTag,
    advisoryId: finding.advisoryId,
    cves: finding.cves,
    product: finding.product,
    matchConfidence: finding.matchConfidence,
    validationStatus: finding.validationStatus,
    action: finding.action ?? null,
    decision: finding.prioritization?.decision ?? null,
    remediationState: finding.remediationState,
  };
}

/** A stored work order as the report sees it. */
export function reportWorkOrderOf(workOrder: WorkOrder): ReportWorkOrder {
  return {
    correlationId: workOrder.correlationId,
    kind: workOrder.kind,
    assetTags: workOrder.assetTags,
    advisoryIds: workOrder.advisoryIds,
    decision: workOrder.decision,
    priority: workOrder.priority,
    dueDate: workOrder.dueDate,
    ...(workOrder.cmmsRef ? { cmmsRef: workOrder.cmmsRef } : {}),
  };
}

function tally<T>(rows: readonly T[], key: (row: T) => string | null | undefined): Record<string, number> {
  return rows.reduce<Record<string, number>>((acc, row) => {
    const k = key(row) ?? 'none';
    acc[k] = (acc[k] ?? 0) + 1;
    return acc;
  }, {});
}

/** The summary counts the report's headline uses, computed the way `medpatch run` counts them. */
export function summarizeRows(
  findings: readonly ReportFinding[],
  workOrders: readonly ReportWorkOrder[],
): ReportSummary {
  return {
    findings: { total: findings.length, byDecision: tally(findings, (f) => f.decision) },
    workOrders: { total: workOrders.length, dispatched: workOrders.filter((w) => w.cmmsRef).length },
  };
}

/**
 * The store's current findings and work orders as report rows, selected as `medpatch run` selects them:
 * NOT_AFFECTED findings left out, and work orders the CMMS already closed left out (the report shows open work),
 * both sorted by id so the same store renders the same report.
 */
export async function readReportRows(
  sources: Pick<ReportSources, 'findings' | 'workOrders'>,
): Promise<ReportRows> {
  const findings = (await sources.findings.listAll())
    .filter((f) => f.remediationState !== 'NOT_AFFECTED')
    .sort((a, b) => (a.findingId < b.findingId ? -1 : 1))
    .map(reportFindingOf);
  const workOrders = (await sources.workOrders.listAll())
    .filter((w) => w.closedAt === undefined)
    .sort((a, b) => (a.correlationId < b.correlationId ? -1 : 1))
    .map(reportWorkOrderOf);
  return { summary: summarizeRows(findings, workOrders), findings, workOrders };
}

/**
 * Everything `renderReport` needs, read through the repositories: devices, the titles of the advisories with
 * findings, MDS2 profiles, and (unless a run hands its rows over) findings and work orders.
 */
export async function gatherReportInput(
  sources: ReportSources,
  options: GatherReportOptions,
): Promise<ReportInput> {
  const rows = options.rows ?? (await readReportRows(sources));
  const devices = await sources.devices.listAll();
  const advisories = await sources.advisories.getMany(rows.findings.map((f) => f.advisoryId));
  const mds2Profiles = await sources.mds2Profiles.listAll();
  return {
    generatedAt: options.generatedAt,
    ...(options.organization ? { organization: options.organization } : {}),
    summary: rows.summary,
    devices: devices.map((d) => ({
      deviceId: d.deviceId,
      assetTag: d.assetTag,
      manufacturer: d.manufacturer,
      model: d.model,
      modelNumber: d.modelNumber,
      department: d.department,
    })),
    findings: rows.findings,
    workOrders: rows.workOrders,
    advisories: advisories.map((a) => ({
      advisoryId: a.advisoryId,
      title: a.title,
      ...(a.selfUrl ? { url: a.selfUrl } : {}),
    })),
    mds2Profiles,
    cmms: options.cmms ?? { kind: 'other', name: 'the CMMS' },
    chartScript: options.chartScript,
  };
}
