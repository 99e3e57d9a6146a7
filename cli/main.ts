import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type CliCommand, UsageError } from './support';

/**
 * `medpatch <command>`: each command is a module in cli/commands/ exporting `command` (see CliCommand), loaded
 * only when used. Exit codes: 0 success, 1 failure, 2 usage error.
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
    'Commands:',
  ];
  for (const name of commandNames()) {
    const command = await loadCommand(name);
    if (command) lines.push(`  ${name.padEnd(12)} ${command.summary}`);
  }
  lines.push('', "Run 'medpatch COMMAND --help' for a command's options.");
  return lines.join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      const topic = rest[0] ? await loadCommand(rest[0]) : null;
      console.log(topic ? topic.help : await mainHelp());
      return 0;
    }
    const command = await loadCommand(name);
    if (!command) throw new UsageError(`unknown command "${name}"`);
    return await command.run(rest);
  } catch (error) {
    const isUsage =
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
    if (isUsage) {
      console.error(
        `medpatch: ${error.message}\nRun 'medpatch ${name && commandNames().includes(name) ? `${name} ` : ''}--help' for usage.`,
      );
      return 2;
    }
    console.error(`medpatch: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

// The AWS SDK warns that its 2027 releases need Node 22; Lambda runs nodejs22.x and the pinned SDK runs on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await main(process.argv.slice(2));
