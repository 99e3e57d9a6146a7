import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '../errors';

/** The ECharts browser bundle the report inlines (bar, line, pie and the common components; Apache-2.0). */
export const CHART_LIBRARY_MODULE = 'echarts/dist/echarts.common.min.js';
/** Its file name; in a Lambda bundle the file sits next to `index.mjs` (copied there at synth, not bundled). */
export const CHART_LIBRARY_FILE = 'echarts.common.min.js';

let cached: string | undefined;

/**
 * The charting library's minified browser bundle, for `renderReport`'s `chartScript`. Read once per process:
 * first next to the running module (the Lambda asset, where the file is shipped beside `index.mjs` instead of
 * inflating the handler bundle), else from node_modules (the CLI, tests, the local stack).
 */
export function readChartLibrary(): string {
  cached ??= loadChartLibrary(new URL(`./${CHART_LIBRARY_FILE}`, import.meta.url));
  return cached;
}

/** Reads the library from `beside` when that file exists, else resolves it in node_modules. */
export function loadChartLibrary(beside: URL): string {
  const besidePath = fileURLToPath(beside);
  if (existsSync(besidePath)) return readFileSync(besidePath, 'utf8');
  let path: string;
  try {
    path = createRequire(import.meta.url).resolve(CHART_LIBRARY_MODULE);
  } catch (cause) {
    throw new ConfigurationError(
      `The report's charting library is missing: neither ${besidePath} (Lambda asset) nor ${CHART_LIBRARY_MODULE} ` +
        '(node_modules) exists. Run `npm ci`; in AWS, redeploy so the asset carries the file.',
      { cause },
    );
  }
  return readFileSync(path, 'utf8');
}
