import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gunzipSync, gzipSync } from 'node:zlib';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { JsonLinesWriter, type RotationOptions } from '../../exporters/jsonfile/json-lines-writer.ts';
import { PipelineRecord } from '../../model/record.ts';
import { Service } from '../../pipeline/service.ts';
import { decodeLogsJson } from '../../receivers/otlp/json-decode.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rec(i: number, body = `event ${i}`, attributes: Record<string, unknown> = {}) {
  return new PipelineRecord({
    hrTime: [1_763_834_592, i],
    resource: resourceFromAttributes({ 'service.name': 'svc' }),
    instrumentationScope: { name: 'scope', version: '1.0' },
    body,
    eventName: 'evt',
    severityNumber: 13,
    spanContext: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 },
    attributes: { i, 'unitrack.category': 'task', ...attributes } as never,
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

const NO_ROTATION: RotationOptions = { maxBytes: 0, intervalMs: 0, maxAgeMs: 0, maxBackups: 0, compress: false, localTime: false };

function allLinesParse(text: string): unknown[] {
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

describe('the jsonfile exporter: format', () => {
  it('writes the design fields of an event, and leaves out empty ones', async () => {
    const path = join(tempDir(), 'events.jsonl');
    const s = service(path);
    const full = new PipelineRecord({
      hrTime: [1_763_834_592, 123_000_000],
      resource: resourceFromAttributes({ 'service.name': 'shop' }),
      instrumentationScope: { name: 'unitrack' },
      body: 'Memory server failed to respond',
      eventName: 'mcp_server_failed',
      severityNumber: 17,
      severityText: 'HIGH',
      spanContext: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 },
      attributes: {
        'unitrack.category': 'mcp',
        'unitrack.component': 'mcp_client',
        'unitrack.fingerprint': '0123456789abcdef0123',
        'unitrack.group.count': 3,
        'unitrack.correlation_id': 'corr-1',
        'unitrack.request_id': 'req-1',
        'unitrack.sample.rate': 0.5,
        'user.id': 'u-42',
        'exception.type': 'TimeoutError',
        'exception.message': 'no answer in 5s',
        'exception.stacktrace': 'TimeoutError: no answer in 5s\n    at call (client.ts:1:1)',
        'mcp.server': 'memory',
        retries: 2,
      },
    });
    const bare = new PipelineRecord({
      hrTime: [1_763_834_593, 0],
      resource: resourceFromAttributes({}),
      instrumentationScope: { name: 'x' },
    });
    s.ingest([full, bare]);
    await s.shutdown();
    const [a, b] = readJsonLines(path);
    expect(a).toEqual({
      time: '2025-11-22T18:03:12.123Z',
      severity: 'high',
      event: 'mcp_server_failed',
      category: 'mcp',
      component: 'mcp_client',
      message: 'Memory server failed to respond',
      fingerprint: '0123456789abcdef0123',
      group_count: 3,
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      correlation_id: 'corr-1',
      request_id: 'req-1',
      service: 'shop',
      user: 'u-42',
      error: { type: 'TimeoutError', message: 'no answer in 5s', stack: 'TimeoutError: no answer in 5s\n    at call (client.ts:1:1)' },
      attributes: { 'mcp.server': 'memory', retries: 2 },
      sample_rate: 0.5,
    });
    expect(b).toEqual({ time: '2025-11-22T18:03:13.000Z', severity: 'info' });
  });

  it('writes OTLP JSON requests with format: otlp_json, which an OTLP JSON decoder reads back', async () => {
    const path = join(tempDir(), 'otlp.jsonl');
    const s = service(path, { format: 'otlp_json' });
    const other = new PipelineRecord({
      hrTime: [1_763_834_600, 5],
      resource: resourceFromAttributes({ 'service.name': 'other', 'host.id': 7 }),
      instrumentationScope: { name: 'other-scope' },
      body: { structured: true, n: 1.5 },
      severityNumber: 21,
      attributes: { big: 2 ** 60, ratio: 0.25, list: ['a', 1, false], map: { k: 'v' }, bytes: new Uint8Array([1, 2, 3]) } as never,
    });
    s.ingest([rec(1), rec(2), other]);
    await s.shutdown();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const request = JSON.parse(lines[0]);
    expect(request.resourceLogs).toHaveLength(2);
    const [first, second] = request.resourceLogs;
    expect(first.resource).toEqual({ attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] });
    expect(first.scopeLogs[0].scope).toEqual({ name: 'scope', version: '1.0' });
    expect(first.scopeLogs[0].logRecords).toHaveLength(2);
    expect(first.scopeLogs[0].logRecords[0]).toEqual({
      timeUnixNano: '1763834592000000001',
      observedTimeUnixNano: '1763834592000000001',
      severityNumber: 13,
      body: { stringValue: 'event 1' },
      attributes: [
        { key: 'i', value: { intValue: '1' } },
        { key: 'unitrack.category', value: { stringValue: 'task' } },
      ],
      flags: 1,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      eventName: 'evt',
    });
    const log = second.scopeLogs[0].logRecords[0];
    expect(log.attributes).toEqual([
      { key: 'big', value: { doubleValue: 2 ** 60 } },
      { key: 'ratio', value: { doubleValue: 0.25 } },
      {
        key: 'list',
        value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }, { boolValue: false }] } },
      },
      { key: 'map', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } },
      { key: 'bytes', value: { bytesValue: 'AQID' } },
    ]);
    expect(log.traceId).toBeUndefined();

    // The line is a valid ExportLogsServiceRequest: the OTLP/HTTP JSON decoder takes it as is.
    const decoded = decodeLogsJson(Buffer.from(lines[0]));
    expect(decoded.records).toHaveLength(3);
    const [d1, , d3] = decoded.records;
    expect(d1.spanContext).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
    expect(d1.hrTime).toEqual([1_763_834_592, 1]);
    expect(d1.eventName).toBe('evt');
    expect(d1.resource.attributes['service.name']).toBe('svc');
    expect(d3.resource.attributes).toEqual({ 'service.name': 'other', 'host.id': 7 });
    expect(d3.body).toEqual({ structured: true, n: 1.5 });
    expect(d3.attributes.list).toEqual(['a', 1, false]);
  });
});

