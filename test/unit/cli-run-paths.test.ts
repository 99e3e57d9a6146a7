import { describe, expect, it, vi } from 'vitest';
import { command } from '../../cli/commands/run';
import { UsageError } from '../../cli/support';

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
  ])('a missing %s path is a usage error naming the flag and the path', async (flag, args) => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const missing = args[args.lastIndexOf(flag) + 1] ?? '';
      await expect(command.run(args)).rejects.toThrow(UsageError);
      await expect(command.run(args)).rejects.toThrow(`${flag} ${missing}: no such file or folder`);
      // Nothing was started: withLocalStack announces itself on stderr first.
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stderr.mockRestore();
    }
  });
});
