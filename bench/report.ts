/**
 * `npm run bench:report`: how long the scheduled posture-report function takes for the 2,400-device demo
 * hospital (`medpatch demo`'s inventory, seed and inputs) on the local stack: every read from DynamoDB Local,
 * rendering, four S3 puts to fauxqs and the SNS message, through the real handler. The baseline, measured in the
 * same run on the same store, is what `medpatch run` does for its report (`writePostureReport`: devices, advisory
 * titles and MDS2 profiles from the table, render, one file write) with the pipeline's rows already in hand.
 *
 * Prints one JSON line and writes it to bench/results/report.json. RUNS (default 5) sets the timed runs of each;
 * DEVICES (default 2400) the hospital size.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDemoHospital, seedDemoHospital } from '../local/demo/hospital';
import { runPipeline } from '../local/pipeline';
import { writePostureReport } from '../local/report/write-report';
import { LocalRunner } from '../local/runner';
import { localDynamoDbClient, startLocalStack } from '../local/stack';
import { TableClient } from '../shared/adapters/dynamodb/table-client';
import type { PublishReportResult } from '../shared/report/publish-report';
import { median } from './stats';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results', 'report.json');
const RUNS = Number(process.env.RUNS ?? 5);
const DEVICES = Number(process.env.DEVICES ?? 2400);

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

const outDir = mkdtempSync(join(tmpdir(), 'medpatch-bench-report-'));
const stack = await startLocalStack({});
try {
  if (!stack.servicenow) throw new Error('the benchmark needs the ServiceNow simulator');
  await seedDemoHospital(stack.servicenow, generateDemoHospital({ devices: DEVICES, seed: 20261129 }));
  const runner = await LocalRunner.create(stack);
  const pipeline = await runPipeline(stack, runner, {
    devices: { kind: 'servicenow' },
    advisoryPaths: [join(ROOT, 'data/csaf/icsma')],
    kevFile: join(ROOT, 'data/kev/known_exploited_vulnerabilities.json'),
    validationsFile: join(ROOT, 'data/demo/validations.csv'),
    outDir,
    cmms: { kind: 'other', name: 'the ServiceNow simulator' },
  });
  const dynamodb = localDynamoDbClient(stack);
  const table = new TableClient(dynamodb, stack.tableNames.main);

  const local: number[] = [];
  const lambda: number[] = [];
  let reportBytes = 0;
  let localBytes = 0;
  // One untimed run of each warms module caches and the chart library read, as a warm Lambda would have them.
  for (let run = -1; run < RUNS; run += 1) {
    // Interleaved, so a slow moment of the shared machine hits both alike.
    const t0 = performance.now();
    const file = await writePostureReport(table, {
      outDir,
      summary: pipeline.summary,
      findings: pipeline.findings,
      workOrders: pipeline.workOrders,
      cmms: { kind: 'other', name: 'the ServiceNow simulator' },
    });
    const t1 = performance.now();
    const result = await runner.invokeSchedule<PublishReportResult>('postureReport', {
      'detail-type': 'Scheduled Event',
      time: new Date().toISOString(),
    });
    const t2 = performance.now();
    if (run < 0) continue;
    local.push(t1 - t0);
    lambda.push(t2 - t1);
    reportBytes = result.reportBytes;
    localBytes = statSync(file).size;
  }
  dynamodb.destroy();
  runner.close();

  const line = {
    benchmark: 'report',
    devices: pipeline.summary.devices.written + pipeline.summary.devices.unchanged,
    findings: pipeline.summary.findings.total,
    workOrders: pipeline.summary.workOrders.total,
    runs: RUNS,
    reportBytes,
    localReportBytes: localBytes,
    baselineMs: round(median(local)),
    scheduledFunctionMs: round(median(lambda)),
    ratio: round(median(lambda) / median(local), 2),
    baseline: 'writePostureReport (medpatch run): table reads of devices/advisories/MDS2, render, file write',
    measured:
      'posture-report handler: all table reads, render, 4 S3 puts (fauxqs), presign (the SNS message goes out once per day: in the untimed first run)',
  };
  console.log(JSON.stringify(line));
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(line, null, 2)}\n`);
} finally {
  await stack.stop();
  rmSync(outDir, { recursive: true, force: true });
}
