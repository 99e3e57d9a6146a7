import type { Advisory } from '../domain/advisory';
import type { DigestEntry } from '../domain/alerts';
import type { CsafValidation } from '../domain/csaf/decode-csaf';
import type { Device } from '../domain/device';
import type { CveEnrichment } from '../domain/enrichment';
import type { Finding } from '../domain/finding';
import type { Mds2Profile } from '../domain/mds2';
import type { HospitalPolicy } from '../domain/policy';
import type { ValidationRecord } from '../domain/validation';
import type { WorkOrder } from '../domain/work-order';
import type { MatchMessage, PrioritizeMessage } from './messages';

/** Who or what caused a change; recorded on every audit event. */
export interface Actor {
  actor: string;
  reason: string;
}

/** Devices mirrored from the CMMS. Writes only what changed, each change with its audit event. */
export interface StoredDeviceSummary {
  deviceId: string;
  sourceRecordId: string;
  status: Device['status'];
  /** The stored content's hash (absent for items written before it was recorded). */
  contentHash?: string;
}

/**
 * Content hashes of EVERY stored device of one source, read once at the start of a full sync: a device absent
 * from the map was not stored then. Lets `saveChanged` skip reading devices whose content is unchanged and devices
 * that are new (their writes stay conditional, so a concurrent writer is still detected).
 */
export type StoredDeviceHashes = ReadonlyMap<string, string | undefined>;

/** Tells on-call engineers about something a person must act on (the operational topic). */
export interface OpsNotifier {
  notify(attention: { subject: string; message: string }): Promise<void>;
}

export interface DeviceRepository {
  /**
   * Stores the devices whose content changed; returns those (unchanged ones are not written). `created` names the
   * new ones; `outboxIds` the device-changed outbox entries written in the same transactions as the changes.
   */
  saveChanged(
    devices: readonly Device[],
    actor: Actor,
    stored?: StoredDeviceHashes,
  ): Promise<{ changed: Device[]; unchanged: number; created?: string[]; outboxIds?: string[] }>;
  /** Outbox entries (device ids whose device-changed message may not have been sent yet), oldest first. */
  pendingMatches?(): Promise<{ id: string; deviceIds: string[] }[]>;
  /** Removes outbox entries once their messages are on the match queue. */
  clearPendingMatches?(ids: readonly string[]): Promise<void>;
  /** Id, source record id, status and content hash of every stored device of a source (full sync). */
  listSourceSummaries?(source: string): Promise<StoredDeviceSummary[]>;
  get(deviceId: string): Promise<Device | null>;
  listByManufacturer(manufacturerKey: string): Promise<Device[]>;
  listAll(): Promise<Device[]>;
  getWatermark(source: string): Promise<string | null>;
  setWatermark(source: string, watermark: string): Promise<void>;
}

export interface AdvisoryRepository {
  /** Stores the advisory if it is new or a newer tracking version; false when an equal or newer one is stored. */
  saveIfNewer(advisory: Advisory, actor: Actor): Promise<boolean>;
  get(advisoryId: string): Promise<Advisory | null>;
  getMany(advisoryIds: readonly string[]): Promise<Advisory[]>;
  /** Ids of stored advisories naming a manufacturer (the manufacturer index). */
  idsByManufacturer(manufacturerKey: string): Promise<string[]>;
  countAll(): Promise<number>;
}

/**
 * Runs the CSAF validator (schema + mandatory tests) on a decoded document that is already bounded in size and
 * depth. In AWS it is its own function (csaf-validator), so readers of documents do not carry the validator.
 */
export interface CsafValidator {
  /**
   * The validator's errors and warnings. Throws ValidationError when the document cannot be validated at all
   * (a permanent verdict on this document) and TransientError when the validator could not be reached.
   */
  validate(document: unknown): Promise<CsafValidation>;
}

export interface FindingRepository {
  get(deviceId: string, advisoryId: string): Promise<Finding | null>;
  listByDevice(deviceId: string): Promise<Finding[]>;
  listByAdvisory(advisoryId: string): Promise<Finding[]>;
  listAll(): Promise<Finding[]>;
  /** Writes the finding and its audit event together; false when nothing changed. */
  save(finding: Finding, previous: Finding | null, actor: Actor): Promise<boolean>;
}

export interface ValidationRepository {
  listByManufacturer(manufacturerKey: string): Promise<ValidationRecord[]>;
  save(record: ValidationRecord, actor: Actor): Promise<void>;
}

/** Known-exploited and other per-CVE enrichment. */
export interface EnrichmentRepository {
  kevCves(cves: readonly string[]): Promise<Set<string>>;
  saveKev(cves: readonly string[], catalogVersion: string): Promise<number>;
  /** CVE → EPSS probability for the CVEs that have a stored score (optional: older fakes need not offer it). */
  epssScores?(cves: readonly string[]): Promise<Map<string, number>>;
}

/** The full per-CVE enrichment (KEV, EPSS, NVD), stored per vulnerability with a content fingerprint. */
export interface VulnerabilityEnrichmentRepository {
  getEnrichments(cves: readonly string[]): Promise<Map<string, CveEnrichment>>;
  /** Stores the enrichment when its content changed; false when it is unchanged. */
  saveEnrichment(enrichment: CveEnrichment): Promise<boolean>;
}

