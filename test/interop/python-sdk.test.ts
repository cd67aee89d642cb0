import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventJson } from '../../model/event-json.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { pythonOtelVenv, type RunResult, runPython } from './helpers/python.ts';

// The OpenTelemetry Python SDK (logs through the `logging` bridge and the logs API, a span with a
// recorded exception) sends OTLP/HTTP protobuf to `unitrack collector` running as a child process;
// the records are checked in the JSON lines files the collector writes.

const repo = join(import.meta.dirname, '..', '..');
const bin = join(repo, 'bin', 'unitrack.ts');
const app = join(import.meta.dirname, 'fixtures', 'python_app.py');

const venv = pythonOtelVenv();
const skipReason = 'skip' in venv ? venv.skip : undefined;
if (skipReason) console.warn(`python-sdk interop skipped: ${skipReason}`);

interface AppOutput {
  trace_id: string;
  span_id: string;
  service: string;
  records: number;
}

/** One OTLP/JSON request per line, as the `otlp_json` format of the jsonfile exporter writes it. */
interface OtlpJsonLine {
  resourceLogs: { scopeLogs: { logRecords: { severityNumber?: number; severityText?: string; body?: { stringValue?: string } }[] }[] }[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function config(port: number, dir: string): string {
  return `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
processors:
  redaction: {}
  fingerprint:
    store: { path: ${JSON.stringify(join(dir, 'groups.db'))} }
  sampler:
    rates: { critical: 1, high: 1, medium: 1, low: 1, info: 1, debug: 1 }
connectors:
  routing:
    default_pipelines: [logs/archive]
    table:
      - context: log
        condition: severity_number >= SEVERITY_NUMBER_ERROR
        pipelines: [logs/notify, logs/archive]
exporters:
  jsonfile/notify: { path: ${JSON.stringify(join(dir, 'notify.jsonl'))} }
  jsonfile/archive: { path: ${JSON.stringify(join(dir, 'events.jsonl'))} }
  jsonfile/raw: { path: ${JSON.stringify(join(dir, 'raw.jsonl'))}, format: otlp_json }
  blog: { directory: ${JSON.stringify(join(dir, 'blog'))} }
service:
  pipelines:
    logs/in: { receivers: [otlp], processors: [redaction, fingerprint, sampler], exporters: [routing] }
    logs/notify: { receivers: [routing], exporters: [jsonfile/notify] }
    logs/archive: { receivers: [routing], exporters: [jsonfile/archive, jsonfile/raw, blog] }
`;
}

describe.skipIf(skipReason !== undefined)(
  `OpenTelemetry Python SDK → unitrack collector${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let dir = '';
    let events = '';
    let notify = '';
    let collector: ChildProcess | undefined;
    let collectorStderr = '';
    let collectorExit: number | null | undefined;
    let run: RunResult;
    let out: AppOutput;
    let records: EventJson[] = [];

    /** Context for a failed assertion: what both processes said. */
    const why = () =>
      `collector stderr:\n${collectorStderr}\npython exit ${run?.code}, stdout:\n${run?.stdout}\npython stderr:\n${run?.stderr}`;
    const byMessage = (message: string) => records.find((r) => r.message === message);

    beforeAll(async () => {
      if (!('python' in venv)) throw new Error('error' in venv ? venv.error : venv.skip);
      dir = tempDir('unitrack-python-');
      events = join(dir, 'events.jsonl');
      notify = join(dir, 'notify.jsonl');
      const port = await freePort();
      const file = join(dir, 'collector.yaml');
      writeFileSync(file, config(port, dir));
      collector = spawn(process.execPath, [bin, 'collector', '--config', file], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, UNITRACK_LOG_LEVEL: '' },
      });
      const child = collector;
      await new Promise<void>((resolve, reject) => {
        child.stderr?.on('data', (c: Buffer) => {
          collectorStderr += String(c);
          if (collectorStderr.includes('collector running')) resolve();
        });
        child.on('exit', (code) => {
          collectorExit = code;
          reject(new Error(`the collector exited ${code} before it was running:\n${collectorStderr}`));
        });
      });

      run = await runPython(venv.python, app, {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        // Traces gzipped, logs not: both request encodings the receiver accepts.
        OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'none',
        PYTHONDONTWRITEBYTECODE: '1',
      });
      if (run.code !== 0) throw new Error(`python_app.py failed\n${why()}`);
      out = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as AppOutput;

      // The app has flushed; the collector writes on its own schedule. Wait for every record, with
      // a generous cap so that a lost record fails with both processes' output rather than hanging.
      const deadline = Date.now() + 60_000;
      while (readJsonLines(events).length < out.records && collectorExit === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      records = readJsonLines<EventJson>(events);
      if (records.length < out.records) {
        throw new Error(`${records.length} of ${out.records} records arrived in events.jsonl\n${why()}`);
      }
    });

    afterAll(async () => {
      if (collector && collector.exitCode === null && collector.signalCode === null) {
        const exited = new Promise((resolve) => collector?.once('exit', resolve));
        collector.kill('SIGKILL');
        await exited;
      }
    });

    it('receives every record, each with the span’s trace and span IDs and the Python service name', () => {
      expect(records, why()).toHaveLength(out.records);
      expect(out.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(out.span_id).toMatch(/^[0-9a-f]{16}$/);
      for (const r of records) {
        expect(r, why()).toMatchObject({ trace_id: out.trace_id, span_id: out.span_id, service: 'python-checkout' });
        expect(r.sample_rate).toBe(1);
      }
    });

    it('groups the timeouts with different durations and users under one fingerprint', () => {
      const timeouts = records.filter((r) => r.message?.startsWith('Timeout after'));
      expect(timeouts.map((r) => r.message).sort(), why()).toEqual([
        'Timeout after 17ms for user 7',
        'Timeout after 2048ms for user 1234',
        'Timeout after 532ms for user 42',
      ]);
      const fingerprints = new Set(timeouts.map((r) => r.fingerprint));
      expect(fingerprints.size).toBe(1);
      const [fingerprint] = fingerprints;
      expect(fingerprint).toMatch(/^[0-9a-f]{16,}$/);
      expect(timeouts.map((r) => r.group_count).sort()).toEqual([1, 2, 3]);
      // In the order they were logged.
      expect(timeouts.sort((a, b) => (a.group_count ?? 0) - (b.group_count ?? 0)).map((r) => r.message)).toEqual([
        'Timeout after 532ms for user 42',
        'Timeout after 17ms for user 7',
        'Timeout after 2048ms for user 1234',
      ]);
      expect(records.filter((r) => r.fingerprint === fingerprint)).toHaveLength(3);
    });

    it('maps logging.exception records to error.type, error.message and error.stack, with extras as attributes', () => {
      const failed = records.find((r) => r.message === 'Payment failed' && r.attributes?.['order.id'] === 'B-2002');
      expect(failed, why()).toBeDefined();
      expect(failed).toMatchObject({
        severity: 'high',
        error: { type: 'PaymentDeclined', message: 'card declined for order B-2002' },
      });
      expect(failed?.error?.stack).toContain('Traceback (most recent call last)');
      expect(failed?.error?.stack).toMatch(/python_app\.py", line \d+, in charge/);
      expect(failed?.attributes?.['code.function.name']).toBe('main');
      // Redaction ran on the OTLP records: the password in `extra` reached no file.
      expect(failed?.attributes?.password).toBe('[REDACTED]');
      for (const f of ['events.jsonl', 'notify.jsonl', 'raw.jsonl']) {
        expect(readFileSync(join(dir, f), 'utf8')).not.toContain('hunter2');
      }
    });

    it('groups Python exceptions by the traceback’s innermost frame', () => {
      const failed = records.filter((r) => r.message === 'Payment failed');
      const where = (r: EventJson) => (r.error?.stack?.includes(', in refund') ? 'refund' : 'charge');
      const charges = failed.filter((r) => where(r) === 'charge');
      const refunds = failed.filter((r) => where(r) === 'refund');
      expect([charges.length, refunds.length], why()).toEqual([2, 1]);
      expect(charges[0].fingerprint).toBe(charges[1].fingerprint);
      expect(charges.map((r) => r.group_count).sort()).toEqual([1, 2]);
      expect(refunds[0].fingerprint).not.toBe(charges[0].fingerprint);
      expect(refunds[0].group_count).toBe(1);
    });

    it('reads Python’s levels per the design’s table', () => {
      expect(byMessage('Cart loaded with 3 items')?.severity, why()).toBe('debug');
      expect(byMessage('Checkout started')?.severity).toBe('info');
      expect(byMessage('Inventory low for sku SKU-7731: 2 left')?.severity).toBe('medium');
      expect(byMessage('Timeout after 532ms for user 42')?.severity).toBe('high');
      expect(byMessage('Database connection pool exhausted')?.severity).toBe('critical');
      // The numbers arrive unchanged (DEBUG 5, INFO 9, WARNING 13, ERROR 17, CRITICAL 21), with
      // the SDK's texts (WARN and FATAL, as the OpenTelemetry data model displays them).
      const raw = readJsonLines<OtlpJsonLine>(join(dir, 'raw.jsonl')).flatMap((l) =>
        l.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)),
      );
      const severityOfBody = (body: string) => {
        const r = raw.find((x) => x.body?.stringValue === body);
        return [r?.severityNumber, r?.severityText];
      };
      expect(severityOfBody('Cart loaded with 3 items'), JSON.stringify(raw)).toEqual([5, 'DEBUG']);
      expect(severityOfBody('Checkout started')).toEqual([9, 'INFO']);
      expect(severityOfBody('Inventory low for sku SKU-7731: 2 left')).toEqual([13, 'WARN']);
      expect(severityOfBody('Timeout after 17ms for user 7')).toEqual([17, 'ERROR']);
      expect(severityOfBody('Database connection pool exhausted')).toEqual([21, 'FATAL']);
    });

    it('keeps the logs API record’s event name and unitrack attributes', () => {
      expect(byMessage('Retries exhausted for job 991'), why()).toMatchObject({
        event: 'job.retries_exhausted',
        severity: 'high',
        category: 'task',
        component: 'worker',
        user: 'u-9',
        // int64 past 2^53 keeps its digits (as a string); bytes are base64.
        attributes: { attempts: 5, 'job.snowflake': '4611686018427387905', 'job.checksum': 'AAH/' },
      });
    });

    it('turns the span event with an exception (gzipped /v1/traces) into a record with the span’s IDs', () => {
      const fromSpan = records.filter((r) => r.event === 'exception');
      expect(fromSpan, why()).toHaveLength(1);
      expect(fromSpan[0]).toMatchObject({
        severity: 'high',
        message: 'upstream reset the connection',
        trace_id: out.trace_id,
        span_id: out.span_id,
        service: 'python-checkout',
        error: { type: 'ConnectionResetError', message: 'upstream reset the connection' },
      });
      expect(fromSpan[0].error?.stack).toMatch(/in call_upstream/);
      expect(fromSpan[0].fingerprint).toMatch(/^[0-9a-f]{16,}$/);
    });

    it('routes high and critical records to notify.jsonl and every record to events.jsonl', () => {
      const high = records.filter((r) => r.severity === 'high' || r.severity === 'critical');
      expect(high.length, why()).toBe(9);
      const notified = readJsonLines<EventJson>(notify);
      expect(notified.map((r) => r.message).sort()).toEqual(high.map((r) => r.message).sort());
      expect(notified.every((r) => r.trace_id === out.trace_id)).toBe(true);
      expect(new Set(records.map((r) => r.severity))).toEqual(new Set(['debug', 'info', 'medium', 'high', 'critical']));
    });

    it('drains on SIGTERM, leaving the blog written', async () => {
      const child = collector as ChildProcess;
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited, why()).toBe(0);
      const blogDir = join(dir, 'blog');
      const days = existsSync(blogDir) ? readdirSync(blogDir).filter((f) => /^\d{4}-\d{2}-\d{2}\.md$/.test(f)) : [];
      expect(days.length, why()).toBeGreaterThan(0);
      const blog = days.map((d) => readFileSync(join(blogDir, d), 'utf8')).join('\n');
      expect(blog).toContain('**CRITICAL**');
      expect(blog).toContain('Database connection pool exhausted');
      expect(blog).toContain(`trace ${out.trace_id.slice(0, 8)}`);
      expect(readJsonLines(events)).toHaveLength(out.records);
    });
  },
);
