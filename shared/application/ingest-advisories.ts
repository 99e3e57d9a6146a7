import type { Advisory } from '../domain/advisory';
import { type CsafValidation, checkCsafShape, decodeCsafText } from '../domain/csaf/decode-csaf';
import { parseCsafDocument } from '../domain/csaf/parse-csaf';
import { isManualAdvisoryDocument, parseManualAdvisory } from '../domain/manual-advisory';
import { ValidationError } from '../errors';
import type { Actor, AdvisoryRepository, CsafValidator, MatchQueue } from './ports';

export interface IngestAdvisoriesDeps {
  advisories: AdvisoryRepository;
  matchQueue: MatchQueue;
  /** The CSAF schema + mandatory tests (in AWS the csaf-validator function). */
  csafValidator: CsafValidator;
  /** Runs after a new advisory version is stored and before it is queued (issue 5: manufacturer CSAF validations). */
  onStored?: (advisory: Advisory) => Promise<void>;
}

/** One document to ingest: its raw text (preferred: size and JSON errors are reported) or its parsed value. */
export type AdvisoryDocument =
  | {
      /** Where the document came from (file name, upload id), used in the report. */ name: string;
      text: string;
    }
  | { name: string; content: unknown };

export type DocumentOutcome =
  | { name: string; status: 'accepted'; advisoryId: string; trackingVersion: string; warnings: string[] }
  | { name: string; status: 'unchanged'; advisoryId: string; trackingVersion: string; warnings?: string[] }
  | { name: string; status: 'rejected'; errors: string[] };

export interface IngestOptions {
  /** Called after each document, for progress reporting. */
  onOutcome?: (outcome: DocumentOutcome, index: number, total: number) => void;
}

/**
 * Reads, bounds, validates and parses one document. A CSAF document goes through the CSAF schema and mandatory
 * tests (`validator`); a manual advisory (`"source": "manual"`, see manual-advisory.ts) through its own schema.
 * Whatever is wrong with the document itself is returned as errors; it throws only when the validator could not
 * give a verdict (TransientError, ConfigurationError), so the caller tries the document again later.
 */
export async function readAdvisoryDocument(
  document: AdvisoryDocument,
  validator: CsafValidator,
): Promise<{ ok: true; advisory: Advisory; warnings: string[] } | { ok: false; errors: string[] }> {
  let content: unknown;
  try {
    const decoded = 'text' in document ? decodeCsafText(document.text) : checkCsafShape(document.content);
    if (!decoded.ok) return { ok: false, errors: [decoded.error] };
    if (isManualAdvisoryDocument(decoded.content)) {
      const manual = parseManualAdvisory(decoded.content);
      return manual.ok ? { ok: true, advisory: manual.advisory, warnings: [] } : manual;
    }
    content = decoded.content;
  } catch (error) {
    return { ok: false, errors: [unreadable(error)] };
  }
  let validation: CsafValidation;
  try {
    validation = await validator.validate(content);
  } catch (error) {
    // The validator's verdict on this very document; any other failure is not about the document.
    if (error instanceof ValidationError)
      return { ok: false, errors: [`document could not be validated: ${error.message}`] };
    throw error;
  }
  if (validation.errors.length > 0) return { ok: false, errors: validation.errors };
  try {
    const parsed = parseCsafDocument(content);
    if (!parsed.ok) return { ok: false, errors: parsed.errors };
    return { ok: true, advisory: parsed.advisory, warnings: [...validation.warnings, ...parsed.warnings] };
  } catch (error) {
    return { ok: false, errors: [unreadable(error)] };
  }
}

/** The parser choked on something unforeseen: this document is rejected, the import goes on. */
function unreadable(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `document could not be read: ${message}`;
}

/** Stores a parsed advisory when new or newer and queues it for matching. */
export async function storeAdvisory(
  deps: IngestAdvisoriesDeps,
  name: string,
  advisory: Advisory,
  warnings: string[],
  actor: Actor,
): Promise<DocumentOutcome> {
  const base = { name, advisoryId: advisory.advisoryId, trackingVersion: advisory.trackingVersion, warnings };
  if (!(await deps.advisories.saveIfNewer(advisory, actor))) return { ...base, status: 'unchanged' };
  await deps.onStored?.(advisory);
  await deps.matchQueue.send([
    { type: 'advisory-changed', advisoryId: advisory.advisoryId, trackingVersion: advisory.trackingVersion },
  ]);
  return { ...base, status: 'accepted' };
}

/**
 * Validates, parses and stores advisory documents (CSAF, or manual advisories) one by one; a bad document (too
 * large, truncated, too deep, invalid against the CSAF schema or mandatory tests, unreadable) is reported with the
 * reason and never stops the others. An unreachable validator throws (TransientError): nothing is half-reported. A new or newer advisory is queued for matching; an equal or older version changes nothing.
 */
export async function ingestAdvisories(
  deps: IngestAdvisoriesDeps,
  documents: readonly AdvisoryDocument[],
  actor: Actor,
  options: IngestOptions = {},
): Promise<DocumentOutcome[]> {
  const outcomes: DocumentOutcome[] = [];
  for (const [index, document] of documents.entries()) {
    const read = await readAdvisoryDocument(document, deps.csafValidator);
    const outcome: DocumentOutcome = read.ok
      ? await storeAdvisory(deps, document.name, read.advisory, read.warnings, actor)
      : { name: document.name, status: 'rejected', errors: read.errors };
    outcomes.push(outcome);
    options.onOutcome?.(outcome, index, documents.length);
  }
  return outcomes;
}
