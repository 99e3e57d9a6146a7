import {
  parseValidationCsv,
  parseValidationJson,
  readCsvRecords,
  type ValidationParseError,
} from '../domain/validation';
import { isPatchListHeader, parsePatchListCsv } from '../domain/validation-sources';
import {
  type BatchOutcome,
  type Principal,
  type RecordValidationDeps,
  recordValidations,
} from './record-validation';

export interface ValidationImportResult {
  format: 'validations-json' | 'validations-csv' | 'patch-list-csv';
  /** Records stored (created or changed) or already stored unchanged. */
  loaded: number;
  errors: ValidationParseError[];
  batch: BatchOutcome;
}

/**
 * Imports a file of manufacturer statements through recordValidations: the validations CSV/JSON of DESIGN §5, or a
 * manufacturer's validated-patch list (CSV `manufacturer,product,versions,patch_id,status,date,reference`), told
 * apart by the header. Bad lines and refused transitions are reported; every good record is stored.
 */
export async function importValidationText(
  deps: RecordValidationDeps,
  text: string,
  fileName: string,
  principal: Principal,
  options: { now: string; recordedBy?: string },
): Promise<ValidationImportResult> {
  const isJson = fileName.toLowerCase().endsWith('.json') || /^\s*\[/.test(text);
  const header = isJson ? undefined : readCsvRecords(text.split(/\r?\n/, 1)[0] ?? '').rows[0]?.cells;
  const format: ValidationImportResult['format'] = isJson
    ? 'validations-json'
    : header && isPatchListHeader(header)
      ? 'patch-list-csv'
      : 'validations-csv';
  const recordedBy = options.recordedBy ?? ('system' in principal ? principal.system : principal.actor);
  const parsed =
    format === 'validations-json'
      ? parseValidationJson(text, { recordedAt: options.now })
      : format === 'patch-list-csv'
        ? parsePatchListCsv(text, { recordedBy, recordedAt: options.now })
        : parseValidationCsv(text, { recordedAt: options.now });
  const batch = await recordValidations(deps, parsed.records, principal, {
    reason: `import ${fileName}`,
    now: options.now,
  });
  const refused: ValidationParseError[] = batch.outcomes.flatMap((o, i) =>
    o.status === 'rejected' ? [{ line: 0, message: `record ${i + 1} (${o.recordId}): ${o.reason}` }] : [],
  );
  return {
    format,
    loaded: batch.created + batch.changed + batch.unchanged,
    errors: [...parsed.errors, ...refused],
    batch,
  };
}
