import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { closest } from './failure';
import { Output } from './output';
import { type CliCommand, packageVersion, reportFailure, UsageError } from './support';

/**
 * `medpatch <command>`: each command is a module in cli/commands/ exporting `command` (see CliCommand), loaded
 * only when used. Exit codes: 0 success, 1 failure, 2 usage error. Every failure leaves through reportFailure:
 * one line, a `Next:` hint, and with --json an `{"error":{message,hint,code}}` document on stdout.
 */
const COMMANDS_DIR = resolve(import.meta.dirname, 'commands');
const commandNames = () =>
  readdirSync(COMMANDS_DIR)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3))
    .sort();

async function loadCommand(name: string): Promise<CliCommand | null> {
  if (!/^[a-z][a-z-]*$/.test(name) || !existsSync(resolve(COMMANDS_DIR, `${name}.ts`))) return null;
  const module = (await import(`./commands/${name}`)) as { command: CliCommand };
  return module.command;
}

async function mainHelp(): Promise<string> {
  const lines = [
    'medpatch — manufacturer-validated patch management for hospital medical devices',
    '',
    'Usage: medpatch COMMAND [flags]',
    '',
    'Commands:',
  ];
  for (const name of commandNames()) {
    const command = await loadCommand(name);
    if (command) lines.push(`  ${name.padEnd(12)} ${command.summary}`);
  }
  lines.push(
    '',
    'Common flags (every command): --json, -q/--quiet, --no-color, -h/--help; medpatch --version',
    'Colour only on a terminal; NO_COLOR=1 turns it off, FORCE_COLOR=1 forces it into a pipe.',
    'Exit codes: 0 success, 1 failure (with a "Next:" hint), 2 usage error.',
    '',
    "Run 'medpatch COMMAND --help' for a command's flags and examples.",
  );
  return lines.join('\n');
}

/** Common flags given before the command name (`medpatch --json sync …`) belong to the command. */
const LEADING_FLAGS = new Set(['--json', '--quiet', '-q', '--no-color']);

export async function main(argv: readonly string[]): Promise<number> {
  const firstOther = argv.findIndex((arg) => !LEADING_FLAGS.has(arg));
  const leading = argv.slice(0, firstOther === -1 ? argv.length : firstOther);
  const [name, ...tail] = argv.slice(leading.length);
  const rest = [...tail, ...leading];
  let known: string | undefined;
  try {
    if (name === '--version' || name === '-V' || name === 'version') {
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      const topic = tail[0] ? await loadCommand(tail[0]) : null;
      if (tail[0] && !topic) throw unknownCommand(tail[0]);
      process.stdout.write(`${topic ? topic.help : await mainHelp()}\n`);
      return 0;
    }
    const command = await loadCommand(name);
    if (!command) throw unknownCommand(name);
    known = name;
    return await command.run(rest);
  } catch (error) {
    return reportFailure(Output.fromArgs(rest), error, known);
  }
}

function unknownCommand(name: string): UsageError {
  const nearest = name.startsWith('-') ? undefined : closest(name, commandNames());
  const what = name.startsWith('-') ? `unknown flag ${name}` : `unknown command "${name}"`;
  return new UsageError(`${what}${nearest ? ` (did you mean "${nearest}"?)` : ''}; see \`medpatch --help\``, {
    hint: `commands: ${commandNames().join(', ')}; see \`medpatch --help\``,
  });
}

// The AWS SDK warns that its 2027 releases need Node 22; Lambda runs nodejs22.x and the pinned SDK runs on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `medpatch … --json | head -1`: a reader that stops early is not a failure of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
