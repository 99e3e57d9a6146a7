import type { RecordStore, SnRecord } from './store';
import type { FieldSchema, TableCatalog } from './tables';

export type DisplayValueMode = 'false' | 'true' | 'all';

export type RenderedField =
  | string
  | { link: string; value: string }
  | { display_value: string; link?: string; value?: string };

export interface RenderOptions {
  displayValue: DisplayValueMode;
  excludeReferenceLink: boolean;
  /** sysparm_fields; undefined = every field of the requested table. Unknown names are ignored. */
  fields: string[] | undefined;
  /** Absolute base URL of the simulator, used for reference links. */
  baseUrl: string;
}

export function parseDisplayValueMode(raw: string | null): DisplayValueMode {
  const value = (raw ?? 'false').toLowerCase();
  return value === 'true' || value === 'all' ? value : 'false';
}

/**
 * Shapes one record as the Table API returns it (reference §1.5): reference fields as `{link,value}`,
 * display values for `true`, `{display_value,value[,link]}` for `all`, journal fields as "".
 */
export function renderRecord(
  store: RecordStore,
  table: string,
  record: SnRecord,
  options: RenderOptions,
): Record<string, RenderedField> {
  const out: Record<string, RenderedField> = {};
  const names = options.fields ?? Object.keys(store.catalog.fields(table));
  for (const name of names) {
    const resolved = resolveField(store, table, record, name);
    if (resolved === undefined) continue;
    out[name] = renderValue(store, resolved.schema, resolved.value, options);
  }
  return out;
}

/** Reads a field, or a one-level dot-walk such as `manufacturer.name`; undefined when the field is unknown. */
export function resolveField(
  store: RecordStore,
  table: string,
  record: SnRecord,
  path: string,
): { schema: FieldSchema; value: string } | undefined {
  const schema = fieldSchemaAt(store.catalog, table, path);
  if (schema === undefined) return undefined;
  const [head = '', tail] = path.split('.');
  const value = record[head] ?? '';
  if (tail === undefined) return { schema, value: schema.type === 'journal' ? '' : value };
  const target = value === '' ? undefined : store.byId(value);
  return { schema, value: schema.type === 'journal' ? '' : (target?.[tail] ?? '') };
}

/** Schema of a field or of a one-level dot-walk through a reference field; undefined when either is unknown. */
export function fieldSchemaAt(catalog: TableCatalog, table: string, path: string): FieldSchema | undefined {
  const [head, tail, ...rest] = path.split('.');
  if (head === undefined || rest.length > 0) return undefined;
  const schema = catalog.field(table, head);
  if (schema === undefined || tail === undefined) return schema;
  if (schema.type !== 'reference' || schema.reference === undefined) return undefined;
  return catalog.field(schema.reference, tail);
}

function renderValue(
  store: RecordStore,
  schema: FieldSchema,
  value: string,
  options: RenderOptions,
): RenderedField {
  const display = store.displayValue(schema, value);
  if (schema.type !== 'reference' || schema.reference === undefined) {
    if (options.displayValue === 'all') return { display_value: display, value };
    return options.displayValue === 'true' ? display : value;
  }
  const link = `${options.baseUrl}/api/now/table/${schema.reference}/${value}`;
  const withLink = value !== '' && !options.excludeReferenceLink;
  switch (options.displayValue) {
    case 'false':
      return withLink ? { link, value } : value;
    case 'true':
      return withLink ? { display_value: display, link } : display;
    case 'all':
      return withLink ? { display_value: display, link, value } : { display_value: display, value };
  }
}