describe('the jsonfile exporter: rotation', () => {
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
    for (const b of backups) expect(b).toMatch(/^events-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}(-\d+)?\.jsonl\.gz$/);
    expect(files.filter((f) => f !== 'events.jsonl' && !f.endsWith('.gz'))).toEqual([]);
    const kept: number[] = [];
    for (const b of backups) {
      const text = gunzipSync(readFileSync(join(dir, b))).toString();
      const lines = allLinesParse(text) as { message: string; attributes: { i: number } }[];
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(0.01 * 1024 * 1024);
      for (const l of lines) expect(l.message).toMatch(/^event \d+ y+$/);
      kept.push(...lines.map((l) => l.attributes.i));
    }
    const current = readJsonLines<{ attributes: { i: number } }>(path).map((l) => l.attributes.i);
    // The newest events survive, in order, with no gap between the backups and the active file.
    const all = [...kept.sort((a, b) => a - b), ...current];
    expect(all.at(-1)).toBe(59);
    expect(all).toEqual(Array.from({ length: all.length }, (_, k) => 60 - all.length + k));
  });

  it('rotates by age, keeps every backup uncompressed without a limit', async () => {
    const dir = tempDir();
    const path = join(dir, 'aged.jsonl');
    const s = service(path, { rotation: { interval: '40ms', max_backups: 0, max_megabytes: 0 } });
    for (let i = 0; i < 3; i++) {
      s.ingest([rec(i)]);
      await s.forceFlush();
      await sleep(60);
    }
    await s.shutdown();
    const backups = readdirSync(dir).filter((f) => f !== 'aged.jsonl');
    expect(backups).toHaveLength(2);
    expect(backups.every((b) => b.endsWith('.jsonl'))).toBe(true);
    expect(readJsonLines(path).map((l) => l.message)).toEqual(['event 2']);
  });

  it('deletes backups older than max_days, finishes the compression an earlier run left and drops partial .gz files', async () => {
    const dir = tempDir();
    const path = join(dir, 'events.jsonl');
    const old = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 23).replace(/:/g, '-');
    const recent = new Date(Date.now() - 3_600_000).toISOString().slice(0, 23).replace(/:/g, '-');
    writeFileSync(join(dir, `events-${old}.jsonl.gz`), gzipSync('{"old":1}\n'));
    writeFileSync(join(dir, `events-${recent}.jsonl`), '{"recent":1}\n');
    writeFileSync(join(dir, `events-${recent}.jsonl.gz.tmp`), 'half a gzip');
    writeFileSync(join(dir, 'unrelated.txt'), 'not ours');
    const s = service(path, { rotation: { max_days: 2, compress: true } });
    s.ingest([rec(1)]);
    await s.shutdown();
    expect(readdirSync(dir).sort()).toEqual(['events.jsonl', `events-${recent}.jsonl.gz`, 'unrelated.txt'].sort());
    expect(gunzipSync(readFileSync(join(dir, `events-${recent}.jsonl.gz`))).toString()).toBe('{"recent":1}\n');
  });
});

