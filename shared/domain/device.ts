import * as z from 'zod';
import { ClinicalCriticality, DeviceStatus, NetworkZone } from './vocabulary';

/**
 * A medical device (or the PC that drives one) as MedPatch mirrors it from the CMMS.
 * `deviceId` is stable across syncs: `<source>:<source record id>` (e.g. `servicenow:<sys_id>`, `csv:<asset_tag>`).
 */
/**
 * A link from this device to another CI or device it talks to (ServiceNow `cmdb_rel_ci`, or the CSV
 * `connected_to` column), so a work order can name what must be re-tested after a patch.
 */
export const DeviceConnection = z.object({
  /** The other end: a MedPatch device id when it is a synced device (`servicenow:<sys_id>`, `csv:<tag>`). */
  ref: z.string().min(1),
  /** The other end's display name (empty when unknown). */
  name: z.string().default(''),
  /** Relationship type as the CMMS names it, e.g. `Connects to::Connected by`. */
  type: z.string().default(''),
  /** `parent`: this device is the parent of the relationship; `child`: the other end is. */
  direction: z.enum(['parent', 'child']).default('parent'),
});
export type DeviceConnection = z.infer<typeof DeviceConnection>;

export const Device = z.object({
  deviceId: z.string().min(1),
  source: z.string().min(1),
  sourceRecordId: z.string().min(1),
  assetTag: z.string().min(1),
  serialNumber: z.string().default(''),
  manufacturer: z.string().min(1),
  model: z.string().default(''),
  modelNumber: z.string().default(''),
  softwareVersion: z.string().default(''),
  deviceType: z.string().default(''),
  department: z.string().default(''),
  location: z.string().default(''),
  clinicalCriticality: ClinicalCriticality.default(''),
  networkZone: NetworkZone.default(''),
  status: DeviceStatus.default('in_service'),
  /** Medical devices are always behind the validation gate; only explicitly exempted IT asset classes are not. */
  isMedicalDevice: z.boolean().default(true),
  /** Source's last-modified stamp, used as the incremental-sync watermark. */
  sourceUpdatedAt: z.string().default(''),
  /**
   * Optional network identity and connections. They stay absent (not empty) when the source has none, so the
   * content hash of a device without them is the same as before these fields existed.
   */
  ipAddress: z.string().optional(),
  macAddress: z.string().optional(),
  connectedTo: z.array(DeviceConnection).optional(),
  /** Source ids behind display values (e.g. ServiceNow reference sys_ids by column: manufacturer, location). */
  sourceRefs: z.record(z.string(), z.string()).optional(),
});
export type Device = z.infer<typeof Device>;
export type DeviceInput = z.input<typeof Device>;
