import { Device } from '../../domain/device';
import { ClinicalCriticality, type DeviceStatus, NetworkZone } from '../../domain/vocabulary';
import type { WorkOrder } from '../../domain/work-order';
import { normalizeModel, normalizeVersion } from '../normalize';
import { CMDB_INSTALL_STATUS, type ServiceNowFieldMap, TABLE_PRESETS } from './config';

/** A field as returned with `sysparm_display_value=all`. */
type FieldValue = string | { value?: string; display_value?: string; link?: string };
export type ServiceNowRecord = Record<string, FieldValue | undefined>;

export const fieldText = (field: FieldValue | undefined): string =>
  typeof field === 'string' ? field : (field?.value ?? '');
export const displayOf = (field: FieldValue | undefined): string =>
  typeof field === 'string' ? field : (field?.display_value ?? field?.value ?? '');

export type MappedDevice = { ok: true; device: Device } | { ok: false; recordId: string; message: string };

export interface DeviceMapping {
  fields: ServiceNowFieldMap;
  statusMap: Readonly<Record<string, DeviceStatus>>;
  unknownStatus: DeviceStatus;
}

const DEFAULT_MAPPING: DeviceMapping = {
  fields: TABLE_PRESETS.cmdb_ci_med_device?.fields as ServiceNowFieldMap,
  statusMap: CMDB_INSTALL_STATUS,
  unknownStatus: 'in_service',
};

/** Columns to request for a mapping (sys_id, sys_updated_on and sys_class_name always). */
export function columnsFor(mapping: DeviceMapping): string[] {
  const columns = new Set(['sys_id', 'sys_updated_on', 'sys_mod_count', 'sys_class_name']);
  for (const column of Object.values(mapping.fields)) if (column) columns.add(column);
  return [...columns];
}

/** Device status from install_status (and operational_status: a non-operational installed device is out of service). */
export function mapStatus(
  installStatus: string,
  operationalStatus: string,
  mapping: Pick<DeviceMapping, 'statusMap' | 'unknownStatus'> = DEFAULT_MAPPING,
): DeviceStatus {
  const status =
    installStatus === '' ? 'in_service' : (mapping.statusMap[installStatus] ?? mapping.unknownStatus);
  if (status === 'in_service' && (operationalStatus === '2' || operationalStatus === '3'))
    return 'out_of_service';
  return status;
}

/** Maps one Table API record (read with sysparm_display_value=all) to a device, or says why it cannot. */
export function mapServiceNowDevice(
  record: ServiceNowRecord,
  mapping: DeviceMapping = DEFAULT_MAPPING,
): MappedDevice {
  const f = mapping.fields;
  const raw = (column: string) => (column ? fieldText(record[column]) : '');
  const display = (column: string) => (column ? displayOf(record[column]) : '');
  const sysId = fieldText(record.sys_id);
  const assetTag = raw(f.assetTag) || display(f.name);
  const manufacturer = display(f.manufacturer);
  const recordId = sysId || assetTag || '(no sys_id)';
  if (!sysId) return { ok: false, recordId, message: 'sys_id is missing' };
  if (!assetTag)
    return {
      ok: false,
      recordId,
      message: `${f.assetTag || 'asset_tag'} and ${f.name || 'name'} are both empty`,
    };
  if (!manufacturer) return { ok: false, recordId, message: `${f.manufacturer} is empty` };
  const criticality = ClinicalCriticality.safeParse(raw(f.clinicalCriticality).toLowerCase());
  const zone = NetworkZone.safeParse(raw(f.networkZone).toLowerCase());
  const sourceRefs: Record<string, string> = {};
  for (const column of [f.manufacturer, f.model, f.location, f.department]) {
    const field = column ? record[column] : undefined;
    // A reference read with display_value=all: keep its sys_id next to the display value the device shows.
    if (
      typeof field === 'object' &&
      field.value &&
      field.display_value !== undefined &&
      field.value !== field.display_value
    )
      sourceRefs[column] = field.value;
  }
  const ipAddress = raw(f.ipAddress);
  const macAddress = raw(f.macAddress);
  const parsed = Device.safeParse({
    deviceId: `servicenow:${sysId}`,
    source: 'servicenow',
    sourceRecordId: sysId,
    assetTag,
    serialNumber: raw(f.serialNumber),
    manufacturer,
    model: normalizeModel(display(f.model)),
    modelNumber: normalizeModel(display(f.modelNumber)),
    softwareVersion: normalizeVersion(raw(f.softwareVersion) || raw(f.firmwareVersion)),
    deviceType: display(f.deviceType) || fieldText(record.sys_class_name),
    department: display(f.department),
    location: display(f.location),
    clinicalCriticality: criticality.success ? criticality.data : '',
    networkZone: zone.success ? zone.data : '',
    status: mapStatus(raw(f.installStatus), raw(f.operationalStatus), mapping),
    isMedicalDevice: true,
    sourceUpdatedAt: fieldText(record.sys_updated_on),
    ...(ipAddress ? { ipAddress } : {}),
    ...(macAddress ? { macAddress } : {}),
    ...(Object.keys(sourceRefs).length > 0 ? { sourceRefs } : {}),
  });
  if (!parsed.success) {
    return {
      ok: false,
      recordId,
      message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    };
  }
  return { ok: true, device: parsed.data };
}

/** ISO instant → GlideDateTime text (UTC, `YYYY-MM-DD HH:MM:SS`). */
const glideDateTime = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;

const PRIORITY_LABEL: Record<number, string> = { 1: 'Critical', 2: 'High', 3: 'Moderate', 4: 'Low' };

/** Work order → change_request / wm_order / incident fields. The correlation id is the upsert key. */
export function mapWorkOrderToRecord(workOrder: WorkOrder): Record<string, string> {
  const serviceNowCi = workOrder.deviceIds
    .find((id) => id.startsWith('servicenow:'))
    ?.slice('servicenow:'.length);
  return {
    correlation_id: workOrder.correlationId,
    correlation_display: 'MedPatch',
    short_description: workOrder.shortDescription.slice(0, 160),
    description: workOrder.description,
    priority: String(workOrder.priority),
    impact: String(Math.min(3, workOrder.priority)),
    urgency: String(Math.min(3, workOrder.priority)),
    category: 'Security',
    end_date: workOrder.plannedEnd
      ? glideDateTime(workOrder.plannedEnd)
      : `${workOrder.dueDate.slice(0, 10)} 23:59:59`,
    ...(workOrder.plannedStart ? { start_date: glideDateTime(workOrder.plannedStart) } : {}),
    ...(workOrder.assignmentGroup ? { assignment_group: workOrder.assignmentGroup } : {}),
    ...(serviceNowCi ? { cmdb_ci: serviceNowCi } : {}),
    ...(workOrder.kind === 'APPLY_PATCH'
      ? {
          backout_plan:
            workOrder.backoutPlan ??
            "Roll back to the previous manufacturer-validated software version per the manufacturer's instructions.",
          test_plan:
            workOrder.testPlan ??
            "Verify device function per the manufacturer's post-update checks before returning to clinical use.",
        }
      : workOrder.testPlan
        ? { test_plan: workOrder.testPlan }
        : {}),
    // Resolved, never deleted: MedPatch closes a record whose work is no longer needed, with the reason.
    ...(workOrder.resolution ? { state: '4', close_notes: workOrder.resolution.slice(0, 4000) } : {}),
    u_medpatch_priority_label: PRIORITY_LABEL[workOrder.priority] ?? '',
  };
}
