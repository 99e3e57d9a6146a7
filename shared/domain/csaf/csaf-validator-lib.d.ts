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

/*
 * Single tests and data of the library, imported one by one so a bundle carries only what MedPatch runs (the
 * `basic.js` barrels pull in the 470 kB language-subtag registry through mandatory test 6.1.12).
 */
declare module '@secvisogram/csaf-validator-lib/lib/schemaTests/csaf_2_0_strict.js' {
  import type { CsafTestOutcome } from '@secvisogram/csaf-validator-lib/test-outcome';

  // biome-ignore lint/style/noDefaultExport: describes the package's own default export
  export default function csaf_2_0_strict(doc: unknown): CsafTestOutcome;
}

declare module '@secvisogram/csaf-validator-lib/csaf_2_1/schemaTests/csaf_2_1_strict.js' {
  import type { CsafTestOutcome } from '@secvisogram/csaf-validator-lib/test-outcome';

  // biome-ignore lint/style/noDefaultExport: describes the package's own default export
  export default function csaf_2_1_strict(doc: unknown): CsafTestOutcome;
}

/** Not a module of the package: the result shape every test returns, shared by the declarations below. */
declare module '@secvisogram/csaf-validator-lib/test-outcome' {
  export interface CsafTestOutcome {
    isValid?: boolean;
    errors?: { message: string; instancePath: string }[];
    warnings?: { message: string; instancePath: string }[];
    infos?: { message: string; instancePath: string }[];
  }
}

declare module '@secvisogram/csaf-validator-lib/lib/mandatoryTests/*' {
  import type { CsafTestOutcome } from '@secvisogram/csaf-validator-lib/test-outcome';

  // biome-ignore lint/style/noDefaultExport: describes the package's own default export
  export default function mandatoryTest(doc: unknown): CsafTestOutcome | Promise<CsafTestOutcome>;
}

declare module '@secvisogram/csaf-validator-lib/lib/shared/bcpLanguageTagChecker.js' {
  // biome-ignore lint/style/noDefaultExport: describes the package's own default export
  export default function bcpLanguageTagChecker(tag: string): boolean;
}

declare module '@secvisogram/csaf-validator-lib/lib/shared/bcpLanguageTagChecker/subtags.js' {
  const registry: {
    subtags: readonly { type: string; subtag: string; prefix: readonly string[]; scope: string | null }[];
  };
  // biome-ignore lint/style/noDefaultExport: describes the package's own default export
  export default registry;
}

declare module '@secvisogram/csaf-validator-lib/lib/shared/bcpLanguageTagChecker/extensions.js' {
  const extensions: readonly { identifier: string }[];
  // biome-ignore lint/style/noDefaultExport: describes the package's own default export
  export default extensions;
}

declare module 'bcp47' {
  export interface Bcp47Extension {
    singleton: string;
    extension: string[];
  }
  export interface Bcp47Tag {
    langtag: {
      language: { language: string | null; extlang: string[] };
      script: string | null;
      region: string | null;
      variant: string[];
      extension: Bcp47Extension[];
      privateuse: string[];
    };
    privateuse: string[];
    grandfathered: { irregular: string | null; regular: string | null };
  }
  export function parse(tag: string): Bcp47Tag | null;
}
