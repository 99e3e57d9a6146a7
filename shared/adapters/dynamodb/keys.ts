/**
 * Single-table key design (access patterns are listed in the README). Keys are built here only, so every
 * adapter agrees on them.
 */
export const keys = {
  device: (deviceId: string) => ({ pk: `DEVICE#${deviceId}`, sk: '#DEVICE' }),
  deviceByManufacturer: (manufacturerKey: string, deviceId: string) => ({
    gsi1pk: `MFR#${manufacturerKey}`,
    gsi1sk: `DEVICE#${deviceId}`,
  }),
  advisory: (advisoryId: string) => ({ pk: `ADVISORY#${advisoryId}`, sk: '#ADVISORY' }),
  advisoryManufacturerIndex: (manufacturerKey: string, advisoryId: string) => ({
    pk: `MFRIDX#${manufacturerKey}`,
    sk: `ADVISORY#${advisoryId}`,
  }),
  finding: (deviceId: string, advisoryId: string) => ({
    pk: `DEVICE#${deviceId}`,
    sk: `FINDING#${advisoryId}`,
  }),
  findingByAdvisory: (advisoryId: string, deviceId: string) => ({
    gsi1pk: `ADVISORY#${advisoryId}`,
    gsi1sk: `FINDING#${deviceId}`,
  }),
  validation: (manufacturerKey: string, recordId: string) => ({
    pk: `VALIDATION#${manufacturerKey}`,
    sk: `RECORD#${recordId}`,
  }),
  /** A superseded version of a validation record (not matched by the RECORD# prefix). */
  validationHistory: (manufacturerKey: string, recordId: string, version: number) => ({
    pk: `VALIDATION#${manufacturerKey}`,
    sk: `HISTORY#${recordId}#${String(version).padStart(6, '0')}`,
  }),
  /** The active hospital patch policy. */
  policy: () => ({ pk: 'POLICY#ACTIVE', sk: '#POLICY' }),
  /** MDS2 profile of a manufacturer's model (modelKey = productKey(model)). */
  mds2Profile: (manufacturerKey: string, modelKey: string) => ({
    pk: `MDS2#${manufacturerKey}`,
    sk: `MODEL#${modelKey}`,
  }),
  kev: (cve: string) => ({ pk: `CVE#${cve}`, sk: '#KEV' }),
  /** Per-CVE enrichment (KEV state, EPSS, NVD) with its content fingerprint. */
  enrichment: (cve: string) => ({ pk: `CVE#${cve}`, sk: '#ENRICHMENT' }),
  workOrder: (correlationId: string) => ({ pk: `WORKORDER#${correlationId}`, sk: '#WORKORDER' }),
  watermark: (source: string) => ({ pk: `SYNC#${source}`, sk: '#WATERMARK' }),
  /** CSAF directory feed (its URL): change time up to which every listed document was processed. */
  feedWatermark: (feedUrl: string) => ({ pk: `FEED#${feedUrl}`, sk: '#WATERMARK' }),
  /** Device-changed outbox entry, written in the device-change transaction and deleted once sent. */
  matchOutbox: (entryId: string) => ({ pk: 'OUTBOX#DEVICE_CHANGED', sk: entryId }),
  alertSent: (eventId: string) => ({ pk: `ALERT#${eventId}`, sk: '#SENT' }),
  /** A SCHEDULED / DEFER alert event waiting for the daily digest of its day (TTL). */
  digestEntry: (day: string, eventId: string) => ({ pk: `DIGEST#${day}`, sk: `EVENT#${eventId}` }),
  /** A signed request already accepted (HMAC replay protection, TTL). */
  requestNonce: (scope: string, nonce: string) => ({ pk: `NONCE#${scope}#${nonce}`, sk: '#SEEN' }),
  audit: (entity: string, at: string, eventId: string) => ({ pk: `AUDIT#${entity}`, sk: `${at}#${eventId}` }),
  /** gsi2: list every item of one type (findings, work orders, devices) for reports and nightly re-scoring. */
  byType: (type: 'DEVICE' | 'FINDING' | 'WORKORDER' | 'ADVISORY' | 'MDS2', id: string) => ({
    gsi2pk: `TYPE#${type}`,
    gsi2sk: id,
  }),
} as const;
