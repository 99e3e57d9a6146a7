/**
 * Table schema of the simulated instance: class hierarchy, field types, reference targets, choice lists and
 * number prefixes. Facts from reference/servicenow-and-cmms.md §2 and §3; only what MedPatch reads or writes.
 */

export type FieldType = 'string' | 'reference' | 'choice' | 'integer' | 'boolean' | 'datetime' | 'journal';

export interface FieldSchema {
  type: FieldType;
  /** Target table of a reference field. */
  reference?: string;
  /** Value → label map of a choice field. */
  choices?: Readonly<Record<string, string>>;
  /** Value given to the field on insert when the caller sends none. */
  defaultValue?: string;
}

export interface TableSchema {
  name: string;
  label: string;
  parent?: string;
  /** `number` prefix and first counter value, e.g. CHG and 30001 → CHG0030001. */
  numberPrefix?: string;
  numberStart?: number;
  /** Field whose value is the record's display value (what a reference to it shows). */
  displayField: string;
  fields: Readonly<Record<string, FieldSchema>>;
}

/** Fields the platform maintains on every record; callers cannot write them. */
export const SYSTEM_FIELDS: Readonly<Record<string, FieldSchema>> = {
  sys_id: { type: 'string' },
  sys_class_name: { type: 'string' },
  sys_created_on: { type: 'datetime' },
  sys_created_by: { type: 'string' },
  sys_updated_on: { type: 'datetime' },
  sys_updated_by: { type: 'string' },
  sys_mod_count: { type: 'integer' },
};

export const INSTALL_STATUS_CHOICES = {
  '0': 'Implementing',
  '1': 'Installed',
  '2': 'On Order',
  '3': 'In Maintenance',
  '4': 'Pending Install',
  '5': 'Pending Repair',
  '6': 'In Stock',
  '7': 'Retired',
  '8': 'Stolen',
  '100': 'Absent',
} as const;

export const OPERATIONAL_STATUS_CHOICES = {
  '1': 'Operational',
  '2': 'Non-Operational',
  '3': 'Repair in Progress',
  '4': 'DR Standby',
  '5': 'Ready',
  '6': 'Retired',
  '7': 'Pipeline',
  '8': 'Catalog',
} as const;

export const CHANGE_STATE_CHOICES = {
  '-5': 'New',
  '-4': 'Assess',
  '-3': 'Authorize',
  '-2': 'Scheduled',
  '-1': 'Implement',
  '0': 'Review',
  '3': 'Closed',
  '4': 'Canceled',
} as const;

export const INCIDENT_STATE_CHOICES = {
  '1': 'New',
  '2': 'In Progress',
  '3': 'On Hold',
  '6': 'Resolved',
  '7': 'Closed',
  '8': 'Canceled',
} as const;

/** Numeric wm_order states are not documented (reference §3.4); these are the simulator's own. */
export const WORK_ORDER_STATE_CHOICES = {
  '1': 'Draft',
  '10': 'Ready for Dispatch',
  '16': 'Assigned',
  '17': 'Accepted',
  '18': 'Work in Progress',
  '3': 'Closed Complete',
  '4': 'Closed Incomplete',
  '7': 'Canceled',
} as const;

export const PRIORITY_CHOICES = {
  '1': '1 - Critical',
  '2': '2 - High',
  '3': '3 - Moderate',
  '4': '4 - Low',
  '5': '5 - Planning',
} as const;
export const IMPACT_URGENCY_CHOICES = { '1': '1 - High', '2': '2 - Medium', '3': '3 - Low' } as const;
export const RISK_CHOICES = { '1': 'Very High', '2': 'High', '3': 'Moderate', '4': 'Low' } as const;
export const ASSET_STATE_CHOICES = {
  '1': 'In use',
  '2': 'On order',
  '3': 'In maintenance',
  '6': 'In stock',
  '7': 'Retired',
  '8': 'Missing',
  '9': 'In transit',
  '10': 'Consumed',
  '11': 'Build',
} as const;

const str: FieldSchema = { type: 'string' };
const dt: FieldSchema = { type: 'datetime' };
const journal: FieldSchema = { type: 'journal' };
const ref = (table: string): FieldSchema => ({ type: 'reference', reference: table });
const choice = (choices: Readonly<Record<string, string>>, defaultValue?: string): FieldSchema =>
  defaultValue === undefined ? { type: 'choice', choices } : { type: 'choice', choices, defaultValue };

