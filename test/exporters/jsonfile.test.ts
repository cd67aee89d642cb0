import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../../collector/config/load-config.ts';
import { PipelineRecord } from '../../collector/record.ts';
import { Service } from '../../collector/service.ts';
import { JsonLinesWriter } from '../../exporters/jsonfile/json-lines-writer.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

function rec(i: number, body = `event ${i}`) {
  return new PipelineRecord({
    hrTime: [1_763_834_592, i],
    resource: resourceFromAttributes({ 'service.name': 'svc' }),
    instrumentationScope: { name: 'scope', version: '1.0' },
    body,
    eventName: 'evt',
    severityNumber: 13,
    spanContext: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 },
    attributes: { i, 'unitrack.category': 'task' },
  });
}

function service(path: string, extra: Record<string, unknown> = {}) {
  return new Service(
    loadServiceConfig({
      receivers: { otlp: {} },
      exporters: { jsonfile: { path, ...extra } },
      service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['jsonfile'] } } },
    }),
  );
}

describe('the jsonfile exporter', () => {
  it('rotates by size, keeps a bounded number of gzipped backups', async () => {
    const dir = tempDir();
    const path = join(dir, 'events.jsonl');
    const s = service(path, { rotation: { max_megabytes: 0.01, max_backups: 2, compress: true } });
    for (let i = 0; i < 60; i++) {
      s.ingest([rec(i, `event ${i} ${'y'.repeat(1000)}`)]);
      await s.forceFlush();
    }
    await s.shutdown();
    const files = readdirSync(dir);
    const backups = files.filter((f) => f.endsWith('.jsonl.gz'));
    expect(backups).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('.jsonl') && f !== 'events.jsonl')).toHaveLength(0);
    for (const b of backups) {
      const lines = gunzipSync(readFileSync(join(dir, b)))
        .toString()
        .trim()
        .split('\n');
      for (const l of lines) expect(JSON.parse(l).message).toMatch(/^event \d+ y+$/);
    }
    const current = readJsonLines(path);
    expect(current.at(-1)?.message).toMatch(/^event 59 /);
  });

  it('writes OTLP JSON requests with format: otlp_json', async () => {
    const path = join(tempDir(), 'otlp.jsonl');
    const s = service(path, { format: 'otlp_json' });
    s.ingest([rec(1), rec(2)]);
    await s.shutdown();
    const [request] = readJsonLines<{
      resourceLogs: { resource: unknown; scopeLogs: { scope: unknown; logRecords: Record<string, unknown>[] }[] }[];
    }>(path);
    const logs = request.resourceLogs[0].scopeLogs[0].logRecords;
    expect(request.resourceLogs[0].resource).toEqual({ attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] });
    expect(request.resourceLogs[0].scopeLogs[0].scope).toEqual({ name: 'scope', version: '1.0' });
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatchObject({
      timeUnixNano: '1763834592000000001',
      severityNumber: 13,
      body: { stringValue: 'event 1' },
      eventName: 'evt',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      attributes: [
        { key: 'i', value: { intValue: '1' } },
        { key: 'unitrack.category', value: { stringValue: 'task' } },
      ],
    });
  });

  it('cuts a torn last line when it opens a file', () => {
    const path = join(tempDir(), 'torn.jsonl');
    writeFileSync(path, '{"a":1}\n{"b":2}\n{"c":');
    const w = new JsonLinesWriter(path, { maxBytes: 0, maxAgeMs: 0, maxBackups: 0, compress: false });
    expect(w.append('{"d":4}\n')).toBeUndefined();
    w.close();
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"b":2}\n{"d":4}\n');
  });

  it('leaves only whole lines when the writer is killed at a random moment', async () => {
    const path = join(tempDir(), 'killed.jsonl');
    const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'jsonfile-writer.ts'), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await once(child.stdout, 'data');
    await new Promise((r) => setTimeout(r, Math.random() * 200));
    child.kill('SIGKILL');
    await once(child, 'exit');
    // Whatever the kill left, a new writer repairs it on open and every line parses.
    const s = service(path);
    s.ingest([rec(999_999)]);
    await s.shutdown();
    const text = readFileSync(path, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(JSON.parse(lines.at(-1) as string).attributes.i).toBe(999_999);
  });

  it('reports and counts a full disk', async () => {
    const s = service('/dev/full');
    s.ingest([rec(1), rec(2)]);
    await s.forceFlush();
    expect(s.telemetry.value('unitrack_jsonfile_write_errors_total', { exporter: 'jsonfile' })).toBe(1);
    expect(s.telemetry.value('unitrack_jsonfile_dropped_total', { exporter: 'jsonfile' })).toBe(2);
    expect(s.telemetry.value('unitrack_exporter_failed_total', { exporter: 'jsonfile' })).toBe(2);
    await s.shutdown();
  });

  it('recovers when a vanished or blocked directory comes back', async () => {
    const dir = tempDir();
    const path = join(dir, 'logs', 'events.jsonl');
    const s = service(path);
    s.ingest([rec(1)]);
    await s.forceFlush();
    // The directory vanishes, and a file stands where it was: writes fail, are counted.
    rmSync(join(dir, 'logs'), { recursive: true });
    writeFileSync(join(dir, 'logs'), 'in the way');
    let n = 2;
    while (s.telemetry.value('unitrack_jsonfile_write_errors_total', { exporter: 'jsonfile' }) === 0) {
      s.ingest([rec(n++)]);
      await s.forceFlush();
      await new Promise((r) => setTimeout(r, 100));
    }
    // The problem clears: writing resumes at the same path.
    rmSync(join(dir, 'logs'));
    mkdirSync(join(dir, 'logs'));
    while (!existsSync(path) || readJsonLines(path).length === 0) {
      s.ingest([rec(n++)]);
      await s.forceFlush();
      await new Promise((r) => setTimeout(r, 100));
    }
    await s.shutdown();
    expect(readJsonLines(path).at(-1)?.message).toBe(`event ${n - 1}`);
    appendFileSync(path, '');
  });
});
