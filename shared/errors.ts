/**
 * The error vocabulary every module maps its failures into. Retryable errors go back to the queue (the record is
 * reported as a batch item failure); permanent errors are recorded with their reason and never retried.
 */
export abstract class MedPatchError extends Error {
  abstract readonly retryable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.context = options.context ?? {};
  }
}

/** A dependency was briefly unavailable (5xx, timeout, reset); trying again later should work. */
export class TransientError extends MedPatchError {
  readonly retryable = true;
}

/** The other side asked us to slow down; `retryAfterMs` says for how long. */
export class RateLimitedError extends MedPatchError {
  readonly retryable = true;
  readonly retryAfterMs: number;
  constructor(
    message: string,
    retryAfterMs: number,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The input is malformed or breaks a rule; retrying the same input can never succeed. */
export class ValidationError extends MedPatchError {
  readonly retryable = false;
  /** Where the problem is (a JSON path, a CSV line and column, a field name). */
  readonly issues: readonly { path: string; message: string }[];
  constructor(
    message: string,
    issues: readonly { path: string; message: string }[] = [],
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options);
    this.issues = issues;
  }
}

/** Credentials are missing, wrong or lack the right roles: fix the configuration, do not retry. */
export class AuthError extends MedPatchError {
  readonly retryable = false;
}

export class NotFoundError extends MedPatchError {
  readonly retryable = false;
}

/** A misconfiguration found at cold start (missing or malformed environment variable, bad settings). */
export class ConfigurationError extends MedPatchError {
  readonly retryable = false;
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof MedPatchError) return error.retryable;
  // Unknown failures (SDK throttling, network) are treated as transient: the DLQ bounds the retries.
  return true;
}
