import * as z from 'zod';
import { DeviceStatus } from '../../domain/vocabulary';

const isLoopback = (hostname: string) =>
  hostname === 'localhost' ||
  hostname === '[::1]' ||
  hostname === '::1' ||
  /^127\.\d+\.\d+\.\d+$/.test(hostname);

/**
 * Which ServiceNow column feeds which device field. A column may be a one-level dot-walk (`model.manufacturer`);
 * an empty string means "this table has no such column". Reference columns (manufacturer, model, location,
 * department) are read with `sysparm_display_value=all`: the device gets the display value, the sys_id is kept
 * in `sourceRefs`.
 */
export const ServiceNowFieldMap = z.object({
  name: z.string(),
  assetTag: z.string(),
  serialNumber: z.string(),
  manufacturer: z.string().min(1),
  model: z.string(),
  modelNumber: z.string(),
  firmwareVersion: z.string(),
  softwareVersion: z.string(),
  deviceType: z.string(),
  location: z.string(),
  department: z.string(),
  installStatus: z.string(),
  operationalStatus: z.string(),
  ipAddress: z.string(),
  macAddress: z.string(),
  clinicalCriticality: z.string(),
  networkZone: z.string(),
});
export type ServiceNowFieldMap = z.infer<typeof ServiceNowFieldMap>;

/** `cmdb_ci.install_status` codes (reference §2.2) → MedPatch device status. */
export const CMDB_INSTALL_STATUS: Readonly<Record<string, DeviceStatus>> = {
  '0': 'in_storage', // Implementing
  '1': 'in_service', // Installed
  '2': 'in_storage', // On Order
  '3': 'out_of_service', // In Maintenance
  '4': 'in_storage', // Pending Install
  '5': 'out_of_service', // Pending Repair
  '6': 'in_storage', // In Stock
  '7': 'retired', // Retired
  '8': 'missing', // Stolen
  '100': 'missing', // Absent
};

/** `alm_asset.install_status` (State) codes (reference §2.3) → MedPatch device status. */
export const ASSET_INSTALL_STATUS: Readonly<Record<string, DeviceStatus>> = {
  '1': 'in_service', // In use
  '2': 'in_storage', // On order
  '3': 'out_of_service', // In maintenance
  '6': 'in_storage', // In stock
  '7': 'retired', // Retired
  '8': 'missing', // Missing
  '9': 'in_storage', // In transit
  '10': 'retired', // Consumed
  '11': 'in_storage', // Build
};

const CMDB_MED_DEVICE_FIELDS: ServiceNowFieldMap = {
  name: 'name',
  assetTag: 'asset_tag',
  serialNumber: 'serial_number',
  manufacturer: 'manufacturer',
  model: 'model_id',
  modelNumber: 'model_number',
  firmwareVersion: 'firmware_version',
  softwareVersion: 'u_software_version',
  deviceType: 'u_device_type',
  location: 'location',
  department: 'department',
  installStatus: 'install_status',
  operationalStatus: 'operational_status',
  ipAddress: 'ip_address',
  macAddress: 'mac_address',
  clinicalCriticality: 'u_clinical_criticality',
  networkZone: 'u_network_zone',
};

/** Defaults per device table; any field can be overridden with `fieldMapping.fields`. */
export const TABLE_PRESETS: Readonly<
  Record<string, { fields: ServiceNowFieldMap; statusMap: Readonly<Record<string, DeviceStatus>> }>
> = {
  cmdb_ci_med_device: { fields: CMDB_MED_DEVICE_FIELDS, statusMap: CMDB_INSTALL_STATUS },
  alm_hardware: {
    fields: {
      ...CMDB_MED_DEVICE_FIELDS,
      name: 'display_name',
      model: 'model',
      manufacturer: 'model.manufacturer',
      modelNumber: 'model.model_number',
      firmwareVersion: '',
      softwareVersion: '',
      deviceType: 'model_category',
      operationalStatus: '',
      ipAddress: '',
      macAddress: '',
      clinicalCriticality: '',
      networkZone: '',
    },
    statusMap: ASSET_INSTALL_STATUS,
  },
  x_nuvo_eam_clinical_devices: {
    fields: {
      ...CMDB_MED_DEVICE_FIELDS,
      model: 'model',
      softwareVersion: 'software_version',
      deviceType: '',
      installStatus: 'state',
      operationalStatus: '',
      clinicalCriticality: '',
      networkZone: '',
    },
    // Nuvolo state values are instance-specific: map them with fieldMapping.statusMap.
    statusMap: {},
  },
};

