import { formatGlideDateTime, type SimClock } from './clock';
import { type RandomSource, randomHex } from './prng';
import type { FieldSchema, TableCatalog } from './tables';

/** A stored record: every value is a string, as on the wire (reference §1.5). */
export type SnRecord = Record<string, string>;

export interface JournalEntry {
  element: string;
  value: string;
  sys_created_by: string;
  sys_created_on: string;
}

export interface WriteOptions {
  user: string;
  /** Throw on fields the table does not have (direct seeding), instead of dropping them silently (Table API). */
  rejectUnknownFields?: boolean;
  /** Let direct seeding set sys_id and the sys_created/updated stamps. */
  allowSystemOverrides?: boolean;
  /** Treat reference and choice values as display values (sysparm_input_display_value=true). */
  inputDisplayValue?: boolean;
}

const OVERRIDABLE_SYSTEM_FIELDS = [
  'sys_id',
  'sys_created_on',
  'sys_created_by',
  'sys_updated_on',
  'sys_updated_by',
];

/**
 * In-memory records of every table. One insertion-ordered map holds all classes, so a query on a parent table
 * (cmdb_ci) sees child-class rows (cmdb_ci_med_device) in the order they were created.
 */
export class RecordStore {
  private readonly records = new Map<string, SnRecord>();
  private readonly counters = new Map<string, number>();

  constructor(
    readonly catalog: TableCatalog,
    private readonly clock: SimClock,
    private readonly random: RandomSource,
  ) {}

  newSysId(): string {
    let id = randomHex(this.random, 32);
    while (this.records.has(id)) id = randomHex(this.random, 32);
    return id;
  }

  byId(sysId: string): SnRecord | undefined {
    return this.records.get(sysId);
  }

  /** A record of `table` or of a class extending it. */
  get(table: string, sysId: string): SnRecord | undefined {
    const record = this.records.get(sysId);
    if (record === undefined) return undefined;
    return this.catalog.descendants(table).has(record.sys_class_name ?? '') ? record : undefined;
  }

  /** Live rows of `table` and its child classes, in insertion order. Callers must not mutate them. */
  rows(table: string): SnRecord[] {
    const classes = this.catalog.descendants(table);
    const out: SnRecord[] = [];
    for (const record of this.records.values())
      if (classes.has(record.sys_class_name ?? '')) out.push(record);
    return out;
  }

  insert(table: string, values: Readonly<Record<string, string>>, options: WriteOptions): SnRecord {
    const fields = this.catalog.fields(table);
    const now = formatGlideDateTime(this.clock.now());
    const record: SnRecord = {};
    for (const [name, schema] of Object.entries(fields)) record[name] = schema.defaultValue ?? '';
    const requestedId = options.allowSystemOverrides ? values.sys_id : undefined;
    if (requestedId !== undefined && (!/^[0-9a-f]{32}$/.test(requestedId) || this.records.has(requestedId))) {
      throw new Error(`sys_id ${requestedId} is not 32 lowercase hex characters or is already taken`);
    }
    Object.assign(record, {
      sys_id: requestedId ?? this.newSysId(),
      sys_class_name: table,
      sys_created_on: now,
      sys_created_by: options.user,
      sys_updated_on: now,
      sys_updated_by: options.user,
      sys_mod_count: '0',
    });
    if (options.allowSystemOverrides) {
      for (const name of OVERRIDABLE_SYSTEM_FIELDS) {
        const value = values[name];
        if (value !== undefined && name !== 'sys_id') record[name] = value;
      }
    }
    const journal = this.applyValues(table, record, values, options);
    const numbering = this.catalog.numbering(table);
    if (numbering !== undefined && 'number' in fields && record.number === '') {
      const next = this.counters.get(numbering.name) ?? numbering.numberStart ?? 1;
      this.counters.set(numbering.name, next + 1);
      record.number = `${numbering.numberPrefix}${String(next).padStart(7, '0')}`;
    }
    this.applyBusinessRules(table, record);
    this.records.set(record.sys_id ?? '', record);
    for (const [element, value] of journal) this.appendJournal(table, record, element, value, options.user);
    return record;
  }

