import { formatGlideDateTime } from './clock';
import type { FieldSchema } from './tables';

/**
 * ServiceNow encoded queries (reference §1.3, §7.3): `^` AND, `^OR` (binds tighter than `^`), `^NQ` (new OR-ed
 * block), `ORDERBY`/`ORDERBYDESC`, `^^` as a literal caret. Parsing is purely syntactic; field validity and
 * types come from a resolver at evaluation time.
 */

export const QUERY_OPERATORS = [
  'ISNOTEMPTY',
  'ISEMPTY',
  'EMPTYSTRING',
  'ANYTHING',
  'NOT LIKE',
  'NOT IN',
  'NSAMEAS',
  'SAMEAS',
  'STARTSWITH',
  'ENDSWITH',
  'BETWEEN',
  'LIKE',
  'IN',
  '!=',
  '<=',
  '>=',
  '=',
  '<',
  '>',
] as const;

export type QueryOperator = (typeof QUERY_OPERATORS)[number];

export interface QueryCondition {
  field: string;
  operator: QueryOperator;
  value: string;
}

export interface QueryOrder {
  field: string;
  descending: boolean;
}

export interface EncodedQuery {
  /** `^NQ` blocks, OR-ed; each block is an AND list of OR groups. */
  blocks: QueryCondition[][][];
  orderBy: QueryOrder[];
  /** Terms that could not be parsed; ServiceNow ignores them. */
  invalidTerms: string[];
}

export function parseEncodedQuery(query: string): EncodedQuery {
  const blocks: QueryCondition[][][] = [[]];
  const orderBy: QueryOrder[] = [];
  const invalidTerms: string[] = [];
  for (const token of splitTerms(query)) {
    let term = token;
    if (term === '' || term === 'EQ') continue;
    if (term.startsWith('ORDERBYDESC')) {
      orderBy.push({ field: term.slice('ORDERBYDESC'.length), descending: true });
      continue;
    }
    if (term.startsWith('ORDERBY')) {
      orderBy.push({ field: term.slice('ORDERBY'.length), descending: false });
      continue;
    }
    let joinWithOr = false;
    if (term.startsWith('NQ')) {
      blocks.push([]);
      term = term.slice(2);
    } else if (term.startsWith('OR')) {
      joinWithOr = true;
      term = term.slice(2);
    }
    const condition = parseCondition(term);
    if (condition === undefined) {
      invalidTerms.push(token);
      continue;
    }
    const block = blocks[blocks.length - 1] ?? [];
    const lastGroup = block[block.length - 1];
    if (joinWithOr && lastGroup !== undefined) lastGroup.push(condition);
    else block.push([condition]);
  }
  return { blocks: blocks.filter((block) => block.length > 0), orderBy, invalidTerms };
}