const CMDB_CI_FIELDS: Record<string, FieldSchema> = {
  name: str,
  asset_tag: str,
  serial_number: str,
  model_number: str,
  manufacturer: ref('core_company'),
  model_id: ref('cmdb_model'),
  location: ref('cmn_location'),
  department: ref('cmn_department'),
  company: ref('core_company'),
  vendor: ref('core_company'),
  assigned_to: ref('sys_user'),
  support_group: ref('sys_user_group'),
  install_status: choice(INSTALL_STATUS_CHOICES, '1'),
  operational_status: choice(OPERATIONAL_STATUS_CHOICES, '1'),
  ip_address: str,
  mac_address: str,
  dns_domain: str,
  fqdn: str,
  category: str,
  subcategory: str,
  short_description: str,
  correlation_id: str,
  discovery_source: str,
  first_discovered: dt,
  last_discovered: dt,
  install_date: dt,
};

const MED_DEVICE_FIELDS: Record<string, FieldSchema> = {
  firmware_version: str,
  u_software_version: str,
  u_clinical_criticality: choice({
    life_sustaining: 'Life sustaining',
    high: 'High',
    medium: 'Medium',
    low: 'Low',
  }),
  u_network_zone: choice({
    isolated: 'Isolated',
    segmented: 'Segmented',
    clinical_lan: 'Clinical LAN',
    enterprise: 'Enterprise',
    internet_facing: 'Internet facing',
  }),
  u_device_type: str,
};

const TASK_FIELDS: Record<string, FieldSchema> = {
  number: str,
  short_description: str,
  description: str,
  state: str,
  active: { type: 'boolean', defaultValue: 'true' },
  priority: choice(PRIORITY_CHOICES, '4'),
  impact: choice(IMPACT_URGENCY_CHOICES, '3'),
  urgency: choice(IMPACT_URGENCY_CHOICES, '3'),
  assignment_group: ref('sys_user_group'),
  assigned_to: ref('sys_user'),
  opened_by: ref('sys_user'),
  opened_at: dt,
  closed_at: dt,
  cmdb_ci: ref('cmdb_ci'),
  location: ref('cmn_location'),
  company: ref('core_company'),
  correlation_id: str,
  correlation_display: str,
  close_code: str,
  close_notes: str,
  work_notes: journal,
  comments: journal,
};

