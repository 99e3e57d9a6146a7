import { z } from 'zod';
import { ClinicalCriticality, DeviceStatus, NetworkZone } from './vocabulary';

/**
 * A medical device (or the PC that drives one) as MedPatch mirrors it from the CMMS.
 * `deviceId` is stable across syncs: `<source>:<source record id>` (e.g. `servicenow:<sys_id>`, `csv:<asset_tag>`).
 */
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
});
export type Device = z.infer<typeof Device>;
export type DeviceInput = z.input<typeof Device>;