describe('the jsonfile exporter: whole lines', () => {
  it('cuts a torn last line when it opens a file', async () => {
    const path = join(tempDir(), 'torn.jsonl');
    writeFileSync(path, '{"a":1}\n{"b":2}\n{"c":');
    const w = new JsonLinesWriter(path, NO_ROTATION);
    expect(await w.append(Buffer.from('{"d":4}\n'))).toBeUndefined();
    await w.close();
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"b":2}\n{"d":4}\n');
  });

  it('leaves only whole lines when the writer is killed at random moments and restarted', async () => {
    const path = join(tempDir(), 'killed.jsonl');
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [fixture('jsonfile-writer.ts'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
      await once(child.stdout, 'data');
      await sleep(Math.random() * 200);
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    // Whatever the last kill left, a new writer repairs it on open: every line parses.
    const s = service(path);
    s.ingest([rec(999_999)]);
    await s.shutdown();
    const lines = allLinesParse(readFileSync(path, 'utf8')) as { attributes: { i: number } }[];
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.at(-1)?.attributes.i).toBe(999_999);
  });

  it('never interleaves two exporters that name one file: they share one writer', async () => {
    const path = join(tempDir(), 'shared.jsonl');
    const s = new Service(
      loadServiceConfig({
        receivers: { otlp: {} },
        exporters: { 'jsonfile/a': { path }, 'jsonfile/b': { path }, 'jsonfile/c': { path, format: 'otlp_json' } },
        service: {
          pipelines: {
            'logs/a': { receivers: ['otlp'], exporters: ['jsonfile/a'] },
            'logs/b': { receivers: ['otlp'], exporters: ['jsonfile/b', 'jsonfile/c'] },
          },
        },
      }),
    );
    // Another format for the same file is refused (reported), the others work.
    expect(s.telemetry.value('unitrack_component_errors_total', { component: 'jsonfile/c' })).toBe(1);
    for (let k = 0; k < 20; k++)
      s.ingest(Array.from({ length: 100 }, (_, j) => rec(k * 100 + j, `event ${'w'.repeat((k * 100 + j) % 5000)}`)));
    await s.shutdown();
    const lines = allLinesParse(readFileSync(path, 'utf8'));
    expect(lines).toHaveLength(4000);
  });
});

