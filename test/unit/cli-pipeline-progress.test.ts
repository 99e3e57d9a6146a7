import { describe, expect, it } from 'vitest';
import { Output, type TextStream } from '../../cli/output';
import { pipelineReporting } from '../../cli/support';

function buffer(): TextStream & { text: string } {
  return {
    isTTY: false,
    text: '',
    write(chunk: string) {
      this.text += chunk;
    },
  };
}

describe('pipeline progress in a log (not a terminal)', () => {
  it('one bar per stage; a stage is closed with its final count when a later stage starts', () => {
    const stderr = buffer();
    const out = new Output({ stdout: buffer(), stderr, env: {}, plainEveryMs: 60_000 });
    const reporting = pipelineReporting(out);
    reporting.onProgress('sync', 100);
    reporting.onProgress('sync', 250, 250);
    reporting.onProgress('ingest', 0, 3);
    reporting.onProgress('ingest', 3, 3);
    reporting.onProgress('match', 10, 40);
    reporting.onProgress('dispatch', 1, 5); // runs beside matching: matching stays open
    reporting.onProgress('match', 40, 40);
    reporting.onProgress('dispatch', 5, 5);
    reporting.finish();
    const lines = stderr.text.trim().split('\n');
    expect(lines.map((l) => l.split(' · ')[0])).toEqual([
      'devices: read 100', // first update of a bar is always shown
      'devices: read 250/250', // closed by the ingest stage
      'advisories: documents 0/3',
      'advisories: documents 3/3',
      'matching: messages 10/40',
      'dispatching: messages 1/5',
      'matching: messages 40/40',
      'dispatching: messages 5/5',
    ]);
  });

  it('--quiet: no bars and no log lines', () => {
    const stderr = buffer();
    const reporting = pipelineReporting(new Output({ quiet: true, stdout: buffer(), stderr, env: {} }));
    reporting.log('devices: 5 read');
    reporting.onProgress('sync', 5, 5);
    reporting.finish();
    expect(stderr.text).toBe('');
  });
});