export interface WorkOrderRepository {
  get(correlationId: string): Promise<WorkOrder | null>;
  /**
   * Stores the planned work order (and its audit event) when its revision changed; false otherwise. With
   * `expectedRevision` (null = must not exist yet) the write is conditioned on the revision the caller read
   * (compare-and-set for grouped work orders) and throws TransientError when another writer came first.
   */
  savePlanned(workOrder: WorkOrder, actor: Actor, expectedRevision?: string | null): Promise<boolean>;
  /** Records the CMMS reference once the dispatcher has upserted this revision. */
  markDispatched(correlationId: string, revision: string, cmmsRef: string): Promise<void>;
  dispatchedRevision(correlationId: string): Promise<string | null>;
  listAll(): Promise<WorkOrder[]>;
}

export interface MatchQueue {
  send(messages: readonly MatchMessage[]): Promise<void>;
}

export interface PrioritizeQueue {
  send(messages: readonly PrioritizeMessage[]): Promise<void>;
}

export interface WorkOrderQueue {
  send(workOrders: readonly WorkOrder[]): Promise<void>;
}

export interface StakeholderAlert {
  /** Domain event id: the idempotency key (never the SQS message id). */
  eventId: string;
  subject: string;
  body: string;
  /** SMS text (≤ 160 characters): when present, also published as a separate message with `channel=sms`. */
  sms?: string;
  /** Routing attributes for subscription filter policies; more (eventKind, site, digestScope) may be set. */
  attributes: {
    decision: string;
    action: string;
    department: string;
    deviceType: string;
    severity: string;
    [name: string]: string;
  };
}

export interface AlertPublisher {
  /** Publishes once per eventId; a replay of the same event publishes nothing and returns false. */
  publishOnce(alert: StakeholderAlert): Promise<boolean>;
}

/** SCHEDULED / DEFER alert events wait here for the daily digest instead of one email each. */
export interface AlertDigestStore {
  /** Files the entry under its day once per event id; false when it was already filed. */
  addToDigest(day: string, entry: DigestEntry): Promise<boolean>;
  entriesOf(day: string): Promise<DigestEntry[]>;
}

/** A page of device records read from a CMMS. */
export interface DevicePage {
  devices: Device[];
  /** Records the source could not map, with where and why; they are reported and kept out. */
  rejected: { recordId: string; message: string; sourceRecordId?: string }[];
}

/** Where devices come from (ServiceNow, CSV, …). */
export interface DeviceSource {
  readonly sourceName: string;
  /** Reads device pages changed after `since` (all when null), in a stable order. */
  readDevices(since: string | null): AsyncIterable<DevicePage>;
}

/** Where work orders go. Upserts are keyed by correlation id, so a replay never creates a second record. */
export interface WorkOrderSink {
  upsertWorkOrder(workOrder: WorkOrder): Promise<{ cmmsRef: string; created: boolean }>;
}

/** A work order's state as the CMMS holds it, normalized (status back-sync). */
export interface CmmsWorkOrderState {
  /** `open` while work is pending; the others are final states of the CMMS record. */
  outcome: 'open' | 'completed' | 'failed' | 'cancelled';
  /** The CMMS's own state value (e.g. change_request `3`), kept for the audit trail. */
  state: string;
  closeCode: string;
  closeNotes: string;
  cmmsRef: string;
}

/** Reads back the CMMS state of work orders by correlation id (absent ids are not in the CMMS). */
export interface WorkOrderStateSource {
  readWorkOrderStates(correlationIds: readonly string[]): Promise<Map<string, CmmsWorkOrderState>>;
}

// --- Validation lifecycle, hospital policy, audit trail, MDS2 profiles (issue 5) -------------------------------

/** A validation record as stored, with the version its next change must be conditioned on. */
export interface StoredValidation {
  record: ValidationRecord;
  version: number;
}

/** A superseded version of a validation record. */
export interface ValidationHistoryEntry {
  version: number;
  record: ValidationRecord;
  supersededAt: string;
}

/** Versioned validation records: every change keeps the previous version and writes an audit event, atomically. */
export interface ValidationStore extends ValidationRepository {
  get(manufacturerKey: string, recordId: string): Promise<StoredValidation | null>;
  /**
   * Writes `record` as version `expectedVersion + 1` (1 when `expectedVersion` is null = must not exist yet), moves
   * the replaced version into history and appends the audit event, in one transaction conditioned on the version
   * read. Throws TransientError when another writer changed the record in between.
   */
  put(record: ValidationRecord, expectedVersion: number | null, actor: Actor): Promise<number>;
  history(manufacturerKey: string, recordId: string): Promise<ValidationHistoryEntry[]>;
}

/** The active hospital patch policy. */
export interface PolicyRepository {
  getActive(): Promise<{ policy: HospitalPolicy; storedAt: string } | null>;
  /** Stores `policy` as the active one with its audit event; false when the same content is already active. */
  saveActive(policy: HospitalPolicy, actor: Actor): Promise<boolean>;
}

/** One append-only audit event as stored. */
export interface AuditEvent {
  eventId: string;
  entity: string;
  action: string;
  actor: string;
  reason: string;
  at: string;
  /** JSON text of the state before / after the change (null for creation / deletion). */
  before: string | null;
  after: string | null;
}

export interface AuditRepository {
  /** Events of one entity (`DEVICE#<id>`, `WORKORDER#<id>`, `VALIDATION#<id>`, `POLICY#ACTIVE`), oldest first. */
  listByEntity(entity: string): Promise<AuditEvent[]>;
  /** Events indexed under an advisory (finding and work-order changes), oldest first. */
  listByAdvisory(advisoryId: string): Promise<AuditEvent[]>;
}

/** MDS2 profiles per manufacturer × model. */
export interface Mds2ProfileRepository {
  save(profile: Mds2Profile, actor: Actor): Promise<boolean>;
  get(manufacturerKey: string, model: string): Promise<Mds2Profile | null>;
  listAll(): Promise<Mds2Profile[]>;
}