const TABLE_LIST: readonly TableSchema[] = [
  {
    name: 'core_company',
    label: 'Company',
    displayField: 'name',
    fields: {
      name: str,
      manufacturer: { type: 'boolean', defaultValue: 'false' },
      vendor: { type: 'boolean', defaultValue: 'false' },
      website: str,
      country: str,
    },
  },
  {
    name: 'cmdb_model',
    label: 'Product Model',
    displayField: 'display_name',
    fields: {
      name: str,
      display_name: str,
      manufacturer: ref('core_company'),
      model_number: str,
      short_description: str,
      status: str,
    },
  },
  {
    name: 'cmn_location',
    label: 'Location',
    displayField: 'name',
    fields: {
      name: str,
      full_name: str,
      parent: ref('cmn_location'),
      street: str,
      city: str,
      state: str,
      country: str,
      u_floor: str,
    },
  },
  {
    name: 'cmn_department',
    label: 'Department',
    displayField: 'name',
    fields: {
      name: str,
      id: str,
      description: str,
      parent: ref('cmn_department'),
      head: ref('sys_user'),
      cost_center: str,
    },
  },
  {
    name: 'sys_user',
    label: 'User',
    displayField: 'name',
    fields: {
      user_name: str,
      name: str,
      first_name: str,
      last_name: str,
      email: str,
      active: { type: 'boolean', defaultValue: 'true' },
    },
  },
  {
    name: 'sys_user_group',
    label: 'Group',
    displayField: 'name',
    fields: {
      name: str,
      description: str,
      email: str,
      manager: ref('sys_user'),
      active: { type: 'boolean', defaultValue: 'true' },
    },
  },
  { name: 'cmdb_ci', label: 'Configuration Item', displayField: 'name', fields: CMDB_CI_FIELDS },
  { name: 'cmdb_ci_hardware', label: 'Hardware', parent: 'cmdb_ci', displayField: 'name', fields: {} },
  { name: 'cmdb_ci_IoT', label: 'IoT Device', parent: 'cmdb_ci_hardware', displayField: 'name', fields: {} },
  {
    name: 'cmdb_ci_medical',
    label: 'Medical Device [DEPRECATED]',
    parent: 'cmdb_ci_IoT',
    displayField: 'name',
    fields: {},
  },
  {
    name: 'cmdb_ci_hc_device',
    label: 'Healthcare Device',
    parent: 'cmdb_ci_hardware',
    displayField: 'name',
    fields: {},
  },
  {
    name: 'cmdb_ci_med_device',
    label: 'Medical device',
    parent: 'cmdb_ci_hardware',
    displayField: 'name',
    fields: MED_DEVICE_FIELDS,
  },
  ...[
    ['cmdb_ci_med_patient_monitoring', 'Patient Monitoring'],
    ['cmdb_ci_med_diagnostic_imaging', 'Diagnostic Imaging'],
    ['cmdb_ci_med_clinical_device', 'Clinical Device'],
    ['cmdb_ci_med_lab_equipment', 'Lab Equipment'],
    ['cmdb_ci_med_therapeutic_device', 'Therapeutic Device'],
  ].map(
    ([name, label]): TableSchema => ({
      name: name ?? '',
      label: label ?? '',
      parent: 'cmdb_ci_med_device',
      displayField: 'name',
      fields: {},
    }),
  ),
  {
    name: 'cmdb_rel_type',
    label: 'CI Relationship Type',
    displayField: 'name',
    fields: { name: str, parent_descriptor: str, child_descriptor: str },
  },
  {
    name: 'cmdb_rel_ci',
    label: 'CI Relationship',
    displayField: 'type',
    fields: {
      parent: ref('cmdb_ci'),
      child: ref('cmdb_ci'),
      type: ref('cmdb_rel_type'),
      connection_strength: str,
    },
  },
  {
    name: 'alm_asset',
    label: 'Asset',
    displayField: 'display_name',
    fields: {
      display_name: str,
      asset_tag: str,
      serial_number: str,
      model: ref('cmdb_model'),
      model_category: str,
      ci: ref('cmdb_ci'),
      install_status: choice(ASSET_STATE_CHOICES, '1'),
      substatus: str,
      assigned_to: ref('sys_user'),
      location: ref('cmn_location'),
      department: ref('cmn_department'),
      company: ref('core_company'),
      vendor: ref('core_company'),
      cost_center: str,
      purchase_date: dt,
      warranty_expiration: dt,
    },
  },
  { name: 'alm_hardware', label: 'Hardware', parent: 'alm_asset', displayField: 'display_name', fields: {} },
  {
    name: 'task',
    label: 'Task',
    numberPrefix: 'TASK',
    numberStart: 10001,
    displayField: 'number',
    fields: TASK_FIELDS,
  },
  {
    name: 'change_request',
    label: 'Change Request',
    parent: 'task',
    numberPrefix: 'CHG',
    numberStart: 30001,
    displayField: 'number',
    fields: {
      state: choice(CHANGE_STATE_CHOICES, '-5'),
      type: choice({ normal: 'Normal', standard: 'Standard', emergency: 'Emergency' }, 'normal'),
      risk: choice(RISK_CHOICES, '3'),
      category: str,
      start_date: dt,
      end_date: dt,
      work_start: dt,
      work_end: dt,
      justification: str,
      implementation_plan: str,
      backout_plan: str,
      test_plan: str,
      risk_impact_analysis: str,
      requested_by: ref('sys_user'),
      on_hold: { type: 'boolean', defaultValue: 'false' },
      on_hold_reason: str,
      approval: { type: 'string', defaultValue: 'not requested' },
      conflict_status: { type: 'string', defaultValue: 'Not Run' },
    },
  },
  {
    name: 'incident',
    label: 'Incident',
    parent: 'task',
    numberPrefix: 'INC',
    numberStart: 10001,
    displayField: 'number',
    fields: {
      state: choice(INCIDENT_STATE_CHOICES, '1'),
      priority: choice(PRIORITY_CHOICES, '5'),
      caller_id: ref('sys_user'),
      category: str,
      subcategory: str,
      hold_reason: str,
      resolved_at: dt,
    },
  },
  {
    name: 'wm_order',
    label: 'Work Order',
    parent: 'task',
    numberPrefix: 'WO',
    numberStart: 10001,
    displayField: 'number',
    fields: { state: choice(WORK_ORDER_STATE_CHOICES, '1'), qualification_group: ref('sys_user_group') },
  },
  {
    name: 'wm_task',
    label: 'Work Order Task',
    parent: 'task',
    numberPrefix: 'WOT',
    numberStart: 10001,
    displayField: 'number',
    fields: { state: choice(WORK_ORDER_STATE_CHOICES, '1'), parent: ref('wm_order') },
  },
  {
    name: 'sys_journal_field',
    label: 'Journal Entry',
    displayField: 'value',
    fields: { element_id: str, element: str, name: str, value: str },
  },
  {
    name: 'x_nuvo_eam_clinical_devices',
    label: 'Clinical Device (Nuvolo)',
    displayField: 'name',
    fields: {
      name: str,
      asset_tag: str,
      serial_number: str,
      manufacturer: ref('core_company'),
      model: ref('cmdb_model'),
      model_number: str,
      location: ref('cmn_location'),
      department: ref('cmn_department'),
      ip_address: str,
      ip_addresses: str,
      mac_address: str,
      firmware_version: str,
      software_version: str,
      state: str,
    },
  },
];

