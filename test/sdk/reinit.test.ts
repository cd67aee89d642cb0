import { join } from 'node:path';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { flushTracking, initTracking, shutdownTracking, track } from '../../sdk/index.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

const messages: string[] = [];
const record = (m: string) => messages.push(m);
diag.setLogger({ error: record, warn: record, info: record, debug: () => {}, verbose: () => {} }, DiagLogLevel.INFO);
afterAll(async () => {
  await shutdownTracking();
  diag.disable();
});

function config(file: string) {
  return {
    receivers: { otlp: {} },
    exporters: { jsonfile: { path: file } },
    service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['jsonfile'] } } },
  };
}

describe('initTracking() called again', () => {
  it('replaces its own set-up (it does not mistake it for an application’s SDK), and so does one after shutdownTracking()', async () => {
    const dir = tempDir();
    initTracking({ config: config(join(dir, 'a.jsonl')), handleSignals: false });
    track({ event: 'to_a' });
    initTracking({ config: config(join(dir, 'b.jsonl')), handleSignals: false });
    track({ event: 'to_b' });
    await flushTracking();
    void shutdownTracking(); // not awaited: the next set-up must still register
    initTracking({ config: config(join(dir, 'c.jsonl')), handleSignals: false });
    track({ event: 'to_c' });
    await flushTracking();
    expect(readJsonLines(join(dir, 'a.jsonl')).map((l) => l.event)).toEqual(['to_a']);
    expect(readJsonLines(join(dir, 'b.jsonl')).map((l) => l.event)).toEqual(['to_b']);
    expect(readJsonLines(join(dir, 'c.jsonl')).map((l) => l.event)).toEqual(['to_c']);
    expect(messages.filter((m) => /already registered|duplicate registration/.test(m))).toEqual([]);
  });
});
