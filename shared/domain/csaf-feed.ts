/**
 * CSAF 2.0 provider / aggregator directory feeds (§7.1.16): `changes.csv` lists `"<relative path>","<ISO timestamp>"`,
 * newest first. Pure: parsing, selecting what changed after a watermark, and moving the watermark only past
 * documents that were processed.
 */

export interface FeedChange {
  /** Path relative to the directory URL, as listed. */
  path: string;
  /** The change time, normalized to ISO 8601 UTC (milliseconds). */
  changedAt: string;
}

export interface ChangesCsvResult {
  /** One entry per path (its newest listed change). */
  changes: FeedChange[];
  /** Lines that could not be read, with line number and why; the valid rest still counts. */
  rejected: string[];
}

const LINE = /^\s*"((?:[^"]|"")*)"\s*,\s*"((?:[^"]|"")*)"\s*$|^\s*([^",]+?)\s*,\s*([^",]+?)\s*$/;

/** A listed path must stay inside the directory: relative, no `..` segment, no scheme, no query. */
function pathProblem(path: string): string | undefined {
  if (path === '') return 'empty path';
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/') || path.startsWith('\\'))
    return `"${path}" is not a relative path`;
  if (path.split(/[\\/]/).some((segment) => segment === '..')) return `"${path}" leaves the directory`;
  if (/[?#]/.test(path)) return `"${path}" carries a query or fragment`;
  if (!path.toLowerCase().endsWith('.json')) return `"${path}" is not a .json document`;
  return undefined;
}

export function parseChangesCsv(text: string): ChangesCsvResult {
  const newest = new Map<string, FeedChange>();
  const rejected: string[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      if (raw.trim() === '') return;
      const match = LINE.exec(raw);
      if (!match) {
        rejected.push(
          `changes.csv line ${i + 1}: expected "<path>","<timestamp>", got "${raw.slice(0, 120)}"`,
        );
        return;
      }
      const path = (match[1] ?? match[3] ?? '').replaceAll('""', '"');
      const stamp = (match[2] ?? match[4] ?? '').replaceAll('""', '"');
      const problem = pathProblem(path);
      const ms = Date.parse(stamp);
      if (problem !== undefined || !/^\d{4}-\d{2}-\d{2}T/.test(stamp) || !Number.isFinite(ms)) {
        rejected.push(`changes.csv line ${i + 1}: ${problem ?? `"${stamp}" is not an ISO 8601 timestamp`}`);
        return;
      }
      const changedAt = new Date(ms).toISOString();
      const previous = newest.get(path);
      if (!previous || previous.changedAt < changedAt) newest.set(path, { path, changedAt });
    });
  return { changes: [...newest.values()], rejected };
}

/** The changes strictly after the watermark (all of them without one), oldest first. */
export function changesSince(changes: readonly FeedChange[], watermark: string | null): FeedChange[] {
  return changes
    .filter((c) => watermark === null || c.changedAt > watermark)
    .sort((a, b) =>
      a.changedAt < b.changedAt ? -1 : a.changedAt > b.changedAt ? 1 : a.path.localeCompare(b.path),
    );
}

/**
 * The new watermark: the newest processed change older than every failed one, so a failed document is listed
 * again on the next poll (and processed ones at or before the watermark are not). Never moves backwards.
 */
export function nextWatermark(
  current: string | null,
  processed: readonly FeedChange[],
  failed: readonly FeedChange[],
): string | null {
  const firstFailure = failed.reduce<string | undefined>(
    (min, c) => (min === undefined || c.changedAt < min ? c.changedAt : min),
    undefined,
  );
  let next = current;
  for (const change of processed) {
    if (firstFailure !== undefined && change.changedAt >= firstFailure) continue;
    if (next === null || change.changedAt > next) next = change.changedAt;
  }
  return next;
}

/** The URL of a listed document: the path resolved against the directory URL (which gets a trailing slash). */
export function documentUrl(directoryUrl: string, path: string): string {
  const base = directoryUrl.endsWith('/') ? directoryUrl : `${directoryUrl}/`;
  return new URL(path, base).toString();
}

export function changesCsvUrl(directoryUrl: string): string {
  return documentUrl(directoryUrl, 'changes.csv');
}
