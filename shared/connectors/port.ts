import type { DeviceSource, WorkOrderSink, WorkOrderStateSource } from '../application/ports';

/**
 * What a connector can do (reference servicenow-and-cmms.md §8.1). The sync and dispatch use-cases only use the
 * DeviceSource / WorkOrderSink operations; capabilities tell operators, the contract test suite and the sync
 * (e.g. whether an incremental read is really incremental) what to expect of a given CMMS.
 */
export interface ConnectorCapabilities {
  /** How the vendor pages: `keyset` (ordered by last-modified + id), `link` (next-page href), `none` (a file). */
  pagination: 'offset' | 'link' | 'cursor' | 'page' | 'keyset' | 'none';
  /** `readDevices(since)` returns only records changed at or after `since`. */
  incrementalSince: boolean;
  /** How a work item is upserted by correlation id. */
  upsertByExternalId: 'native' | 'query-then-write' | 'file';
  /** A request header the vendor uses to drop duplicate writes (Maximo `transactionid`). */
  idempotencyHeader?: string;
  maxPageSize: number;
  /** How the vendor says "slow down". */
  rateLimitSignal: '429' | '403' | 'none';
  retryAfterHeader: boolean;
  /** Device relationships (`connectedTo`) are read. */
  relationships: boolean;
  /** Whether the connector speaks HTTP (and so classifies 4xx/5xx/timeouts/resets into the error vocabulary). */
  transport: 'http' | 'file';
  writeTargets: readonly ('change_request' | 'work_order' | 'incident' | 'file')[];
}

/**
 * A CMMS connector: a device source and a work-order sink behind one configuration, declaring its capabilities.
 * Every connector passes the contract suite in test/contract/cmms-connector.contract.ts.
 */
export interface CmmsConnector extends DeviceSource, WorkOrderSink {
  /** Registry kind, e.g. `servicenow`, `maximo`, `csv`. */
  readonly kind: string;
  readonly capabilities: ConnectorCapabilities;
  /** How many device records `readDevices(since)` will return, when the CMMS can say cheaply (progress/ETA). */
  estimateCount?(since: string | null): Promise<number | null>;
  /** Reads back work-order states by correlation id (status back-sync); absent when the CMMS cannot say. */
  readWorkOrderStates?: WorkOrderStateSource['readWorkOrderStates'];
}
