import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { installDiagLogger } from '../../sdk/diag-logger.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { killApps, runApp } from './fixtures/run-app.ts';

const APP = join(import.meta.dirname, 'fixtures', 'node-sdk-app.ts');
afterEach(killApps);

describe('unitrackProcessor() in an application’s own NodeSDK', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('drains on %s when the application has no handler, then ends by the signal', async (signal) => {
    const file = join(tempDir(), 'events.jsonl');
    const app = runApp(APP, [JSON.stringify({ file, processor: true, events: 15, wait: true })]);
    await app.printed('ready');
    app.kill(signal);
    expect(await app.exit).toBe(signal);
    expect(readJsonLines(file).map((l) => l.severity)).toEqual(Array(15).fill('high'));
  });

  it('without the drain (handleSignals: false) the held events are lost: what the test above proves is the drain', async () => {
    const file = join(tempDir(), 'events.jsonl');
    const app = runApp(APP, [JSON.stringify({ file, processor: true, handleSignals: false, events: 15, wait: true })]);
    await app.printed('ready');
    app.kill('SIGTERM');
    expect(await app.exit).toBe('SIGTERM');
    expect(readJsonLines(file)).toHaveLength(0);
  });

  it('flushes on beforeExit: a script that tracks and ends has its events written', async () => {
    const file = join(tempDir(), 'events.jsonl');
    const app = runApp(APP, [JSON.stringify({ file, processor: true, events: 15 })]);
    expect(await app.exit).toBe(0);
    expect(readJsonLines(file)).toHaveLength(15);
  });
});

describe('initTracking() in an application that already started a NodeSDK', () => {
  it('joins it: no duplicate registration, track() reaches the NodeSDK’s processors, unitrack’s among them', async () => {
    const dir = tempDir();
    const file = join(dir, 'events.jsonl');
    const app = runApp(APP, [JSON.stringify({ file, processor: true, init: true, events: 15 })]);
    expect(await app.exit).toBe(0);
    expect(app.stderr()).not.toContain('duplicate registration');
    expect(app.stderr()).toBe('');
    expect(app.stdout()).toContain('app-records 15');
    expect(readJsonLines(file)).toHaveLength(15);
    expect(readJsonLines(file)[0]).toMatchObject({ service: 'guest-app' });
    // No second pipeline: initTracking's own data directory was never made.
    expect(existsSync(join(dir, 'init-data'))).toBe(false);
  });

  it('without unitrackProcessor() in it: says once what to do, starts no second pipeline, track() still reaches the app’s SDK', async () => {
    const dir = tempDir();
    const app = runApp(APP, [JSON.stringify({ file: join(dir, 'events.jsonl'), init: true, events: 15 })]);
    expect(await app.exit).toBe(0);
    const lines = app.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('logRecordProcessors: [unitrackProcessor()]');
    expect(app.stderr()).not.toContain('duplicate registration');
    expect(app.stdout()).toContain('app-records 15');
    expect(existsSync(join(dir, 'init-data'))).toBe(false);
  });
});

describe('the diag logger unitrack installs', () => {
  it('is installed only when the application has none', () => {
    const seen: string[] = [];
    const own = {
      error: (m: string) => seen.push(m),
      warn: (m: string) => seen.push(m),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    };
    diag.setLogger(own, DiagLogLevel.WARN);
    expect(installDiagLogger()).toBe(false);
    diag.warn('to the app');
    expect(seen).toEqual(['to the app']);
    diag.disable();
    expect(installDiagLogger()).toBe(true);
    diag.disable();
  });
});
