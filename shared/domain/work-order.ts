import * as z from 'zod';
import { Action, Decision, ValidationStatus } from './vocabulary';

/** A planned piece of work for the CMMS. Its correlation id is derived from its identity (see planWorkOrders). */
export const WorkOrder = z.object({
  correlationId: z.string().min(1),
  kind: Action,
  assetTags: z.array(z.string()).min(1),
  deviceIds: z.array(z.string()).min(1),
  advisoryIds: z.array(z.string()).min(1),
  cves: z.array(z.string()),
  decision: Decision,
  priority: z.number().int().min(1).max(4),
  dueDate: z.string(),
  validationStatus: ValidationStatus,
  shortDescription: z.string(),
  description: z.string(),
  /** Interim guidance from the advisory or manufacturer (APPLY_MITIGATION). */
  mitigation: z.string().default(''),
  /** Evidence of the covering manufacturer validation (APPLY_PATCH only). */
  validationEvidence: z.string().default(''),
  /** A content hash: a replay with the same revision changes nothing in the CMMS. */
  revision: z.string(),
  cmmsRef: z.string().optional(),
  /** Department and device type of the devices, for routing alerts (SLA escalation) and reports. */
  department: z.string().optional(),
  deviceType: z.string().optional(),
  /** Set when the CMMS reports the work closed (status back-sync). */
  closedAt: z.string().optional(),
  /** How the CMMS closed it (status back-sync): done, failed (e.g. a patch that did not take) or cancelled. */
  cmmsOutcome: z.enum(['completed', 'failed', 'cancelled']).optional(),
  /** The technician's close code and notes as read back from the CMMS. */
  closeNotes: z.string().optional(),
  /** How many times a work order cancelled in the CMMS was re-planned (re-opened) because the work remained. */
  reopenCount: z.number().int().min(1).optional(),
  /** For a ROLLBACK: the work order whose failed patch it rolls back. */
  originCorrelationId: z.string().optional(),
  /** Planned window (ISO): the policy's next maintenance window before the due date, else SLA start → due date. */
  plannedStart: z.string().optional(),
  plannedEnd: z.string().optional(),
  /** Who does the work (from the validation's conditions and the MDS2 profile) and the CMMS group it maps to. */
  performedBy: z.enum(['vendor_field_service', 'manufacturer_remote', 'in_house_biomed']).optional(),
  assignmentGroup: z.string().optional(),
  /** APPLY_PATCH: how to back out and how to test, including the connected devices and systems to re-test. */
  backoutPlan: z.string().optional(),
  testPlan: z.string().optional(),
  /** Connected devices and systems (CMDB relationships) to re-test after the work; their owners are told. */
  retest: z.array(z.string()).optional(),
  /** Why MedPatch closed the record itself (the finding no longer needs the work); the CMMS record is resolved. */
  resolution: z.string().optional(),
});
export type WorkOrder = z.infer<typeof WorkOrder>;
