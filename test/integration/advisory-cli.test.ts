import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { command } from '../../cli/commands/advisories';

const CORPUS = join(import.meta.dirname, '../../data/csaf');

describe('medpatch advisories (CLI, no stack needed)', () => {
  let dir: string;
  let out: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'medpatch-advisories-'));
    out = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a folder with a per-document report; a bad document is rejected with its reason and exit code 1', async () => {
    const input = join(dir, 'in');
    const collected = join(dir, 'collected');
    const good = readFileSync(join(CORPUS, 'icsma/icsma-20-049-01.json'), 'utf8');
    const files = {
      'a-good.json': good,
      'b-truncated.json': good.slice(0, 2000),
      'c-not-csaf.json': '{"hello": 1}',
    };
    mkdirSync(input);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(input, name), text);

    const code = await command.run(['import', input, '--into', collected, '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(out.join('\n')) as {
      summary: Record<string, number>;
      documents: { name: string; status: string; messages: string[] }[];
    };
    expect(report.summary).toEqual({
      documents: 3,
      accepted: 1,
      acceptedWithWarnings: 0,
      unchanged: 0,
      rejected: 2,
    });
    const byName = new Map(report.documents.map((d) => [d.name.split('/').pop(), d]));
    expect(byName.get('b-truncated.json')?.messages.join(' ')).toMatch(/truncated/);
    expect(byName.get('c-not-csaf.json')?.messages.join(' ')).toMatch(
      /must have required property 'document' \(schema\)/,
    );
    expect(readdirSync(collected)).toEqual(['ICSMA-20-049-01.json']);

    out.length = 0;
    expect(await command.run(['import', join(input, 'a-good.json'), '--into', collected, '--json'])).toBe(0);
    expect(JSON.parse(out.join('\n')).summary).toMatchObject({ unchanged: 1, accepted: 0 });
  });

  it('adds a manual advisory from flags, validated in the CSAF product/version model', async () => {
    const code = await command.run([
      'add',
      '--id',
      'MFR-LETTER-2025-01',
      '--title',
      'Baxter letter: Spectrum WBM',
      '--kind',
      'manufacturer_letter',
      '--publisher',
      'Baxter',
      '--manufacturer',
      'Baxter Healthcare',
      '--product',
      'Sigma Spectrum',
      '--model-number',
      '35700BAX2',
      '--versions',
      '< 8.01',
      '--mitigation',
      'Disable the wireless battery module.',
      '--into',
      dir,
      '--json',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({
      advisoryId: 'MFR-LETTER-2025-01',
      written: true,
      products: ['baxter: Sigma Spectrum: < 8.01'],
    });
    const stored = JSON.parse(readFileSync(join(dir, 'MFR-LETTER-2025-01.json'), 'utf8')) as {
      source: string;
    };
    expect(stored.source).toBe('manual');
    await expect(command.run(['add', '--id', 'X'])).rejects.toThrow(/--title is required/);
  });
});
