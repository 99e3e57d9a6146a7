import {
  AuthError,
  ConfigurationError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../shared/errors';

/** A wrong flag or argument: exit code 2 and a pointer to --help. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly hint: string | undefined;
  constructor(message: string, options: { hint?: string } = {}) {
    super(message);
    this.hint = options.hint;
  }
}

/** A failure the CLI itself diagnosed (a missing file, a rejected record): its message, what to do next, exit 1. */
export class CliError extends Error {
  override name = 'CliError';
  readonly hint: string | undefined;
  readonly code: string;
  readonly exitCode: 1 | 2;
  constructor(message: string, options: { hint?: string; code: string; exitCode?: 1 | 2 }) {
    super(message);
    this.hint = options.hint;
    this.code = options.code;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** What the operator sees when a command fails: one line, a next step, a stable code for scripts, the exit code. */
export interface Failure {
  message: string;
  hint?: string | undefined;
  code: string;
  exitCode: 1 | 2;
}

/** A path given on the command line that does not exist: a failure (exit 1) naming the flag, the path and the cwd. */
export function fileNotFound(flag: string, path: string): CliError {
  return new CliError(`${flag} ${path}: no such file or folder`, {
    code: 'FILE_NOT_FOUND',
    hint: `check the path; relative paths start at ${process.cwd()}`,
  });
}

const help = (command: string | undefined) => `see \`medpatch ${command ? `${command} ` : ''}--help\``;

function causeCode(error: Error): string | undefined {
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string') return own;
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? causeCode(cause) : undefined;
}

/**
 * Maps anything a command can throw to a Failure. Typed errors (shared/errors.ts) and the usual environmental
 * failures (Java missing, port in use, file missing, refused connection) get a concrete next step; anything else
 * keeps its message and points at MEDPATCH_DEBUG=1 for the stack.
 */
export function describeFailure(error: unknown, command?: string): Failure {
  if (error instanceof UsageError)
    return { message: error.message, hint: error.hint ?? help(command), code: 'USAGE', exitCode: 2 };
  if (error instanceof CliError)
    return { message: error.message, hint: error.hint, code: error.code, exitCode: error.exitCode };
  if (!(error instanceof Error)) return { message: String(error), code: 'FAILED', exitCode: 1 };
  const code = causeCode(error);
  if (error instanceof TypeError && code?.startsWith('ERR_PARSE_ARGS'))
    return { message: error.message, hint: help(command), code: 'USAGE', exitCode: 2 };
  if (error.name === 'JavaMissingError' || /needs Java 11\+/.test(error.message)) {
    return {
      message: error.message.split('. Install')[0] ?? error.message,
      hint: 'install Java 11+ (Debian/Ubuntu: `sudo apt-get install -y openjdk-17-jre-headless`; macOS: `brew install openjdk@17`), check `java -version`, then run the command again',
      code: 'JAVA_MISSING',
      exitCode: 1,
    };
  }
  if (error instanceof AuthError) {
    const hint = /servicenow/i.test(error.message)
      ? 'check SERVICENOW_USERNAME / SERVICENOW_PASSWORD (Basic) or SERVICENOW_CLIENT_ID / SERVICENOW_CLIENT_SECRET (OAuth), and that the user may read the device table and write change_request'
      : /maximo/i.test(error.message)
        ? 'check MAXIMO_APIKEY (or MAXIMO_USERNAME / MAXIMO_PASSWORD) and the user’s access to the object structure'
        : 'check the credentials and the roles of the account';
    return { message: error.message, hint, code: 'AUTH', exitCode: 1 };
  }
  if (error instanceof ConfigurationError)
    return {
      message: error.message,
      hint: 'fix the setting named above (environment variable or flag) and run again',
      code: 'CONFIGURATION',
      exitCode: 1,
    };
  if (error instanceof ValidationError) {
    const where = error.issues
      .slice(0, 3)
      .map((i) => `${i.path}: ${i.message}`)
      .join('; ');
    return {
      message: where ? `${error.message} (${where})` : error.message,
      hint: 'correct the input at the place named above and run again',
      code: 'VALIDATION',
      exitCode: 1,
    };
  }
  if (error instanceof NotFoundError)
    return {
      message: error.message,
      hint: 'check the identifier (asset tag, advisory id) and that the run loaded it',
      code: 'NOT_FOUND',
      exitCode: 1,
    };
  if (error instanceof RateLimitedError || error instanceof TransientError)
    return {
      message: error.message,
      hint: 'a service was briefly unavailable or asked us to slow down; run the command again in a minute (sync: `--rate N` caps requests per second)',
      code: error instanceof RateLimitedError ? 'RATE_LIMITED' : 'TRANSIENT',
      exitCode: 1,
    };
  if (error.name === 'EnrichmentFeedError')
    return {
      message: error.message,
      hint: '--kev takes CISA’s known_exploited_vulnerabilities.json; --epss the daily epss_scores-YYYY-MM-DD.csv or the EPSS API JSON',
      code: 'FEED_INVALID',
      exitCode: 1,
    };
  if (code === 'EADDRINUSE')
    return {
      message: error.message,
      hint: 'another process holds that port: stop it (`ss -ltnp` shows who) or choose another port',
      code: 'PORT_IN_USE',
      exitCode: 1,
    };
  if (code === 'ENOENT') {
    const path = (error as { path?: unknown }).path;
    return {
      message: typeof path === 'string' ? `${path}: no such file or folder` : error.message,
      hint: `check the path; relative paths start at ${process.cwd()}`,
      code: 'FILE_NOT_FOUND',
      exitCode: 1,
    };
  }
  if (code === 'EACCES' || code === 'EPERM')
    return {
      message: error.message,
      hint: 'check the file permissions, or write to another folder (--out DIR)',
      code: 'PERMISSION_DENIED',
      exitCode: 1,
    };
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'ETIMEDOUT' ||
    error.message === 'fetch failed'
  )
    return {
      message: `${error.message}${code ? ` (${code})` : ''}`,
      hint: 'check the instance URL and that this machine can reach it (proxy, VPN, firewall)',
      code: 'UNREACHABLE',
      exitCode: 1,
    };
  if (error instanceof SyntaxError)
    return {
      message: error.message,
      hint: 'the file is not valid JSON; check it with `jq . FILE`',
      code: 'INVALID_JSON',
      exitCode: 1,
    };
  return {
    message: error.message,
    hint: 'run again with MEDPATCH_DEBUG=1 for the stack trace; if it persists, report it with that output',
    code: 'FAILED',
    exitCode: 1,
  };
}

/** Edit distance (insertions, deletions, substitutions), for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The candidate nearest to `word` when it is near enough to be a typo (a third of its length, at least 2). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}