/** The device-field mapping, version 1. `fields` overrides the table preset column by column. */
export const FieldMappingConfig = z.object({
  version: z.literal(1).default(1),
  fields: ServiceNowFieldMap.partial().default({}),
  /** install_status (or the mapped column) value → device status; overrides the preset's codes. */
  statusMap: z.record(z.string(), DeviceStatus).default({}),
  /** Status for a value no map knows. */
  unknownStatus: DeviceStatus.default('in_service'),
});

/** ServiceNow connector settings, version 1. Plain http is accepted only for loopback (the local simulator). */
export const ServiceNowConfig = z.object({
  configVersion: z.literal(1).default(1),
  instanceUrl: z
    .url({ message: 'instanceUrl must be a URL such as https://hospital.service-now.com' })
    .refine((value) => {
      const url = new URL(value);
      return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
    }, 'instanceUrl must use https (plain http is allowed only for loopback addresses)')
    .transform((value) => value.replace(/\/+$/, '')),
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('basic'), username: z.string().min(1), password: z.string() }),
    z.object({
      kind: z.literal('oauth'),
      clientId: z.string().min(1),
      clientSecret: z.string().min(1),
      /** With username (and password): the password grant; without: client_credentials. */
      username: z.string().optional(),
      password: z.string().optional(),
    }),
  ]),
  /** `cmdb_ci_med_device` (default), `alm_hardware`, Nuvolo's `x_nuvo_eam_clinical_devices`, or any table. */
  deviceTable: z
    .string()
    .regex(/^[a-z0-9_]+$/i, 'deviceTable must be a table name')
    .default('cmdb_ci_med_device'),
  fieldMapping: FieldMappingConfig.default({
    version: 1,
    fields: {},
    statusMap: {},
    unknownStatus: 'in_service',
  }),
  /** Read `cmdb_rel_ci` for the synced devices (connections to re-test after a patch). */
  relationships: z
    .object({
      enabled: z.boolean().default(true),
      /** Relationship type names to keep (e.g. `Connects to::Connected by`); empty = all. */
      types: z.array(z.string()).default([]),
    })
    .default({ enabled: true, types: [] }),
  workOrderTable: z.enum(['change_request', 'wm_order', 'incident']).default('change_request'),
  pageSize: z.number().int().min(1).max(10_000).default(500),
  timeoutMs: z.number().int().positive().default(20_000),
  maxAttempts: z.number().int().min(1).max(20).default(6),
  /** Request-rate cap for this client; 0 = none. */
  maxRequestsPerSecond: z.number().min(0).default(0),
  /** A Retry-After longer than this is not waited out in-process (the run fails as rate-limited instead). */
  maxRetryAfterSeconds: z.number().int().positive().default(120),
  baseDelayMs: z.number().int().positive().default(200),
  maxDelayMs: z.number().int().positive().default(10_000),
});
export type ServiceNowConfig = z.infer<typeof ServiceNowConfig>;
export type ServiceNowConfigInput = z.input<typeof ServiceNowConfig>;

/** The effective column map and status codes for a configuration: table preset + overrides. */
export function effectiveMapping(config: ServiceNowConfig): {
  fields: ServiceNowFieldMap;
  statusMap: Readonly<Record<string, DeviceStatus>>;
  unknownStatus: DeviceStatus;
} {
  const preset = TABLE_PRESETS[config.deviceTable] ?? TABLE_PRESETS.cmdb_ci_med_device;
  const base = preset ?? { fields: CMDB_MED_DEVICE_FIELDS, statusMap: CMDB_INSTALL_STATUS };
  const overrides = Object.fromEntries(
    Object.entries(config.fieldMapping.fields).filter(([, v]) => v !== undefined),
  ) as Partial<ServiceNowFieldMap>;
  return {
    fields: { ...base.fields, ...overrides },
    statusMap: { ...base.statusMap, ...config.fieldMapping.statusMap },
    unknownStatus: config.fieldMapping.unknownStatus,
  };
}
