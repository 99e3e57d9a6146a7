import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { FUNCTIONS, type FunctionDeclaration, type FunctionKey } from '../shared/topology';
import { DEV_SETTINGS } from './settings';
import { MedPatchStack } from './stack';

/**
 * The budget for every minified handler bundle (`index.mjs`, without its source map): 1 MB, no exceptions. The CSAF
 * validator, once 1.9 MB inside advisory-ingest and feed-poll, is its own function (csaf-validator) for that.
 */
export const BUNDLE_BUDGET_BYTES = 1_000_000;

export interface HandlerBundle {
  key: FunctionKey;
  /** The bundle CDK uploads: `<outdir>/asset.<hash>/index.mjs`. */
  file: string;
  bytes: number;
  /** The environment the function gets, with deploy-time references replaced by placeholders. */
  environment: Record<string, string>;
  /**
   * Files the topology ships beside `index.mjs` (`bundledFiles`), as found in the asset directory: `bytes` is
   * null when the file is missing there. Not part of the bundle budget; printed separately.
   */
  assetFiles: { name: string; file: string; bytes: number | null }[];
}

/** A value of the right shape for a variable whose real value is only known after deployment. */
function placeholderFor(name: string): string {
  if (name.endsWith('_URL')) return 'https://sqs.eu-west-1.amazonaws.com/123456789012/placeholder';
  if (name.endsWith('_ARN')) return 'arn:aws:sns:eu-west-1:123456789012:placeholder';
  return 'placeholder';
}

/**
 * Synthesizes the stack exactly as `cdk synth` does (same constructs, same esbuild options) into `outdir` and
 * returns each function's bundle and environment. Shared by the bundle-budget test and `npm run bench:coldstart`,
 * so both measure what would be deployed.
 */
export function synthesizeHandlerBundles(outdir: string): HandlerBundle[] {
  const app = new App({ outdir });
  const stack = new MedPatchStack(app, 'MedPatchBundles', { settings: DEV_SETTINGS });
  app.synth();
  return (Object.keys(FUNCTIONS) as FunctionKey[]).map((key) => {
    const cfn = stack.functions[key].function.node.defaultChild as CfnFunction & CfnElement;
    const code = Stack.of(cfn).resolve(cfn.code) as { s3Key?: unknown };
    const hash = String(code.s3Key).replace(/\.zip$/, '');
    const file = join(outdir, `asset.${hash}`, 'index.mjs');
    const variables = (Stack.of(cfn).resolve(cfn.environment) as { variables?: Record<string, unknown> })
      ?.variables;
    const environment = Object.fromEntries(
      Object.entries(variables ?? {}).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : placeholderFor(name),
      ]),
    );
    const declared: readonly string[] = (FUNCTIONS[key] as FunctionDeclaration).bundledFiles ?? [];
    const assetFiles = declared.map((path) => {
      const beside = join(dirname(file), basename(path));
      return { name: basename(path), file: beside, bytes: existsSync(beside) ? statSync(beside).size : null };
    });
    return { key, file, bytes: statSync(file).size, environment, assetFiles };
  });
}
