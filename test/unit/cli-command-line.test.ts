import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMON_OPTIONS, parseCommandLine, renderHelp } from '../../cli/command-line';
import { closest, describeFailure, UsageError } from '../../cli/failure';
import type { CliCommand } from '../../cli/support';

const COMMANDS = readdirSync(resolve(import.meta.dirname, '../../cli/commands'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));

async function load(name: string): Promise<CliCommand> {
  return ((await import(`../../cli/commands/${name}.ts`)) as { command: CliCommand }).command;
}

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('common flags', () => {
  const options = { out: { type: 'string', default: 'out' }, inventory: { type: 'string' } } as const;

  it('are accepted by every command line with its own flags, before or after them', () => {
    const { values, out } = parseCommandLine(
      'run',
      ['--json', '--inventory', 'x.csv', '-q', '--no-color'],
      options,
    );
    expect(values.inventory).toBe('x.csv');
    expect(values.out).toBe('out');
    expect(out.json).toBe(true);
    expect(out.quiet).toBe(true);
    expect(out.style.enabled).toBe(false);
  });

  it('an unknown flag names the command help and suggests the nearest flag', () => {
    expect(usageMessage(() => parseCommandLine('run', ['--inventroy', 'x.csv'], options))).toBe(
      'unknown flag --inventroy (did you mean --inventory?); see `medpatch run --help`',
    );
    expect(usageMessage(() => parseCommandLine('run', ['--jsno'], options))).toContain(
      'did you mean --json?',
    );
    expect(usageMessage(() => parseCommandLine('run', ['--zzzzzzzz'], options))).toBe(
      'unknown flag --zzzzzzzz; see `medpatch run --help`',
    );
  });

  it('a flag without its value, or a value on a switch, is a usage error naming the flag', () => {
    expect(usageMessage(() => parseCommandLine('run', ['--inventory'], options))).toBe(
      '--inventory needs a value; see `medpatch run --help`',
    );
    expect(usageMessage(() => parseCommandLine('run', ['--json=yes'], options))).toBe(
      '--json takes no value; see `medpatch run --help`',
    );
  });

  it('a stray argument is refused unless the command takes positionals', () => {
    expect(usageMessage(() => parseCommandLine('run', ['extra'], options))).toBe(
      'unexpected argument "extra"; see `medpatch run --help`',
    );
    expect(parseCommandLine('report', ['procurement'], options, { positionals: true }).positionals).toEqual([
      'procurement',
    ]);
  });

  it('usage errors map to exit code 2 with the help pointer as hint', () => {
    expect(describeFailure(new UsageError('--x is required'), 'sync')).toEqual({
      message: '--x is required',
      hint: 'see `medpatch sync --help`',
      code: 'USAGE',
      exitCode: 2,
    });
  });
});

describe('did-you-mean', () => {
  it('suggests a near candidate and nothing for a far one', () => {
    expect(closest('snyc', ['sync', 'run', 'demo'])).toBe('sync');
    expect(closest('validation', ['validations', 'advisories'])).toBe('validations');
    expect(closest('deploy', ['sync', 'run', 'demo'])).toBeUndefined();
  });
});

describe('every command help', () => {
  it.each(COMMANDS)(
    '%s --help lists each of its flags, the common flags, examples and exit codes',
    async (name) => {
      const command = await load(name);
      for (const flag of [...Object.keys(command.options), ...Object.keys(COMMON_OPTIONS)])
        expect(command.help, `--${flag} missing from ${name} --help`).toContain(`--${flag}`);
      expect(command.help).toMatch(/^Usage:$/m);
      expect(command.help).toMatch(/^Examples:$/m);
      expect(command.help).toMatch(/^ {2}2 {2}usage error/m);
      expect(command.help).toContain(`medpatch ${name}`);
    },
  );

  it('renders continuation lines under the description column', () => {
    const help = renderHelp({
      command: 'x',
      summary: 's',
      usage: ['medpatch x'],
      flags: [['--a', 'first\nsecond']],
      examples: [],
    });
    const lines = help.split('\n');
    const first = lines.findIndex((l) => l.includes('first'));
    expect(lines[first + 1]?.indexOf('second')).toBe(lines[first]?.indexOf('first'));
  });
});
