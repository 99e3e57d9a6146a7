import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { DynamoAdvisoryRepository } from '../../shared/adapters/dynamodb/advisory-repository';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoFindingRepository } from '../../shared/adapters/dynamodb/finding-repository';
import { DynamoMds2ProfileRepository } from '../../shared/adapters/dynamodb/mds2-repository';
import { TableClient } from '../../shared/adapters/dynamodb/table-client';
import { DynamoWorkOrderRepository } from '../../shared/adapters/dynamodb/work-order-repository';
import { S3ReportStore } from '../../shared/adapters/s3/s3-report-store';
import { SnsAlertPublisher } from '../../shared/adapters/sns/sns-alert-publisher';
import { AlertsTopicEnv, parseEnvironment, ReportsEnv, TableEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { readChartLibrary } from '../../shared/report/chart-library';
import {
  LATEST_REPORT_PATH,
  linkToLatestReport,
  type PublishReportResult,
  publishPostureReport,
} from '../../shared/report/publish-report';
import type { ReportCmms } from '../../shared/report/report-model';
import { createDynamoDbClient, createS3Client, createSnsClient } from '../../shared/runtime/aws-clients';
import { httpError, json } from '../../shared/runtime/http';
import { BUCKETS } from '../../shared/topology';

const env = parseEnvironment(
  TableEnv.extend(AlertsTopicEnv.shape)
    .extend(ReportsEnv.shape)
    .extend({
      // Only to link identifiers in the report to the CMMS; this function never calls the CMMS.
      [ENV.cmmsKind]: z.string().optional(),
      [ENV.cmmsBaseUrl]: z.string().optional(),
      [ENV.cmmsDeviceTable]: z.string().optional(),
    }),
);
const table = new TableClient(createDynamoDbClient(), env[ENV.tableName]);
const store = new S3ReportStore(createS3Client(), env[ENV.reportsBucket]);
const deps = {
  sources: {
    devices: new DynamoDeviceRepository(table),
    findings: new DynamoFindingRepository(table),
    workOrders: new DynamoWorkOrderRepository(table),
    advisories: new DynamoAdvisoryRepository(table),
    mds2Profiles: new DynamoMds2ProfileRepository(table),
  },
  store,
  alerts: new SnsAlertPublisher(createSnsClient(), env[ENV.alertsTopicArn], table),
  chartScript: readChartLibrary,
};
const hospital = env[ENV.hospital];
const cmmsKind = env[ENV.cmmsKind];
const cmmsBaseUrl = env[ENV.cmmsBaseUrl];
const cmmsDeviceTable = env[ENV.cmmsDeviceTable];
const cmms: ReportCmms =
  cmmsKind === 'servicenow' && cmmsBaseUrl
    ? {
        kind: 'servicenow',
        instanceUrl: cmmsBaseUrl,
        ...(cmmsDeviceTable ? { deviceTable: cmmsDeviceTable } : {}),
      }
    : { kind: 'other', name: cmmsKind ? `the CMMS (${cmmsKind})` : 'the CMMS' };
const logger = new Logger({ serviceName: 'medpatch-posture-report' });

/** The scheduled-event payload; its `time` (the scheduled time) names the report's day. */
const Scheduled = z.object({ time: z.string().optional() }).passthrough();

function isHttpEvent(event: unknown): event is APIGatewayProxyEventV2WithIAMAuthorizer {
  return typeof event === 'object' && event !== null && 'requestContext' in event && 'routeKey' in event;
}

/** GET /v1/reports/latest: a fresh, short-lived link to the newest report (404 before the first). */
async function linkRequest(
  event: APIGatewayProxyEventV2WithIAMAuthorizer,
): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    const method = event.requestContext.http.method.toUpperCase();
    if (method !== 'GET' || event.rawPath !== LATEST_REPORT_PATH) {
      return json(405, { error: `only GET ${LATEST_REPORT_PATH} is served here` });
    }
    const link = await linkToLatestReport(store, {
      prefix: BUCKETS.reports.prefix,
      hospital,
      linkSeconds: env[ENV.reportRequestLinkSeconds],
      now: new Date(),
    });
    // Who fetched a link, for the record; the link itself is a bearer credential and is never logged.
    logger.info('report link issued', {
      actor: event.requestContext.authorizer?.iam?.userArn ?? 'unknown',
      key: link.key,
      expiresAt: link.expiresAt,
    });
    const response = json(200, {
      url: link.url,
      expiresAt: link.expiresAt,
      reportWrittenAt: link.lastModified,
    });
    return { ...response, headers: { ...response.headers, 'cache-control': 'no-store' } };
  } catch (error) {
    return httpError(error, logger);
  }
}

/**
 * Daily (and on demand through the API): writes the posture report and its summary to the private reports
 * bucket and sends one "report ready" message with a short-lived link; `GET /v1/reports/latest` returns a fresh
 * link to the newest report.
 */
export const handler = async (
  event: unknown,
): Promise<PublishReportResult | APIGatewayProxyStructuredResultV2> => {
  if (isHttpEvent(event)) return linkRequest(event);
  const payload = Scheduled.safeParse(event ?? {});
  const time = payload.success ? payload.data.time : undefined;
  const now = new Date();
  const at = time && !Number.isNaN(Date.parse(time)) ? new Date(time) : now;
  const result = await publishPostureReport(deps, {
    hospital,
    day: at.toISOString().slice(0, 10),
    generatedAt: now.toISOString(),
    prefix: BUCKETS.reports.prefix,
    cmms,
    linkSeconds: env[ENV.reportLinkSeconds],
  });
  logger.info('posture report written', {
    key: result.keys.report,
    reportBytes: result.reportBytes,
    published: result.published,
    headline: result.headline,
  });
  return result;
};
