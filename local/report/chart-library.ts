import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The ECharts browser bundle the report inlines (bar, line, pie and the common components; Apache-2.0). */
export const CHART_LIBRARY_MODULE = 'echarts/dist/echarts.common.min.js';

/** Reads the charting library's minified browser bundle from node_modules, for `renderReport`'s `chartScript`. */
export function readChartLibrary(): string {
  const path = createRequire(import.meta.url).resolve(CHART_LIBRARY_MODULE);
  return readFileSync(path, 'utf8');
}
