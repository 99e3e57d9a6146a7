/** Types for the parts of @secvisogram/csaf-validator-lib MedPatch uses (the package ships JavaScript only). */
declare module '@secvisogram/csaf-validator-lib/basic.js' {
  import type { CsafDocumentTest } from '@secvisogram/csaf-validator-lib/validate.js';

  const tests: Record<string, CsafDocumentTest>;
  export = tests;
}

declare module '@secvisogram/csaf-validator-lib/csaf_2_1/basic.js' {
  import type { CsafDocumentTest } from '@secvisogram/csaf-validator-lib/validate.js';

  const tests: Record<string, CsafDocumentTest>;
  export = tests;
}

declare module '@secvisogram/csaf-validator-lib/validate.js' {
  export interface CsafValidationMessage {
    message: string;
    instancePath: string;
  }
  export interface CsafTestResult {
    name: string;
    isValid: boolean;
    errors: CsafValidationMessage[];
    warnings: CsafValidationMessage[];
    infos: CsafValidationMessage[];
  }
  export type CsafDocumentTest = (doc: unknown) => unknown;
  // biome-ignore lint/style/noDefaultExport: describes the package's own default export
  export default function validate(
    tests: readonly CsafDocumentTest[],
    doc: unknown,
  ): Promise<{ isValid: boolean; tests: CsafTestResult[] }>;
}
