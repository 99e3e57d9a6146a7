import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoAdvisoryRepository } from '../../shared/adapters/dynamodb/advisory-repository';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoMds2ProfileRepository } from '../../shared/adapters/dynamodb/mds2-repository';
import type { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { readChartLibrary } from './chart-library';
import { renderReport } from './render-report';
import type { ReportCmms, ReportFinding, ReportSummary, ReportWorkOrder } from './report-model';

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

/**
 * Reads what the report needs beyond the pipeline's rows (devices, advisory titles, MDS2 profiles) from the
 * table, renders the posture report and writes `<outDir>/report.html`. Returns the file's path.
 */
export async function writePostureReport(table: TableClient, run: PostureReportRun): Promise<string> {
  const devices = await new DynamoDeviceRepository(table).listAll();
  const advisories = await new DynamoAdvisoryRepository(table).getMany(run.findings.map((f) => f.advisoryId));
  const mds2Profiles = await new DynamoMds2ProfileRepository(table).listAll();
  const html = renderReport({
    generatedAt: run.generatedAt ?? new Date().toISOString(),
    ...(run.organization ? { organization: run.organization } : {}),
    summary: run.summary,
    devices: devices.map((d) => ({
      deviceId: d.deviceId,
      assetTag: d.assetTag,
      manufacturer: d.manufacturer,
      model: d.model,
      modelNumber: d.modelNumber,
      department: d.department,
    })),
    findings: run.findings,
    workOrders: run.workOrders,
    advisories: advisories.map((a) => ({
      advisoryId: a.advisoryId,
      title: a.title,
      ...(a.selfUrl ? { url: a.selfUrl } : {}),
    })),
    mds2Profiles,
    cmms: run.cmms ?? { kind: 'other', name: 'the CMMS' },
    chartScript: readChartLibrary(),
  });
  const file = join(run.outDir, 'report.html');
  writeFileSync(file, html);
  return file;
}
