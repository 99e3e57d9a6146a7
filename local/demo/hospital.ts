import type { ServiceNowSimulator } from '../servicenow-sim/index';
import { createPrng, type RandomSource } from '../servicenow-sim/prng';
import {
  type CatalogEntry,
  type ClinicalCriticality,
  DEPARTMENTS,
  DEVICE_CATALOG,
  type MedicalCiClass,
} from './catalog';

/**
 * A deterministic demo hospital in ServiceNow shape, built from the curated catalog. References (manufacturer,
 * model, location, department) are display names here; `seedDemoHospital` resolves them to sys_ids.
 */

export type NetworkZone = 'isolated' | 'segmented' | 'clinical_lan' | 'enterprise' | 'internet_facing';

export interface DemoCompany {
  name: string;
}

export interface DemoModel {
  name: string;
  /** Unique display name ("<manufacturer> <model>"), what a device's model_id shows. */
  displayName: string;
  manufacturer: string;
  modelNumber: string;
}

export interface DemoLocation {
  name: string;
  /** Parent location name (the building of a floor). */
  parent?: string;
}

export interface DemoDepartment {
  name: string;
  code: string;
}

/** cmdb_ci_med_device fields, with reference fields given as display names. */
export interface DemoDevice {
  ciClass: MedicalCiClass;
  name: string;
  asset_tag: string;
  serial_number: string;
  /** core_company name (one of the catalog's spellings). */
  manufacturer: string;
  /** cmdb_model display name. */
  model_id: string;
  model_number: string;
  firmware_version: string;
  u_software_version: string;
  /** cmn_location name. */
  location: string;
  /** cmn_department name. */
  department: string;
  install_status: '1' | '6' | '7';
  operational_status: '1' | '5' | '6';
  ip_address: string;
  mac_address: string;
  u_clinical_criticality: ClinicalCriticality;
  u_network_zone: NetworkZone;
  u_device_type: string;
  /** Ground truth for tests and demos; not a ServiceNow field. */
  expected: {
    advisoryId: string | undefined;
    /** True inside the advisory's affected range, false outside, undefined when unknown or no advisory. */
    versionAffected: boolean | undefined;
  };
}

export interface DemoRelationship {
  /** Asset tag of the device that "Connects to" the child. */
  parentAssetTag: string;
  childAssetTag: string;
  type: 'Connects to::Connected by';
}

export interface DemoHospital {
  seed: number;
  companies: DemoCompany[];
  models: DemoModel[];
  locations: DemoLocation[];
  departments: DemoDepartment[];
  devices: DemoDevice[];
  relationships: DemoRelationship[];
}

export const MIN_DEMO_DEVICES = 2000;
/** Share of devices drawn from products with no advisory in the corpus. */
const NO_ADVISORY_SHARE = 0.3;
const NETWORK_ZONES: readonly [NetworkZone, number][] = [
  ['clinical_lan', 45],
  ['segmented', 35],
  ['isolated', 10],
  ['enterprise', 8],
  ['internet_facing', 2],
];
const MAX_CONNECTIONS_PER_STATION = 4;

export function generateDemoHospital(opts: { devices: number; seed: number }): DemoHospital {
  if (!Number.isInteger(opts.devices) || opts.devices < MIN_DEMO_DEVICES) {
    throw new Error(`A demo hospital needs at least ${MIN_DEMO_DEVICES} devices, got ${opts.devices}`);
  }
  const random = createPrng(opts.seed);
  const withAdvisory = DEVICE_CATALOG.filter((entry) => entry.advisory !== undefined);
  const withoutAdvisory = DEVICE_CATALOG.filter((entry) => entry.advisory === undefined);
  const departments = DEPARTMENTS.map(({ name, code }) => ({ name, code }));
  const locations = buildLocations();
  const models = DEVICE_CATALOG.map(modelOf);
  const usedCompanies = new Set(models.map((model) => model.manufacturer));
  const nameCounters = new Map<string, number>();
  const devices: DemoDevice[] = [];

  for (let index = 0; index < opts.devices; index++) {
    const pool = random() < NO_ADVISORY_SHARE ? withoutAdvisory : withAdvisory;
    const entry = weightedPick(
      random,
      pool.map((candidate) => [candidate, candidate.weight] as const),
    );
    const departmentName = pick(random, entry.departments);
    const department = DEPARTMENTS.find((candidate) => candidate.name === departmentName);
    if (department === undefined)
      throw new Error(`Catalog department ${departmentName} is not in DEPARTMENTS`);
    const manufacturer = spellingFor(random, entry);
    usedCompanies.add(manufacturer);
    const { version, versionAffected } = versionFor(random, entry);
    const install_status = weightedPick(random, [
      ['1', 88],
      ['6', 8],
      ['7', 4],
    ] as const);
    const zone = entry.isCentralStation
      ? weightedPick(random, [
          ['clinical_lan', 70],
          ['enterprise', 30],
        ] as const)
      : weightedPick(random, NETWORK_ZONES);
    const prefix = `${department.code}-${initials(entry.deviceType)}`;
    const sequence = (nameCounters.get(prefix) ?? 0) + 1;
    nameCounters.set(prefix, sequence);
    const onNetwork = install_status === '1' && zone !== 'isolated';
    devices.push({
      ciClass: entry.ciClass,
      name: `${prefix}-${String(sequence).padStart(3, '0')}`,
      asset_tag: `MP-${String(index + 1).padStart(6, '0')}`,
      serial_number: serialFor(random, entry, index),
      manufacturer,
      model_id: modelOf(entry).displayName,
      model_number: entry.modelNumber,
      firmware_version: random() < 0.4 ? version : '',
      u_software_version: version,
      location: floorName(department.building, department.floor),
      department: department.name,
      install_status,
      operational_status: install_status === '1' ? '1' : install_status === '6' ? '5' : '6',
      ip_address: onNetwork ? ipFor(zone, index) : '',
      mac_address: macFor(random),
      u_clinical_criticality: entry.clinicalCriticality,
      u_network_zone: zone,
      u_device_type: entry.deviceType,
      expected: { advisoryId: entry.advisory?.id, versionAffected },
    });
  }

  return {
    seed: opts.seed,
    companies: [...usedCompanies].sort().map((name) => ({ name })),
    models,
    locations,
    departments,
    devices,
    relationships: connectMonitorsToStations(devices),
  };
}

