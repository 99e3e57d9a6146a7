import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoAdvisoryRepository } from '../../shared/adapters/dynamodb/advisory-repository';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { DynamoMds2ProfileRepository } from '../../shared/adapters/dynamodb/mds2-repository';
import type { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoWorkOrderRepository } from '../../shared/adapters/dynamodb/work-order-repository';
import { readChartLibrary } from '../../shared/report/chart-library';
import { gatherReportInput, type ReportSources } from '../../shared/report/gather-report';
import { renderReport } from '../../shared/report/render-report';
import type {
  ReportCmms,
  ReportFinding,
  ReportSummary,
  ReportWorkOrder,
} from '../../shared/report/report-model';

export interface PostureReportRun {
  outDir: string;
  summary: ReportSummary;
  findings: readonly ReportFinding[];
  workOrders: readonly ReportWorkOrder[];
  /** Where the identifiers live; plain ids when absent. */
  cmms?: ReportCmms;
  organization?: string;
  generatedAt?: string;
}

/** The report's repositories on one table (the local stack's, or any TableClient). */
export function reportSourcesOf(table: TableClient): ReportSources {
  return {
    devices: new DynamoDeviceRepository(table),
    findings: new DynamoFindingRepository(table),
    workOrders: new DynamoWorkOrderRepository(table),
    advisories: new DynamoAdvisoryRepository(table),
    mds2Profiles: new DynamoMds2ProfileRepository(table),
  };
}

/**
 * Reads what the report needs beyond the pipeline's rows (devices, advisory titles, MDS2 profiles) from the
 * table, renders the posture report and writes `<outDir>/report.html`. Returns the file's path.
 */
export async function writePostureReport(table: TableClient, run: PostureReportRun): Promise<string> {
  const input = await gatherReportInput(reportSourcesOf(table), {
    generatedAt: run.generatedAt ?? new Date().toISOString(),
    ...(run.organization ? { organization: run.organization } : {}),
    ...(run.cmms ? { cmms: run.cmms } : {}),
    chartScript: readChartLibrary(),
    rows: { summary: run.summary, findings: run.findings, workOrders: run.workOrders },
  });
  const file = join(run.outDir, 'report.html');
  writeFileSync(file, renderReport(input));
  return file;
}
