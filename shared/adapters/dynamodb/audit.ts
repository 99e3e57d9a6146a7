import { randomUUID } from 'node:crypto';
import type { Actor } from '../../application/ports';
import { sha256Hex, stableStringify } from '../../domain/digest';
import { keys } from './keys';

export interface AuditEventInput {
  /** e.g. `DEVICE#servicenow:abc`, `FINDING#<id>`, `WORKORDER#<id>`, `VALIDATION#<id>`. */
  entity: string;
  action: string;
  before: unknown;
  after: unknown;
  actor: Actor;
  at: string;
  /** Extra index so audit events can be listed per advisory or per device. */
  alsoIndexedUnder?: string;
}

/** Builds the append-only audit item written in the same transaction as the change it records. */
export function auditItem(event: AuditEventInput): Record<string, unknown> {
  const eventId = randomUUID();
  return {
    ...keys.audit(event.entity, event.at, eventId),
    ...(event.alsoIndexedUnder
      ? { gsi1pk: `AUDIT#${event.alsoIndexedUnder}`, gsi1sk: `${event.at}#${eventId}` }
      : {}),
    type: 'AUDIT',
    eventId,
    entity: event.entity,
    action: event.action,
    actor: event.actor.actor,
    reason: event.actor.reason,
    at: event.at,
    before: event.before === null || event.before === undefined ? null : JSON.stringify(event.before),
    after: event.after === null || event.after === undefined ? null : JSON.stringify(event.after),
  };
}

/**
 * The action of the one audit event a device-store transaction writes for all the devices it creates:
 * `createdHashes` maps each device id to its content hash, and each created device item links to it
 * (`createdAudit`). Reading a device's trail expands it into that device's own DEVICE_CREATED event.
 */
export const DEVICES_CREATED = 'DEVICES_CREATED';

/** Audit items must never be overwritten. */
export const AUDIT_CONDITION = 'attribute_not_exists(pk)';

/** Hash of the content that matters, for "write only what changed" comparisons. */
export function contentHash(value: unknown): string {
  return sha256Hex(stableStringify(value)).slice(0, 32);
}
