import { describe, expect, it } from 'vitest';
import { colorEnabled, formatProgress, Output, stripAnsi, type TextStream } from '../../cli/output';

function buffer(isTTY: boolean, columns?: number): TextStream & { text: string } {
  return {
    isTTY,
    columns,
    text: '',
    write(chunk: string) {
      this.text += chunk;
    },
  };
}

const ESC = '\u001b[';

describe('colour decision', () => {
  it('is on for a terminal and off for a pipe by default', () => {
    expect(colorEnabled({ isTTY: true, env: {} })).toBe(true);
    expect(colorEnabled({ isTTY: false, env: {} })).toBe(false);
    expect(colorEnabled({ isTTY: undefined, env: {} })).toBe(false);
  });

  it('FORCE_COLOR turns it on in a pipe, FORCE_COLOR=0 turns it off on a terminal', () => {
    expect(colorEnabled({ isTTY: false, env: { FORCE_COLOR: '1' } })).toBe(true);
    expect(colorEnabled({ isTTY: false, env: { FORCE_COLOR: '' } })).toBe(true);
    expect(colorEnabled({ isTTY: true, env: { FORCE_COLOR: '0' } })).toBe(false);
  });

  it('NO_COLOR and --no-color win over FORCE_COLOR; an empty NO_COLOR is ignored', () => {
    expect(colorEnabled({ isTTY: true, env: { NO_COLOR: '1', FORCE_COLOR: '1' } })).toBe(false);
    expect(colorEnabled({ isTTY: true, env: { FORCE_COLOR: '1' }, noColorFlag: true })).toBe(false);
    expect(colorEnabled({ isTTY: true, env: { NO_COLOR: '' } })).toBe(true);
  });

  it('TERM=dumb gets no colour unless forced', () => {
    expect(colorEnabled({ isTTY: true, env: { TERM: 'dumb' } })).toBe(false);
    expect(colorEnabled({ isTTY: true, env: { TERM: 'dumb', FORCE_COLOR: '1' } })).toBe(true);
  });
});

describe('progress line', () => {
  it('plain: label, unit, done/total, detail, rate and ETA', () => {
    expect(
      formatProgress(
        {
          label: 'sync',
          unit: 'read',
          done: 2500,
          total: 10_000,
          detail: 'written 2,000 · unchanged 400',
          elapsedMs: 5000,
        },
        'plain',
      ),
    ).toBe('sync: read 2,500/10,000 · written 2,000 · unchanged 400 · 500/s · ETA 15s');
  });

  it('plain without a total: no ETA', () => {
    expect(formatProgress({ label: 'matching', done: 10, elapsedMs: 1000 }, 'plain')).toBe(
      'matching: 10 · 10/s',
    );
  });

  it('tty: a bar and a percentage when the total is known', () => {
    const line = formatProgress({ label: 'advisories', done: 5, total: 20, elapsedMs: 1000 }, 'tty');
    expect(line).toContain('█████░░░░░░░░░░░░░░░');
    expect(line).toContain(' 25% ');
    expect(line).toContain('5/20');
    expect(line).toContain('ETA 3s');
  });

  it('ETA in minutes and hours', () => {
    expect(formatProgress({ label: 'x', done: 1, total: 181, elapsedMs: 1000 }, 'plain')).toContain(
      'ETA 3m 0s',
    );
    expect(formatProgress({ label: 'x', done: 1, total: 7201, elapsedMs: 1000 }, 'plain')).toContain(
      'ETA 2h 0m',
    );
  });
});