describe('the jsonfile exporter: failures', () => {
  it('reports a full disk once and counts failed writes and dropped records', async () => {
    const s = service('/dev/full');
    s.ingest([rec(1), rec(2)]);
    await s.forceFlush();
    s.ingest([rec(3)]);
    await s.forceFlush();
    const labels = { exporter: 'jsonfile' };
    expect(s.telemetry.value('unitrack_jsonfile_write_errors_total', labels)).toBe(1);
    expect(s.telemetry.value('unitrack_jsonfile_dropped_total', labels)).toBe(3);
    expect(s.telemetry.value('unitrack_exporter_failed_total', labels)).toBe(3);
    expect(s.telemetry.value('unitrack_component_errors_total', { component: 'jsonfile' })).toBe(1);
    await s.shutdown();
  });

  it('keeps whole lines under a file-size limit (ulimit -f), and resumes when space is freed', async () => {
    const path = join(tempDir(), 'limited.jsonl');
    // 32 KiB: Node ignores SIGXFSZ, so a write past the limit is cut short, then fails with EFBIG.
    const child = spawn('bash', ['-c', 'ulimit -f 32 && exec "$0" "$1" "$2"', process.execPath, fixture('jsonfile-commands.ts'), path], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const send = async (command: string) => {
      child.stdin.write(`${command}\n`);
      return JSON.parse((await replies.next()).value as string) as Record<string, number>;
    };
    try {
      expect(await send('write 50')).toMatchObject({ errors: 0, sent: 50 });
      const before = readFileSync(path, 'utf8');
      // This batch crosses the limit: part of it reaches the disk, is undone, and the batch is dropped.
      const full = await send('write 150');
      expect(full).toMatchObject({ errors: 1, dropped: 150, sent: 50, reported: 1 });
      expect(readFileSync(path, 'utf8')).toBe(before);
      allLinesParse(before);
      // Space comes back (the file is moved away, as an outside rotation would): writing resumes.
      rmSync(path);
      let after = await send('write 10');
      while (after.sent === 50) {
        await sleep(200);
        after = await send('write 10');
      }
      expect(after.errors).toBe(1);
      const lines = allLinesParse(readFileSync(path, 'utf8')) as { message: string }[];
      expect(lines.length).toBeGreaterThanOrEqual(10);
      expect(lines.at(-1)?.message).toMatch(/^event \d+ z+$/);
      child.stdin.write('exit\n');
      await once(child, 'exit');
    } finally {
      child.kill();
    }
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
      await sleep(100);
    }
    expect(s.telemetry.value('unitrack_jsonfile_dropped_total', { exporter: 'jsonfile' })).toBeGreaterThan(0);
    // The problem clears: writing resumes at the same path.
    rmSync(join(dir, 'logs'));
    mkdirSync(join(dir, 'logs'));
    while (!existsSync(path) || readJsonLines(path).length === 0) {
      s.ingest([rec(n++)]);
      await s.forceFlush();
      await sleep(100);
    }
    await s.shutdown();
    expect(readJsonLines(path).at(-1)?.message).toBe(`event ${n - 1}`);
    expect(statSync(path).size).toBeGreaterThan(0);
  });
});

describe('the JSON lines writer: lines encoded into its own buffer', () => {
  it('writes lines and buffers queued behind a write in order, counting each one its UTF-8 bytes', async () => {
    const path = join(tempDir(), 'lines.jsonl');
    const w = new JsonLinesWriter(path, NO_ROTATION);
    // The first write is in flight while the next three queue: they go out together, in order.
    const first = w.appendLines(['{"a":1}', '{"b":"ünïcødé ✓ 😀"}']);
    const second = w.append(Buffer.from('{"c":3}\n'));
    const third = w.appendLines(['{"d":"é"}']);
    const fourth = w.appendLines([]);
    expect(await first).toEqual({ failure: undefined, bytes: Buffer.byteLength('{"a":1}\n{"b":"ünïcødé ✓ 😀"}\n') });
    expect(await second).toBeUndefined();
    expect(await third).toEqual({ failure: undefined, bytes: Buffer.byteLength('{"d":"é"}\n') });
    expect(await fourth).toEqual({ failure: undefined, bytes: 0 });
    // A write larger than the buffer kept between writes (4 MiB) gets one of its own.
    const big = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ i, pad: 'é'.repeat(1000) }));
    expect((await w.appendLines(big)).bytes).toBe(Buffer.byteLength(`${big.join('\n')}\n`));
    expect((await w.appendLines(['{"e":5}'])).bytes).toBe(8);
    await w.close();
    const text = readFileSync(path, 'utf8');
    expect(text).toBe(`{"a":1}\n{"b":"ünïcødé ✓ 😀"}\n{"c":3}\n{"d":"é"}\n${big.join('\n')}\n{"e":5}\n`);
  });
});