function splitTerms(query: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < query.length; i++) {
    const char = query[i];
    if (char === '^') {
      if (query[i + 1] === '^') {
        current += '^';
        i++;
        continue;
      }
      terms.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  terms.push(current);
  return terms;
}

function parseCondition(term: string): QueryCondition | undefined {
  // Column names are lowercase; operators are uppercase words or symbols, so the field ends where one starts.
  const field = /^[a-z0-9_]+(?:\.[a-z0-9_]+)?/.exec(term)?.[0];
  if (field === undefined) return undefined;
  const rest = term.slice(field.length);
  const operator = QUERY_OPERATORS.find((op) => rest.startsWith(op));
  if (operator === undefined) return undefined;
  return { field, operator, value: rest.slice(operator.length) };
}

/** What the evaluator needs to know about the table being queried. */
export interface QueryFieldResolver {
  /** Schema of a field or one-level dot-walk path; undefined for an unknown field. */
  schema(path: string): FieldSchema | undefined;
  /** Stored value of a field or dot-walk path ("" when empty or unreachable). */
  read(record: Record<string, string>, path: string): string;
  /** Display value, used to sort reference fields as ServiceNow does. */
  display(record: Record<string, string>, path: string): string;
}

export interface EvaluateOptions {
  now: Date;
  /** Mirrors `glide.invalid_query.returns_no_rows`: an unknown field yields no rows instead of being ignored. */
  invalidQueryReturnsNoRows: boolean;
}

/** Filters and sorts rows; the sort is stable, so unordered queries keep insertion order. */
export function applyEncodedQuery<T extends Record<string, string>>(
  rows: readonly T[],
  query: EncodedQuery,
  resolver: QueryFieldResolver,
  options: EvaluateOptions,
): T[] {
  let invalid = options.invalidQueryReturnsNoRows && query.invalidTerms.length > 0;
  const blocks: QueryCondition[][][] = [];
  for (const block of query.blocks) {
    const groups: QueryCondition[][] = [];
    for (const group of block) {
      const known = group.filter((condition) => resolver.schema(condition.field) !== undefined);
      if (known.length < group.length) invalid ||= options.invalidQueryReturnsNoRows;
      if (known.length > 0) groups.push(known);
    }
    blocks.push(groups);
  }
  if (invalid) return [];
  const matches = (row: T): boolean =>
    blocks.length === 0 ||
    blocks.some((groups) =>
      groups.every((group) =>
        group.some((condition) => matchesCondition(row, condition, resolver, options.now)),
      ),
    );
  const filtered = rows.filter(matches);
  const orders = query.orderBy.filter((order) => resolver.schema(order.field) !== undefined);
  if (orders.length === 0) return filtered;
  return filtered.sort((a, b) => {
    for (const order of orders) {
      const schema = resolver.schema(order.field);
      const key = (row: T) =>
        schema?.type === 'reference' ? resolver.display(row, order.field) : resolver.read(row, order.field);
      const result = compareValues(key(a), key(b), schema);
      if (result !== 0) return order.descending ? -result : result;
    }
    return 0;
  });
}

function matchesCondition(
  row: Record<string, string>,
  condition: QueryCondition,
  resolver: QueryFieldResolver,
  now: Date,
): boolean {
  const schema = resolver.schema(condition.field);
  const actual = resolver.read(row, condition.field);
  const resolve = (raw: string) => resolveQueryValue(raw, now);
  switch (condition.operator) {
    case 'ISEMPTY':
    case 'EMPTYSTRING':
      return actual === '';
    case 'ISNOTEMPTY':
      return actual !== '';
    case 'ANYTHING':
      return true;
    case 'IN':
      return condition.value.split(',').includes(actual);
    case 'NOT IN':
      return !condition.value.split(',').includes(actual);
    case 'SAMEAS':
      return resolver.schema(condition.value) !== undefined && actual === resolver.read(row, condition.value);
    case 'NSAMEAS':
      return resolver.schema(condition.value) !== undefined && actual !== resolver.read(row, condition.value);
    case 'BETWEEN': {
      const [low, high] = condition.value.split('@').map(resolve);
      if (low === undefined || high === undefined || actual === '') return false;
      return compareValues(actual, low, schema) >= 0 && compareValues(actual, high, schema) <= 0;
    }
    default:
      break;
  }
  const expected = resolve(condition.value);
  // An unsupported javascript: value matches nothing (the "guarded script" behaviour, §7.3).
  if (expected === undefined) return false;
  switch (condition.operator) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case 'LIKE':
      return actual.includes(expected);
    case 'NOT LIKE':
      return !actual.includes(expected);
    case 'STARTSWITH':
      return actual.startsWith(expected);
    case 'ENDSWITH':
      return actual.endsWith(expected);
    case '<':
      return actual !== '' && compareValues(actual, expected, schema) < 0;
    case '<=':
      return actual !== '' && compareValues(actual, expected, schema) <= 0;
    case '>':
      return actual !== '' && compareValues(actual, expected, schema) > 0;
    case '>=':
      return actual !== '' && compareValues(actual, expected, schema) >= 0;
    default:
      return false;
  }
}

/** Numbers compare as numbers for integer and numeric choice fields; everything else (date-times too) lexically. */
function compareValues(a: string, b: string, schema: FieldSchema | undefined): number {
  const numeric = schema?.type === 'integer' || schema?.type === 'choice';
  if (numeric && a !== '' && b !== '' && Number.isFinite(Number(a)) && Number.isFinite(Number(b))) {
    return Number(a) - Number(b);
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

const DAY_MS = 86_400_000;

/**
 * Evaluates the few `javascript:` values the guarded-script allow list permits; undefined for any other script.
 * The session time zone is UTC in the simulator.
 */
export function resolveQueryValue(raw: string, now: Date): string | undefined {
  if (!raw.startsWith('javascript:')) return raw;
  const script = raw.slice('javascript:'.length).trim();
  const generate = /^gs\.dateGenerate\(\s*['"](\d{4}-\d{2}-\d{2})['"]\s*,\s*['"]([^'"]+)['"]\s*\)$/.exec(
    script,
  );
  if (generate !== null) {
    const [, date, range] = generate;
    if (range === 'start') return `${date} 00:00:00`;
    if (range === 'end') return `${date} 23:59:59`;
    return /^\d{2}:\d{2}:\d{2}$/.test(range ?? '') ? `${date} ${range}` : undefined;
  }
  const daysAgo = /^gs\.daysAgo(Start|End)?\(\s*(-?\d+)\s*\)$/.exec(script);
  if (daysAgo !== null) {
    const moment = formatGlideDateTime(new Date(now.getTime() - Number(daysAgo[2]) * DAY_MS));
    if (daysAgo[1] === 'Start') return `${moment.slice(0, 10)} 00:00:00`;
    if (daysAgo[1] === 'End') return `${moment.slice(0, 10)} 23:59:59`;
    return moment;
  }
  if (/^gs\.(now|nowDateTime)\(\s*\)$/.test(script)) return formatGlideDateTime(now);
  return undefined;
}