/** Inserts the hospital through `sim.insert` (no HTTP), resolving reference names to sys_ids. */
/**
 * The first `size` devices of a demo hospital, with only the relationships between them: a smaller hospital for
 * tests that must stay fast while keeping every reference valid.
 */
export function sliceDemoHospital(hospital: DemoHospital, size: number): DemoHospital {
  const devices = hospital.devices.slice(0, size);
  const tags = new Set(devices.map((d) => d.asset_tag));
  return {
    ...hospital,
    devices,
    relationships: hospital.relationships.filter(
      (r) => tags.has(r.parentAssetTag) && tags.has(r.childAssetTag),
    ),
  };
}

export async function seedDemoHospital(sim: ServiceNowSimulator, hospital: DemoHospital): Promise<void> {
  const companyIds = new Map<string, string>();
  for (const company of hospital.companies) {
    companyIds.set(
      company.name,
      sysIdOf(sim.insert('core_company', { name: company.name, manufacturer: 'true' })),
    );
  }
  const modelIds = new Map<string, string>();
  for (const model of hospital.models) {
    const record = sim.insert('cmdb_model', {
      name: model.name,
      display_name: model.displayName,
      manufacturer: required(companyIds, model.manufacturer, 'company'),
      model_number: model.modelNumber,
    });
    modelIds.set(model.displayName, sysIdOf(record));
  }
  const locationIds = new Map<string, string>();
  for (const location of hospital.locations) {
    const parent = location.parent === undefined ? '' : (locationIds.get(location.parent) ?? '');
    const record = sim.insert('cmn_location', { name: location.name, full_name: location.name, parent });
    locationIds.set(location.name, sysIdOf(record));
  }
  const departmentIds = new Map<string, string>();
  for (const department of hospital.departments) {
    departmentIds.set(
      department.name,
      sysIdOf(sim.insert('cmn_department', { name: department.name, id: department.code })),
    );
  }
  const deviceIds = new Map<string, string>();
  for (const { ciClass, expected: _expected, ...device } of hospital.devices) {
    const record = sim.insert(ciClass, {
      ...device,
      manufacturer: required(companyIds, device.manufacturer, 'company'),
      model_id: required(modelIds, device.model_id, 'model'),
      location: required(locationIds, device.location, 'location'),
      department: required(departmentIds, device.department, 'department'),
    });
    deviceIds.set(device.asset_tag, sysIdOf(record));
  }
  const relationType = sim.list('cmdb_rel_type').find((row) => row.name === 'Connects to::Connected by');
  if (relationType === undefined)
    throw new Error('The simulator has no "Connects to::Connected by" relationship type');
  for (const relationship of hospital.relationships) {
    sim.insert('cmdb_rel_ci', {
      parent: required(deviceIds, relationship.parentAssetTag, 'device'),
      child: required(deviceIds, relationship.childAssetTag, 'device'),
      type: sysIdOf(relationType),
    });
  }
}

function modelOf(entry: CatalogEntry): DemoModel {
  const manufacturer = entry.manufacturerSpellings[0] ?? entry.manufacturer;
  return {
    name: entry.model,
    displayName: `${manufacturer} ${entry.model}`,
    manufacturer,
    modelNumber: entry.modelNumber,
  };
}

