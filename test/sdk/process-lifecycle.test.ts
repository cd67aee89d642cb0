import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

const app = join(import.meta.dirname, 'fixtures', 'embedded-app.ts');

function run(file: string, count: number, mode: string) {
  const child = spawn(process.execPath, [app, file, String(count), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  return { child, stderr: () => stderr };
}

describe('an embedded application', () => {
  it('drains everything it accepted when stopped with SIGTERM, then exits', async () => {
    const file = join(tempDir(), 'events.jsonl');
    const { child } = run(file, 5000, 'wait');
    await once(child.stdout, 'data');
    child.kill('SIGTERM');
    const [code, signal] = await once(child, 'exit');
    expect(code === null ? signal : code).toBe('SIGTERM');
    const lines = readJsonLines(file);
    expect(lines.length).toBe(5000);
    expect(new Set(lines.map((l) => (l.attributes as { i: number }).i)).size).toBe(5000);
  });

  it('tracks an uncaught exception as critical, flushes, and still fails', async () => {
    const file = join(tempDir(), 'events.jsonl');
    const { child, stderr } = run(file, 3, 'crash');
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr()).toContain('kaboom');
    const crash = readJsonLines(file).find((l) => l.event === 'uncaught_exception');
    expect(crash).toMatchObject({ severity: 'critical', error: { type: 'Error', message: 'kaboom' } });
  });

  it('tracks an unhandled rejection as critical', async () => {
    const file = join(tempDir(), 'events.jsonl');
    const { child } = run(file, 1, 'reject');
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(readJsonLines(file).find((l) => l.event === 'unhandled_rejection')).toMatchObject({
      severity: 'critical',
      error: { type: 'RangeError', message: 'rejected' },
    });
  });
});
