import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IAlarmAction,
  MathExpression,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { MedPatchFunction } from './constructs/medpatch-function';
import type { MedPatchQueue } from './constructs/medpatch-queue';

/** Window of the error-rate alarm: one failed scheduled run is already a 100 % window. */
const ERROR_RATE_PERIOD = Duration.minutes(5);

export interface MedPatchMonitoringProps {
  readonly functions: Readonly<Record<string, MedPatchFunction>>;
  readonly queues: Readonly<Record<string, MedPatchQueue>>;
  readonly api?: HttpApi | undefined;
  /** Percentage of failed invocations per 5 minutes that raises a function's error-rate alarm. */
  readonly errorRatePercent: number;
  /** Feed functions (by the same key as `functions`) and the hours after which silence means a stale feed. */
  readonly staleAfterHours: Readonly<Record<string, number>>;
  readonly alarmAction: IAlarmAction;
  /** Alarms made elsewhere (DLQs) that the dashboard's status widget should show too. */
  readonly otherAlarms: readonly IAlarm[];
}

/**
 * Operational alarms and the dashboard. Per function: an error-rate alarm (failed invocations / invocations,
 * 5 minutes). Per feed: a stale-feed alarm when the function has not completed one successful invocation
 * (Invocations − Errors) in each of the last N hours, so a broken schedule, a disabled rule, failing
 * credentials or a feeder that stopped posting all surface the same way. Every alarm notifies `alarmAction`.
 */
export class MedPatchMonitoring extends Construct {
  readonly errorRateAlarms: Record<string, Alarm> = {};
  readonly staleFeedAlarms: Record<string, Alarm> = {};
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MedPatchMonitoringProps) {
    super(scope, id);

    for (const [key, fn] of Object.entries(props.functions)) {
      const lambda = fn.function;
      const errorRate = new MathExpression({
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        usingMetrics: {
          invocations: lambda.metricInvocations({ statistic: Stats.SUM }),
          errors: lambda.metricErrors({ statistic: Stats.SUM }),
        },
        period: ERROR_RATE_PERIOD,
        label: `${key} error rate (%)`,
      });
      const alarm = new Alarm(this, `${fn.node.id}ErrorRate`, {
        alarmDescription: `${key}: more than ${props.errorRatePercent} % of invocations failed in 5 minutes. See its log group and the X-Ray traces.`,
        metric: errorRate,
        threshold: props.errorRatePercent,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(props.alarmAction);
      this.errorRateAlarms[key] = alarm;
    }

    for (const [key, hours] of Object.entries(props.staleAfterHours)) {
      const fn = props.functions[key];
      if (!fn) throw new Error(`monitoring: stale-feed alarm for unknown function '${key}'`);
      const successes = new MathExpression({
        expression: 'FILL(invocations, 0) - FILL(errors, 0)',
        usingMetrics: {
          invocations: fn.function.metricInvocations({ statistic: Stats.SUM }),
          errors: fn.function.metricErrors({ statistic: Stats.SUM }),
        },
        period: Duration.hours(1),
        label: `${key} successful invocations per hour`,
      });
      const alarm = new Alarm(this, `${fn.node.id}StaleFeed`, {
        alarmDescription: `${key}: no successful run for ${hours} hours, so MedPatch works on stale data. Check the schedule, the CMMS / feed credentials and the function's errors.`,
        metric: successes,
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: hours,
        datapointsToAlarm: hours,
        // No data at all means no run at all: that is exactly what this alarm is for.
        treatMissingData: TreatMissingData.BREACHING,
      });
      alarm.addAlarmAction(props.alarmAction);
      this.staleFeedAlarms[key] = alarm;
    }

    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(1),
    });
    const stackName = Stack.of(this).stackName;
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# MedPatch (${stackName})\nAlarms notify the ops topic. Runbook: docs/deployment.md (redrive a DLQ, roll back).`,
        width: 24,
        height: 2,
      }),
      new AlarmStatusWidget({
        title: 'Alarms',
        alarms: [
          ...props.otherAlarms,
          ...Object.values(this.errorRateAlarms),
          ...Object.values(this.staleFeedAlarms),
        ],
        width: 24,
      }),
    );
    const functions = Object.entries(props.functions);
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Invocations',
        left: functions.map(([key, fn]) =>
          fn.function.metricInvocations({ label: key, statistic: Stats.SUM }),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'Errors',
        left: functions.map(([key, fn]) => fn.function.metricErrors({ label: key, statistic: Stats.SUM })),
        width: 8,
      }),
      new GraphWidget({
        title: 'Duration p99 (ms)',
        left: functions.map(([key, fn]) =>
          fn.function.metricDuration({ label: key, statistic: Stats.p(99) }),
        ),
        width: 8,
      }),
    );
    const queues = Object.entries(props.queues);
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Queue depth',
        left: queues.map(([key, q]) =>
          q.queue.metricApproximateNumberOfMessagesVisible({ label: key, statistic: Stats.MAXIMUM }),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'Oldest message age (s)',
        left: queues.map(([key, q]) =>
          q.queue.metricApproximateAgeOfOldestMessage({ label: key, statistic: Stats.MAXIMUM }),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'Dead letters',
        left: queues.map(([key, q]) =>
          q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            label: `${key} DLQ`,
            statistic: Stats.MAXIMUM,
          }),
        ),
        width: 8,
      }),
    );
    if (props.api) {
      const api = props.api;
      this.dashboard.addWidgets(
        new GraphWidget({
          title: 'API requests and errors',
          left: [
            api.metricCount({ statistic: Stats.SUM }),
            api.metricClientError({ statistic: Stats.SUM }),
            api.metricServerError({ statistic: Stats.SUM }),
          ],
          width: 12,
        }),
        new GraphWidget({
          title: 'API latency p99 (ms)',
          left: [api.metricLatency({ statistic: Stats.p(99) })],
          width: 12,
        }),
      );
    }
  }
}
