import { existsSync, readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliError, closest, fileNotFound, UsageError } from './failure';
import { Output } from './output';

type OptionConfigs = NonNullable<ParseArgsConfig['options']>;

/** Flags every command accepts, parsed in one place. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', short: 'q', default: false },
  'no-color': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies OptionConfigs;

const COMMON_HELP: readonly (readonly [string, string])[] = [
  ['--json', 'print the result as one JSON document on stdout (progress and notes stay on stderr)'],
  ['-q, --quiet', 'no progress bars or notes on stderr (warnings and errors are still shown)'],
  ['--no-color', 'no colour (also NO_COLOR=1; FORCE_COLOR=1 forces colour into a pipe)'],
  ['-h, --help', 'this help'],
];

/**
 * Parses a command's arguments with the common flags added, turning node:util's parse errors into usage errors
 * that name the flag, suggest the nearest known one and point at the command's --help. Returns the values and the
 * Output the command writes through.
 */
export function parseCommandLine<O extends OptionConfigs>(
  command: string,
  args: readonly string[],
  options: O,
  config: { positionals?: boolean } = {},
) {
  const all = { ...options, ...COMMON_OPTIONS };
  const parse = () => {
    try {
      return parseArgs({ args: [...args], options: all, allowPositionals: true, strict: true });
    } catch (error) {
      throw usageErrorOf(error, command, Object.keys(all));
    }
  };
  const parsed = parse();
  if (!config.positionals && parsed.positionals.length > 0) {
    throw new UsageError(
      `unexpected argument "${parsed.positionals[0]}"; see \`medpatch ${command} --help\``,
    );
  }
  const values = parsed.values;
  const common = values as unknown as Record<keyof typeof COMMON_OPTIONS, boolean>;
  const out = new Output({ json: common.json, quiet: common.quiet, noColor: common['no-color'] });
  return { values, positionals: parsed.positionals, out };
}

function usageErrorOf(error: unknown, command: string, flags: readonly string[]): unknown {
  const code = (error as { code?: unknown }).code;
  if (!(error instanceof TypeError) || typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS'))
    return error;
  const see = `see \`medpatch ${command} --help\``;
  const unknown = /Unknown option '([^']+)'/.exec(error.message)?.[1];
  if (unknown) {
    const name = unknown.replace(/^--?/, '').split('=')[0] ?? '';
    const nearest = closest(name, flags);
    return new UsageError(`unknown flag ${unknown}${nearest ? ` (did you mean --${nearest}?)` : ''}; ${see}`);
  }
  const missing = /Option '(-\S+)(?:, (-\S+))? <value>' argument missing/.exec(error.message);
  if (missing) return new UsageError(`${missing[2] ?? missing[1]} needs a value; ${see}`);
  const noValue = /Option '(-\S+)(?:, (-\S+))?' does not take an argument/.exec(error.message);
  if (noValue) return new UsageError(`${noValue[2] ?? noValue[1]} takes no value; ${see}`);
  return new UsageError(`${error.message}; ${see}`);
}

/** A command's help, in the same shape everywhere: synopsis, flags, common flags, examples, exit codes. */
export interface HelpSpec {
  command: string;
  summary: string;
  usage: readonly string[];
  description?: string;
  /** Flag column and description; a description may span lines with \n. */
  flags: readonly (readonly [string, string])[];
  examples: readonly string[];
  /** What 1 means for this command (0 and 2 are the same everywhere). */
  failure?: string;
}

export function renderHelp(spec: HelpSpec): string {
  const flagWidth = Math.min(
    26,
    Math.max(...[...spec.flags, ...COMMON_HELP].map(([flag]) => flag.length)) + 2,
  );
  const flagLines = (rows: readonly (readonly [string, string])[]) =>
    rows.flatMap(([flag, text]) => {
      const [first = '', ...rest] = text.split('\n');
      const head =
        flag.length + 2 > flagWidth
          ? [`  ${flag}`, `  ${' '.repeat(flagWidth)}${first}`]
          : [`  ${flag.padEnd(flagWidth)}${first}`];
      return [...head, ...rest.map((line) => `  ${' '.repeat(flagWidth)}${line}`)];
    });
  const lines = [`medpatch ${spec.command} — ${spec.summary}`, '', 'Usage:'];
  for (const usage of spec.usage) lines.push(`  ${usage}`);
  if (spec.description) lines.push('', spec.description);
  if (spec.flags.length > 0) lines.push('', 'Flags:', ...flagLines(spec.flags));
  lines.push('', 'Common flags:', ...flagLines(COMMON_HELP));
  if (spec.examples.length > 0) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  lines.push(
    '',
    'Exit codes:',
    '  0  success',
    `  1  ${spec.failure ?? 'failure (the message says what failed and what to do next)'}`,
    '  2  usage error (unknown flag or command, missing or invalid argument)',
  );
  return lines.join('\n');
}

/** Prints a command's help on stdout; returns exit code 0. */
export function printHelp(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

/** A JSON file named by a flag: a missing file or bad JSON is a failure naming the flag, the file and the place. */
export function readJsonFile(flag: string, path: string): unknown {
  if (!existsSync(path)) throw fileNotFound(flag, path);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(
      `${flag} ${path}: not valid JSON (${error instanceof Error ? error.message : error})`,
      {
        code: 'INVALID_JSON',
        hint: `find the mistake with \`jq . ${path}\` and fix the file`,
      },
    );
  }
}
