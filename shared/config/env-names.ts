/** Environment variable names shared by infra/ (which sets them) and functions/ (which parse them). */
export const ENV = {
  tableName: 'MEDPATCH_TABLE_NAME',
  matchQueueUrl: 'MEDPATCH_MATCH_QUEUE_URL',
  prioritizeQueueUrl: 'MEDPATCH_PRIORITIZE_QUEUE_URL',
  workOrderQueueUrl: 'MEDPATCH_WORK_ORDER_QUEUE_URL',
  alertsTopicArn: 'MEDPATCH_ALERTS_TOPIC_ARN',
  /** The operational topic (on-call engineers): alarms, and syncs that need a person. */
  opsTopicArn: 'MEDPATCH_OPS_TOPIC_ARN',
  cmmsKind: 'MEDPATCH_CMMS_KIND',
  cmmsBaseUrl: 'MEDPATCH_CMMS_BASE_URL',
  /** In AWS: the Secrets Manager ARN holding CMMS credentials. Locally: empty, and credentials come from env. */
  cmmsSecretArn: 'MEDPATCH_CMMS_SECRET_ARN',
  cmmsUsername: 'MEDPATCH_CMMS_USERNAME',
  cmmsPassword: 'MEDPATCH_CMMS_PASSWORD',
  cmmsWorkOrderTable: 'MEDPATCH_CMMS_WORK_ORDER_TABLE',
  /** CMMS table devices are read from, when the hospital's differs from the connector default (deploy setting). */
  cmmsDeviceTable: 'MEDPATCH_CMMS_DEVICE_TABLE',
  /** JSON object: MedPatch device field → the hospital's CMMS field (deploy setting). */
  cmmsFieldMap: 'MEDPATCH_CMMS_FIELD_MAP',
  /** Optional: longest Retry-After (seconds) the dispatcher waits out in-process; longer ones hold the message. */
  cmmsMaxRetryAfterSeconds: 'MEDPATCH_CMMS_MAX_RETRY_AFTER_SECONDS',
  /** The hospital's patch policy as compact JSON (deploy setting `policyFile`). */
  policy: 'MEDPATCH_POLICY',
  /**
   * Change-enrichment HMAC key, locally only. In AWS the key is the `enrichmentHmacKeys` (array, newest first) or
   * `enrichmentHmacKey` field of the CMMS secret (MEDPATCH_CMMS_SECRET_ARN), read at cold start.
   */
  enrichmentHmacKey: 'MEDPATCH_ENRICHMENT_HMAC_KEY',
  /** JSON `{ csafDirectories: string[], kevUrl?, epssUrl? }`: the feeds the feed-poll function polls. */
  feedConfig: 'MEDPATCH_FEED_CONFIG',
  /** The hospital's id (deploy setting `hospital`): names the posture reports' key prefix and their message. */
  hospital: 'MEDPATCH_HOSPITAL',
  /** Private, encrypted bucket the posture report is written to. */
  reportsBucket: 'MEDPATCH_REPORTS_BUCKET',
  /** Seconds the daily report message's presigned link stays valid (default 3600). */
  reportLinkSeconds: 'MEDPATCH_REPORT_LINK_SECONDS',
  /** Seconds a link from `GET /v1/reports/latest` stays valid (default 900). */
  reportRequestLinkSeconds: 'MEDPATCH_REPORT_REQUEST_LINK_SECONDS',
  /** Name of the csaf-validator function that advisory-ingest and feed-poll invoke (topology `functionName`). */
  csafValidatorFunction: 'MEDPATCH_CSAF_VALIDATOR_FUNCTION',
} as const;