  /** PATCH and PUT: both change only the fields sent (reference §1.1). */
  update(
    table: string,
    sysId: string,
    values: Readonly<Record<string, string>>,
    options: WriteOptions,
  ): SnRecord | undefined {
    const record = this.get(table, sysId);
    if (record === undefined) return undefined;
    const concrete = record.sys_class_name ?? table;
    const before = JSON.stringify(record);
    const journal = this.applyValues(concrete, record, values, options);
    this.applyBusinessRules(concrete, record);
    if (before !== JSON.stringify(record) || journal.length > 0) {
      record.sys_mod_count = String(Number(record.sys_mod_count ?? '0') + 1);
      record.sys_updated_on = formatGlideDateTime(this.clock.now());
      record.sys_updated_by = options.user;
    }
    for (const [element, value] of journal)
      this.appendJournal(concrete, record, element, value, options.user);
    return record;
  }

  delete(table: string, sysId: string): boolean {
    if (this.get(table, sysId) === undefined) return false;
    return this.records.delete(sysId);
  }

  journal(sysId: string): JournalEntry[] {
    return this.rows('sys_journal_field')
      .filter((row) => row.element_id === sysId)
      .map((row) => ({
        element: row.element ?? '',
        value: row.value ?? '',
        sys_created_by: row.sys_created_by ?? '',
        sys_created_on: row.sys_created_on ?? '',
      }));
  }

  /** What a reference to `sysId` shows: the display field of the record's class, or "" when it is gone. */
  referenceDisplay(sysId: string): string {
    const target = this.records.get(sysId);
    if (target === undefined) return '';
    const table = target.sys_class_name ?? '';
    const shown = target[this.catalog.displayField(table)] ?? '';
    return shown !== '' ? shown : (target.name ?? '');
  }

  displayValue(schema: FieldSchema, value: string): string {
    if (schema.type === 'reference') return value === '' ? '' : this.referenceDisplay(value);
    if (schema.type === 'choice') return schema.choices?.[value] ?? value;
    if (schema.type === 'journal') return '';
    return value;
  }

  /** Writes values into the record and returns the journal entries to append once the record is stored. */
  private applyValues(
    table: string,
    record: SnRecord,
    values: Readonly<Record<string, string>>,
    options: WriteOptions,
  ): [string, string][] {
    const journal: [string, string][] = [];
    for (const [name, raw] of Object.entries(values)) {
      const schema = this.catalog.field(table, name);
      if (schema === undefined) {
        if (options.rejectUnknownFields) throw new Error(`Table ${table} has no field ${name}`);
        continue;
      }
      if (name.startsWith('sys_')) continue;
      if (schema.type === 'journal') {
        if (raw !== '') journal.push([name, raw]);
        continue;
      }
      // "Except for choice fields, you can pass an empty value in the parameter to clear the value" (§1.5).
      if (schema.type === 'choice' && raw === '') continue;
      record[name] = options.inputDisplayValue ? this.fromDisplayValue(schema, raw) : raw;
    }
    return journal;
  }

  private fromDisplayValue(schema: FieldSchema, raw: string): string {
    if (schema.type === 'choice') {
      const match = Object.entries(schema.choices ?? {}).find(([, label]) => label === raw);
      return match?.[0] ?? raw;
    }
    if (schema.type === 'reference' && schema.reference !== undefined && raw !== '') {
      if (this.get(schema.reference, raw) !== undefined) return raw;
      const target = this.rows(schema.reference).find(
        (row) => this.referenceDisplay(row.sys_id ?? '') === raw,
      );
      return target?.sys_id ?? raw;
    }
    return raw;
  }

  private applyBusinessRules(table: string, record: SnRecord): void {
    if (this.catalog.descendants('task').has(table) && record.opened_at === '')
      record.opened_at = record.sys_created_on ?? '';
    // Incident priority is derived from impact × urgency by the default priority lookup rules (§3.3).
    if (this.catalog.descendants('incident').has(table)) {
      const impact = Number(record.impact);
      const urgency = Number(record.urgency);
      if (impact >= 1 && impact <= 3 && urgency >= 1 && urgency <= 3)
        record.priority = String(impact + urgency - 1);
    }
  }

  private appendJournal(table: string, record: SnRecord, element: string, value: string, user: string): void {
    this.insert(
      'sys_journal_field',
      { element_id: record.sys_id ?? '', element, name: table, value },
      { user, rejectUnknownFields: true },
    );
  }
}