describe('Output', () => {
  it('--json: exactly one JSON document on stdout, notes and progress on stderr', () => {
    const stdout = buffer(false);
    const stderr = buffer(false);
    const out = new Output({ json: true, stdout, stderr, env: {} });
    out.info('starting');
    const bar = out.progress('sync', { total: 2 });
    bar.update(1);
    bar.done({ done: 2 });
    out.result({ read: 2 }, () => 'human text');
    expect(JSON.parse(stdout.text)).toEqual({ read: 2 });
    expect(stdout.text.trim().split('\n')).toHaveLength(1);
    expect(stderr.text).toContain('starting');
    expect(stderr.text).toContain('sync: 2/2');
    expect(() => out.result({ again: true }, () => '')).toThrow(/two JSON documents/);
  });

  it('human mode prints the human text, styled only when stdout is a terminal', () => {
    const plain = buffer(false);
    const out = new Output({ stdout: plain, stderr: buffer(false), env: {} });
    out.result({}, () => out.style.bold('Summary'));
    expect(plain.text).toBe('Summary\n');

    const tty = buffer(true);
    const colourful = new Output({ stdout: tty, stderr: buffer(true), env: {} });
    colourful.result({}, () => colourful.style.bold('Summary'));
    expect(tty.text).toBe(`${ESC}1mSummary${ESC}22m\n`);
  });

  it('non-TTY progress: throttled plain lines, only when the counts moved, never a carriage return', () => {
    let t = 0;
    const stderr = buffer(false);
    const out = new Output({ stdout: buffer(false), stderr, env: {}, now: () => t, plainEveryMs: 5000 });
    const bar = out.progress('sync', { unit: 'read' });
    bar.update(1);
    t += 1000;
    bar.update(2); // throttled
    t += 5000;
    bar.update(3);
    t += 5000;
    bar.update(3); // counts unchanged: a waiting stage stays quiet
    bar.done(); // same counts as the last line: not repeated
    const second = out.progress('advisories', { total: 4 });
    second.update(1);
    t += 1000;
    second.done({ done: 4 });
    expect(stderr.text).not.toContain('\r');
    expect(stderr.text.trim().split('\n')).toEqual([
      'sync: read 1', // no rate over less than half a second
      'sync: read 3 · 1/s',
      'advisories: 1/4',
      'advisories: 4/4 · 4/s · ETA 0s',
    ]);
  });

  it('TTY progress: bars redrawn in place, notes printed above them, finished bars left on screen', () => {
    let t = 0;
    const stderr = buffer(true, 200);
    const out = new Output({ stdout: buffer(true), stderr, env: { NO_COLOR: '1' }, now: () => t });
    const match = out.progress('matching', { total: 10 });
    const dispatch = out.progress('dispatching', { total: 10 });
    match.update(1);
    dispatch.update(1);
    t += 200;
    match.update(5);
    out.info('a note');
    match.done({ done: 10 });
    dispatch.done({ done: 10 });
    // Each redraw moves the cursor up over the bars it drew and clears below.
    expect(stderr.text).toContain(`${ESC}1A\r${ESC}0J`);
    expect(stderr.text).toContain(`${ESC}2A\r${ESC}0J`);
    const finalScreen = stderr.text.split(`${ESC}0J`).at(-1) ?? '';
    expect(finalScreen).toContain('dispatching');
    expect(stderr.text).toMatch(/a note\n/);
    expect(stripAnsi(stderr.text)).toContain('10/10');
  });

  it('TTY progress lines are cut to the terminal width so the redraw stays in place', () => {
    const stderr = buffer(true, 30);
    const out = new Output({ stdout: buffer(true), stderr, env: {} });
    const bar = out.progress('a-long-label', { total: 1000, unit: 'documents' });
    bar.done({ done: 500, detail: 'accepted 400 · accepted with warnings 90 · rejected 10' });
    for (const line of stripAnsi(stderr.text).split('\n').filter(Boolean))
      expect(line.length).toBeLessThan(30);
  });

  it('--quiet silences notes and progress but not warnings or errors', () => {
    const stderr = buffer(false);
    const stdout = buffer(false);
    const out = new Output({ quiet: true, stdout, stderr, env: {} });
    out.info('note');
    const bar = out.progress('sync');
    bar.update(5);
    bar.done();
    out.warn('rejected line 3');
    out.error({ message: 'it broke', hint: 'fix it', code: 'FAILED' }, 'medpatch run');
    expect(stderr.text).toBe('rejected line 3\nmedpatch run: it broke\nNext: fix it\n');
    expect(stdout.text).toBe('');
  });

  it('an error in --json mode is an {error} document on stdout and a Next: line on stderr', () => {
    const stdout = buffer(false);
    const stderr = buffer(false);
    const out = new Output({ json: true, stdout, stderr, env: {} });
    out.error({ message: 'no java', hint: 'install Java 11+', code: 'JAVA_MISSING' }, 'medpatch demo');
    expect(JSON.parse(stdout.text)).toEqual({
      error: { message: 'no java', hint: 'install Java 11+', code: 'JAVA_MISSING' },
    });
    expect(stderr.text).toContain('Next: install Java 11+');
  });

  it('errors are red on a coloured stderr, plain with NO_COLOR', () => {
    const coloured = buffer(true);
    new Output({ stdout: buffer(true), stderr: coloured, env: {} }).error(
      { message: 'm', code: 'X' },
      'medpatch',
    );
    expect(coloured.text).toContain(`${ESC}31m`);
    const plain = buffer(true);
    new Output({ stdout: buffer(true), stderr: plain, env: { NO_COLOR: '1' } }).error(
      { message: 'm', code: 'X' },
      'medpatch',
    );
    expect(plain.text).toBe('medpatch: m\n');
  });

  it('reads the common flags from raw arguments, up to --', () => {
    const out = Output.fromArgs(['--inventory', 'x.csv', '--json', '-q', '--', '--no-color']);
    expect(out.json).toBe(true);
    expect(out.quiet).toBe(true);
  });
});
