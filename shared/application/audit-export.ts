import type { Device } from '../domain/device';
import { normalizeManufacturer } from '../domain/manufacturer';
import { correlationIdFor } from '../domain/planning';
import { recordAffectsDevice } from '../domain/validation-lifecycle';
import { NotFoundError } from '../errors';
import type {
  AuditEvent,
  AuditRepository,
  DeviceRepository,
  FindingRepository,
  ValidationRepository,
} from './ports';

export interface AuditExportDeps {
  audit: AuditRepository;
  devices: Pick<DeviceRepository, 'get' | 'listAll'>;
  findings: Pick<FindingRepository, 'listByDevice'>;
  validations: Pick<ValidationRepository, 'listByManufacturer'>;
}

/** One line of evidence: what changed, when, by whom and why, with the full before/after states. */
export interface AuditRow {
  at: string;
  entity: string;
  action: string;
  actor: string;
  reason: string;
  /** Human summary of the top-level fields that changed, e.g. `action: REQUEST_VALIDATION → APPLY_PATCH`. */
  changes: string;
  eventId: string;
  before: unknown;
  after: unknown;
}

export interface AuditExport {
  subject: { kind: 'device'; deviceId: string; assetTag: string } | { kind: 'advisory'; advisoryId: string };
  generatedAt: string;
  rows: AuditRow[];
}

function parseState(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function short(value: unknown): string {
  if (value === undefined || value === null) return '∅';
  if (typeof value === 'string') return value.length > 60 ? `${value.slice(0, 57)}…` : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** `field: before → after` for every top-level field whose value differs. */
export function summarizeChanges(before: unknown, after: unknown): string {
  const obj = (v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  const b = obj(before);
  const a = obj(after);
  if (!a && !b) return '';
  if (!b) return 'created';
  if (!a) return 'removed';
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => k !== 'updatedAt').sort();
  return fields
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) => `${k}: ${short(b[k])} → ${short(a[k])}`)
    .join('; ');
}

function toRows(events: readonly AuditEvent[]): AuditRow[] {
  const unique = new Map(events.map((e) => [e.eventId, e]));
  return [...unique.values()]
    .sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : x.eventId < y.eventId ? -1 : 1))
    .map((e) => {
      const before = parseState(e.before);
      const after = parseState(e.after);
      return {
        at: e.at,
        entity: e.entity,
        action: e.action,
        actor: e.actor,
        reason: e.reason,
        changes: summarizeChanges(before, after),
        eventId: e.eventId,
        before,
        after,
      };
    });
}

/** The device by asset tag (case-insensitive) or device id. */
export async function findDevice(
  deps: Pick<AuditExportDeps, 'devices'>,
  assetTagOrId: string,
): Promise<Device> {
  const direct = await deps.devices.get(assetTagOrId);
  if (direct) return direct;
  const wanted = assetTagOrId.trim().toUpperCase();
  const found = (await deps.devices.listAll()).filter((d) => d.assetTag.trim().toUpperCase() === wanted);
  if (found.length === 0) throw new NotFoundError(`no device with asset tag or id "${assetTagOrId}"`);
  if (found.length > 1) {
    throw new NotFoundError(
      `asset tag "${assetTagOrId}" is ambiguous: ${found.map((d) => d.deviceId).join(', ')}; give the device id`,
    );
  }
  return found[0] as Device;
}

/**
 * Every recorded change that bears on one device: the device record, its findings, their work orders, the
 * validation records that cover its manufacturer/model/version and the hospital policy in force — oldest first.
 */
export async function exportDeviceAudit(
  deps: AuditExportDeps,
  assetTagOrId: string,
  now: string,
): Promise<AuditExport> {
  const device = await findDevice(deps, assetTagOrId);
  const findings = await deps.findings.listByDevice(device.deviceId);
  const records = (
    await deps.validations.listByManufacturer(normalizeManufacturer(device.manufacturer))
  ).filter((r) => recordAffectsDevice(r, device));
  const entities = [
    `DEVICE#${device.deviceId}`,
    ...findings.map((f) => `WORKORDER#${correlationIdFor(device.deviceId, f.advisoryId)}`),
    ...records.map((r) => `VALIDATION#${r.recordId}`),
    'POLICY#ACTIVE',
  ];
  const events = (await Promise.all(entities.map((e) => deps.audit.listByEntity(e)))).flat();
  return {
    subject: { kind: 'device', deviceId: device.deviceId, assetTag: device.assetTag },
    generatedAt: now,
    rows: toRows(events),
  };
}

/** Every recorded change indexed under an advisory: its findings, work orders and advisory-level validations. */
export async function exportAdvisoryAudit(
  deps: Pick<AuditExportDeps, 'audit'>,
  advisoryId: string,
  now: string,
): Promise<AuditExport> {
  return {
    subject: { kind: 'advisory', advisoryId },
    generatedAt: now,
    rows: toRows(await deps.audit.listByAdvisory(advisoryId)),
  };
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export const AUDIT_CSV_COLUMNS = [
  'at',
  'entity',
  'action',
  'actor',
  'reason',
  'changes',
  'event_id',
  'before',
  'after',
] as const;

/** RFC 4180 CSV, one event a line; before/after as JSON text so nothing is lost. */
export function auditToCsv(audit: AuditExport): string {
  const lines = [AUDIT_CSV_COLUMNS.join(',')];
  for (const r of audit.rows) {
    lines.push(
      [
        r.at,
        r.entity,
        r.action,
        r.actor,
        r.reason,
        r.changes,
        r.eventId,
        JSON.stringify(r.before),
        JSON.stringify(r.after),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
