/**
 * Domain errors. All are permanent (re-running the same input gives the same failure), so callers record them
 * with their reason and never retry them.
 */
export class DomainError extends Error {
  /** Facts that help whoever reads the log decide what to do next. */
  readonly context: Readonly<Record<string, unknown>>;

  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.context = options.context ?? {};
  }
}

/**
 * Something tried to plan an APPLY_PATCH work order that the validation gate does not allow.
 * This is a bug or tampering upstream, never a data problem to retry: fix the caller.
 */
export class GateViolationError extends DomainError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'GateViolationError';
  }
}

/** The planner was handed a finding it cannot plan (no action, no prioritization, identity mismatch). */
export class PlanningInputError extends DomainError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'PlanningInputError';
  }
}
