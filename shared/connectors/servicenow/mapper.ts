import { Device } from '../../domain/device';
import { ClinicalCriticality, type DeviceStatus, NetworkZone } from '../../domain/vocabulary';
import type { WorkOrder } from '../../domain/work-order';

/** A field as returned with `sysparm_display_value=all`. */
type FieldValue = string | { value?: string; display_value?: string; link?: string };
export type ServiceNowRecord = Record<string, FieldValue | undefined>;

const fieldText = (field: FieldValue | undefined): string =>
  typeof field === 'string' ? field : (field?.value ?? '');
const displayOf = (field: FieldValue | undefined): string =>
  typeof field === 'string' ? field : (field?.display_value ?? field?.value ?? '');

/** cmdb_ci install_status codes → MedPatch device status. */
const INSTALL_STATUS: Record<string, DeviceStatus> = {
  '1': 'in_service',
  '2': 'in_storage',
  '3': 'out_of_service',
  '4': 'in_storage',
  '5': 'out_of_service',
  '6': 'in_storage',
  '7': 'retired',
  '8': 'retired',
  '100': 'missing',
};

export type MappedDevice = { ok: true; device: Device } | { ok: false; recordId: string; message: string };

export function mapServiceNowDevice(record: ServiceNowRecord): MappedDevice {
  const sysId = fieldText(record.sys_id);
  const assetTag = fieldText(record.asset_tag) || fieldText(record.name);
  const manufacturer = displayOf(record.manufacturer);
  const recordId = sysId || assetTag || '(no sys_id)';
  if (!sysId) return { ok: false, recordId, message: 'sys_id is missing' };
  if (!assetTag) return { ok: false, recordId, message: 'asset_tag and name are both empty' };
  if (!manufacturer) return { ok: false, recordId, message: 'manufacturer is empty' };
  const criticality = ClinicalCriticality.safeParse(fieldText(record.u_clinical_criticality).toLowerCase());
  const zone = NetworkZone.safeParse(fieldText(record.u_network_zone).toLowerCase());
  const parsed = Device.safeParse({
    deviceId: `servicenow:${sysId}`,
    source: 'servicenow',
    sourceRecordId: sysId,
    assetTag,
    serialNumber: fieldText(record.serial_number),
    manufacturer,
    model: displayOf(record.model_id),
    modelNumber: fieldText(record.model_number),
    softwareVersion: fieldText(record.u_software_version) || fieldText(record.firmware_version),
    deviceType: fieldText(record.u_device_type) || fieldText(record.sys_class_name),
    department: displayOf(record.department),
    location: displayOf(record.location),
    clinicalCriticality: criticality.success ? criticality.data : '',
    networkZone: zone.success ? zone.data : '',
    status: INSTALL_STATUS[fieldText(record.install_status)] ?? 'in_service',
    isMedicalDevice: true,
    sourceUpdatedAt: fieldText(record.sys_updated_on),
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
    end_date: `${workOrder.dueDate.slice(0, 10)} 23:59:59`,
    ...(serviceNowCi ? { cmdb_ci: serviceNowCi } : {}),
    ...(workOrder.kind === 'APPLY_PATCH'
      ? {
          backout_plan:
            "Roll back to the previous manufacturer-validated software version per the manufacturer's instructions.",
          test_plan:
            "Verify device function per the manufacturer's post-update checks before returning to clinical use.",
        }
      : {}),
    u_medpatch_priority_label: PRIORITY_LABEL[workOrder.priority] ?? '',
  };
}
