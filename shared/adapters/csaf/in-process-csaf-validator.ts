import type { CsafValidator } from '../../application/ports';
import type { CsafValidation } from '../../domain/csaf/decode-csaf';
import { validateCsafDocument } from '../../domain/csaf/validate-csaf';
import { ValidationError } from '../../errors';

/**
 * The CSAF validator in this process: the csaf-validator function runs it, and so do tools without a stack (the
 * CLI's `advisories import`) and unit tests. A document the library's tests throw on is refused (ValidationError),
 * never retried: the same document would throw again.
 */
export class InProcessCsafValidator implements CsafValidator {
  async validate(document: unknown): Promise<CsafValidation> {
    try {
      return await validateCsafDocument(document);
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new ValidationError(`the CSAF validator failed on this document (${detail})`, [], {
        cause: error,
      });
    }
  }
}
