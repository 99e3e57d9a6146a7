import type { Advisory } from '../domain/advisory';
import {
  deliveryFor,
  detectAlertEvents,
  digestEntryOf,
  type FindingAlertFacts,
  findingAlertAttributes,
  formatEmail,
  formatSms,
} from '../domain/alerts';
import type { Device } from '../domain/device';
import type { Finding } from '../domain/finding';
import { interimGuidanceFor } from '../domain/planning';
import type { WorkOrder } from '../domain/work-order';
import type { AlertDigestStore, AlertPublisher } from './ports';

export interface FindingAlertDeps {
  alerts: AlertPublisher;
  /** Where SCHEDULED / DEFER events wait for the daily digest; without it they are not alerted at all. */
  digest?: AlertDigestStore;
  /** Builds the link to the CMMS record of a work order, when the deployment knows the CMMS URL. */
  cmmsLink?: (correlationId: string) => string | null;
}

export interface FindingAlertInput {
  /** The finding as stored before this assessment. */
  previous: Finding | null;
  /** The finding as assessed now (decision and action set). */
  finding: Finding;
  device: Device;
  advisory: Advisory;
  /** The gate's reason (the validation record and evidence it acted on, or why none counts). */
  validationEvidence: string;
  workOrder: WorkOrder | null;
  now: string;
}

/**
 * Alerts stakeholders about what changed in one assessment: urgent events as email + SMS through SNS, SCHEDULED /
 * DEFER events filed for the daily digest. Idempotent per domain event id (the publisher's ledger, the digest's
 * conditional put), so calling it again for the same transition sends nothing new. SLA breaches are raised by the
 * work-order escalation (escalate-overdue), not here, so one breach never alerts twice.
 */
export async function alertFindingChange(deps: FindingAlertDeps, input: FindingAlertInput): Promise<boolean> {
  const { finding, device, advisory } = input;
  const decision = finding.prioritization?.decision;
  const action = finding.action;
  if (decision === undefined || action === undefined || action === 'NONE') return false;
  const events = detectAlertEvents({
    findingId: finding.findingId,
    previous: input.previous
      ? {
          decision: input.previous.prioritization?.decision,
          action: input.previous.action,
          validationStatus: input.previous.validationStatus,
          remediationState: input.previous.remediationState,
          updatedAt: input.previous.updatedAt,
        }
      : null,
    current: {
      decision,
      action,
      validationStatus: finding.validationStatus,
      remediationState: finding.remediationState,
    },
    dueDate: null,
    now: input.now,
  });
  let alerted = false;
  for (const event of events) {
    const facts: FindingAlertFacts = {
      event,
      device,
      advisory: { advisoryId: advisory.advisoryId, title: advisory.title },
      cves: finding.cves,
      decision,
      action,
      validationStatus: finding.validationStatus,
      validationEvidence: input.validationEvidence,
      dueDate: input.workOrder?.dueDate ?? null,
      interimMitigation: interimGuidanceFor(advisory, finding.matchReason.productId),
      workOrderRef: input.workOrder?.cmmsRef ?? input.workOrder?.correlationId ?? null,
      cmmsLink: input.workOrder && deps.cmmsLink ? deps.cmmsLink(input.workOrder.correlationId) : null,
    };
    if (deliveryFor(event, decision) === 'digest') {
      if (deps.digest && (await deps.digest.addToDigest(input.now.slice(0, 10), digestEntryOf(facts))))
        alerted = true;
      continue;
    }
    const email = formatEmail(facts);
    const sent = await deps.alerts.publishOnce({
      eventId: event.eventId,
      subject: email.subject,
      body: email.body,
      sms: formatSms(facts),
      attributes: findingAlertAttributes(facts),
    });
    if (sent) alerted = true;
  }
  return alerted;
}
