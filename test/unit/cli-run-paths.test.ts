import { describe, expect, it, vi } from 'vitest';
import { command } from '../../cli/commands/run';
import { describeFailure } from '../../cli/failure';
import { CliError } from '../../cli/support';

describe('medpatch run: paths are checked before the local stack starts', () => {
  it.each([
    ['--inventory', ['--inventory', 'no-such-inventory.csv', '--advisories', 'data/csaf/icsma']],
    [
      '--advisories',
      ['--inventory', 'package.json', '--advisories', 'data/csaf/icsma', '--advisories', 'no-such-dir'],
    ],
    [
      '--kev',
      ['--inventory', 'package.json', '--advisories', 'data/csaf/icsma', '--kev', 'no-such-kev.json'],
    ],
    [
      '--validations',
      ['--inventory', 'package.json', '--advisories', 'data/csaf/icsma', '--validations', 'nope.csv'],
    ],
    ['--policy', ['--inventory', 'package.json', '--advisories', 'data/csaf/icsma', '--policy', 'nope.json']],
    ['--mds2', ['--inventory', 'package.json', '--advisories', 'data/csaf/icsma', '--mds2', 'nope.csv']],
  ])(
    'a missing %s path fails (exit 1) naming the flag and the path, with a next step',
    async (flag, args) => {
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        const missing = args[args.lastIndexOf(flag) + 1] ?? '';
        const error = await command.run(args).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(CliError);
        expect(describeFailure(error, 'run')).toMatchObject({
          message: `${flag} ${missing}: no such file or folder`,
          hint: expect.stringContaining('check the path'),
          exitCode: 1,
        });
        // Nothing was started: withLocalStack announces itself on stderr first.
        expect(stderr).not.toHaveBeenCalled();
      } finally {
        stderr.mockRestore();
      }
    },
  );
});
