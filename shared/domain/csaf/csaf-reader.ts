/** Collects what is wrong (errors) and what is odd but usable (warnings) while reading a CSAF document. */
export class CsafIssues {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];

  error(path: string, message: string): void {
    this.errors.push(`${path}: ${message}`);
  }

  warn(path: string, message: string): void {
    this.warnings.push(`${path}: ${message}`);
  }
}

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A required non-empty string; records an error naming the path when absent or of the wrong type. */
export function requiredString(record: JsonRecord, key: string, path: string, issues: CsafIssues): string {
  const value = record[key];
  if (value === undefined) {
    issues.error(`${path}.${key}`, 'required');
    return '';
  }
  if (typeof value !== 'string') {
    issues.error(`${path}.${key}`, `expected a string, got ${describeType(value)}`);
    return '';
  }
  if (value.trim() === '') issues.error(`${path}.${key}`, 'must not be empty');
  return value;
}

/** An optional string; a value of another type is an error, absence is fine. */
export function optionalString(
  record: JsonRecord,
  key: string,
  path: string,
  issues: CsafIssues,
): string | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    issues.error(`${path}.${key}`, `expected a string, got ${describeType(value)}`);
    return undefined;
  }
  return value;
}

/** An optional array; a value of another type is an error and reads as empty. */
export function optionalArray(record: JsonRecord, key: string, path: string, issues: CsafIssues): unknown[] {
  const value = record[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.error(`${path}.${key}`, `expected an array, got ${describeType(value)}`);
    return [];
  }
  return value;
}

/** An optional object; a value of another type is an error and reads as absent. */
export function optionalRecord(
  record: JsonRecord,
  key: string,
  path: string,
  issues: CsafIssues,
): JsonRecord | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    issues.error(`${path}.${key}`, `expected an object, got ${describeType(value)}`);
    return undefined;
  }
  return value;
}

/** An array of strings (product ids, model numbers); non-string items are errors and are skipped. */
export function stringArray(record: JsonRecord, key: string, path: string, issues: CsafIssues): string[] {
  const result: string[] = [];
  optionalArray(record, key, path, issues).forEach((item, i) => {
    if (typeof item === 'string') result.push(item);
    else issues.error(`${path}.${key}[${i}]`, `expected a string, got ${describeType(item)}`);
  });
  return result;
}