/** Schema lookups, resolving inheritance once. */
export class TableCatalog {
  private readonly tables = new Map<string, TableSchema>();
  private readonly resolvedFields = new Map<string, Readonly<Record<string, FieldSchema>>>();
  private readonly descendantSets = new Map<string, ReadonlySet<string>>();

  constructor(tables: readonly TableSchema[] = TABLE_LIST) {
    for (const table of tables) this.tables.set(table.name, table);
    for (const table of tables) {
      if (table.parent !== undefined && !this.tables.has(table.parent)) {
        throw new Error(`Table ${table.name} extends unknown table ${table.parent}`);
      }
    }
  }

  has(table: string): boolean {
    return this.tables.has(table);
  }

  get(table: string): TableSchema {
    const schema = this.tables.get(table);
    if (schema === undefined) throw new Error(`Invalid table ${table}`);
    return schema;
  }

  names(): string[] {
    return [...this.tables.keys()];
  }

  /** The table and its ancestors, most specific first. */
  lineage(table: string): TableSchema[] {
    const chain: TableSchema[] = [];
    let current: TableSchema | undefined = this.get(table);
    while (current !== undefined) {
      chain.push(current);
      current = current.parent === undefined ? undefined : this.tables.get(current.parent);
    }
    return chain;
  }

  /** All fields of a table, inherited ones first, system fields last; a child may redefine a parent field. */
  fields(table: string): Readonly<Record<string, FieldSchema>> {
    const cached = this.resolvedFields.get(table);
    if (cached !== undefined) return cached;
    const merged: Record<string, FieldSchema> = {};
    for (const schema of this.lineage(table).reverse()) Object.assign(merged, schema.fields);
    Object.assign(merged, SYSTEM_FIELDS);
    this.resolvedFields.set(table, merged);
    return merged;
  }

  field(table: string, field: string): FieldSchema | undefined {
    return this.fields(table)[field];
  }

  /** The table itself and every class that extends it, directly or not. */
  descendants(table: string): ReadonlySet<string> {
    const cached = this.descendantSets.get(table);
    if (cached !== undefined) return cached;
    const result = new Set<string>();
    for (const name of this.tables.keys()) {
      if (this.lineage(name).some((schema) => schema.name === table)) result.add(name);
    }
    this.descendantSets.set(table, result);
    return result;
  }

  /** The nearest table in the lineage that declares a number prefix. */
  numbering(table: string): TableSchema | undefined {
    return this.lineage(table).find((schema) => schema.numberPrefix !== undefined);
  }

  displayField(table: string): string {
    return this.get(table).displayField;
  }
}