function buildLocations(): DemoLocation[] {
  const locations: DemoLocation[] = [];
  for (const building of new Set(DEPARTMENTS.map((department) => department.building))) {
    locations.push({ name: building });
  }
  const floors = new Set(DEPARTMENTS.map((department) => floorName(department.building, department.floor)));
  for (const department of DEPARTMENTS) {
    const name = floorName(department.building, department.floor);
    if (floors.delete(name)) locations.push({ name, parent: department.building });
  }
  return locations;
}

function floorName(building: string, floor: number): string {
  return `${building} - ${floor === 0 ? 'Ground Floor' : `Floor ${floor}`}`;
}

/** CMMS data favours the first spelling but carries the others too. */
function spellingFor(random: RandomSource, entry: CatalogEntry): string {
  const [preferred, ...others] = entry.manufacturerSpellings;
  if (preferred === undefined) return entry.manufacturer;
  if (others.length === 0 || random() < 0.6) return preferred;
  return pick(random, others);
}

function versionFor(
  random: RandomSource,
  entry: CatalogEntry,
): { version: string; versionAffected: boolean | undefined } {
  // A few records carry no version at all, as real inventories do.
  if (random() < 0.03) return { version: '', versionAffected: undefined };
  const hasAdvisory = entry.advisory !== undefined;
  if (entry.unaffectedVersions.length > 0 && random() < 0.45) {
    return {
      version: pick(random, entry.unaffectedVersions),
      versionAffected: hasAdvisory ? false : undefined,
    };
  }
  return { version: pick(random, entry.affectedVersions), versionAffected: hasAdvisory ? true : undefined };
}

function serialFor(random: RandomSource, entry: CatalogEntry, index: number): string {
  const code = entry.manufacturer
    .replace(/[^A-Za-z]/g, '')
    .slice(0, 2)
    .toUpperCase();
  const year = 2012 + Math.floor(random() * 12);
  return `${code}${year}${String(index).padStart(5, '0')}${Math.floor(random() * 90 + 10)}`;
}

function ipFor(zone: NetworkZone, index: number): string {
  const zoneOctet = { isolated: 10, segmented: 20, clinical_lan: 30, enterprise: 40, internet_facing: 50 }[
    zone
  ];
  return `10.${zoneOctet}.${Math.floor(index / 250)}.${(index % 250) + 2}`;
}

function macFor(random: RandomSource): string {
  return Array.from({ length: 6 }, (_, i) => {
    const byte = Math.floor(random() * 256);
    // Clear the multicast bit of the first octet so the address is a valid unicast MAC.
    return (i === 0 ? byte & 0xfe : byte).toString(16).padStart(2, '0');
  }).join(':');
}

function initials(deviceType: string): string {
  return deviceType
    .split(/[\s/-]+/)
    .map((word) => word[0] ?? '')
    .join('')
    .toUpperCase();
}

/** Installed patient monitors connect to an installed central station of the same manufacturer and department. */
function connectMonitorsToStations(devices: readonly DemoDevice[]): DemoRelationship[] {
  const stationModels = new Set(
    DEVICE_CATALOG.filter((entry) => entry.isCentralStation).map((entry) => modelOf(entry).displayName),
  );
  const manufacturerOf = new Map(
    DEVICE_CATALOG.map((entry) => [modelOf(entry).displayName, entry.manufacturer]),
  );
  const relationships: DemoRelationship[] = [];
  const installed = devices.filter((device) => device.install_status === '1');
  for (const station of installed.filter((device) => stationModels.has(device.model_id))) {
    const monitors = installed
      .filter(
        (device) =>
          device.ciClass === 'cmdb_ci_med_patient_monitoring' &&
          !stationModels.has(device.model_id) &&
          device.department === station.department &&
          manufacturerOf.get(device.model_id) === manufacturerOf.get(station.model_id),
      )
      .slice(0, MAX_CONNECTIONS_PER_STATION);
    for (const monitor of monitors) {
      relationships.push({
        parentAssetTag: monitor.asset_tag,
        childAssetTag: station.asset_tag,
        type: 'Connects to::Connected by',
      });
    }
  }
  return relationships;
}

function pick<T>(random: RandomSource, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('Cannot pick from an empty list');
  return item;
}

function weightedPick<T>(random: RandomSource, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0);
  let threshold = random() * total;
  for (const [item, weight] of items) {
    threshold -= weight;
    if (threshold < 0) return item;
  }
  const last = items[items.length - 1];
  if (last === undefined) throw new Error('Cannot pick from an empty list');
  return last[0];
}

function sysIdOf(record: Record<string, string>): string {
  const sysId = record.sys_id;
  if (sysId === undefined) throw new Error('Inserted record has no sys_id');
  return sysId;
}

function required(ids: ReadonlyMap<string, string>, name: string, kind: string): string {
  const id = ids.get(name);
  if (id === undefined) throw new Error(`Demo hospital refers to unknown ${kind} "${name}"`);
  return id;
}
