import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventJson } from '../../model/event-json.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { type Child, freePort, Processes, startUnitrack } from './helpers/otelcol.ts';
import { pythonOtelVenv, type RunResult, runPython } from './helpers/python.ts';

// The OpenTelemetry Python SDK's OTLP/gRPC exporters (grpcio) send a thousand logs, an event and
// a span with a recorded exception to `unitrack collector`'s gRPC receiver, logs gzipped.

const app = join(import.meta.dirname, 'fixtures', 'python_grpc_app.py');
const venv = pythonOtelVenv();
const skip = 'skip' in venv ? venv.skip : undefined;
if (skip) console.warn(`python-grpc interop skipped: ${skip}`);

const LOGS = 1000;
const LEVELS = ['info', 'medium', 'high'];

describe.skipIf(skip !== undefined)(`OpenTelemetry Python SDK (gRPC) → unitrack collector${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const processes = new Processes();
  const dir = tempDir('unitrack-python-grpc-');
  const file = join(dir, 'events.jsonl');
  let unitrack: Child;
  let run: RunResult;
  let sent: { trace_id: string; span_id: string; records: number };

  beforeAll(async () => {
    if ('error' in venv) throw new Error(venv.error);
    const port = await freePort();
    unitrack = processes.add(
      startUnitrack(
        'unitrack-python-grpc',
        dir,
        `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${port} }
exporters:
  jsonfile: { path: ${JSON.stringify(file)} }
service:
  pipelines:
    logs: { receivers: [otlp], exporters: [jsonfile] }
`,
      ),
    );
    await unitrack.waitForPort(port);
    run = await runPython((venv as { python: string }).python, app, {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'gzip',
      APP_LOGS: String(LOGS),
      APP_SERVICE_NAME: 'python-grpc',
    });
    sent = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}');
    await unitrack.stop(60_000);
  });

  afterAll(async () => {
    await processes.stopAll();
  });

  it('every log arrives with the span’s IDs, its severity and the service name', () => {
    expect(run.code, run.stderr).toBe(0);
    const events = readJsonLines<EventJson>(file).filter((e) => String(e.attributes?.rid ?? '').startsWith('py-'));
    expect(events.length, unitrack.output()).toBe(sent.records);
    for (const e of events) {
      expect([e.trace_id, e.span_id, e.service]).toEqual([sent.trace_id, sent.span_id, 'python-grpc']);
      const i = Number(String(e.attributes?.rid).slice(3));
      if (Number.isInteger(i)) expect(e.severity).toBe(LEVELS[i % 3]);
    }
    expect(events.find((e) => e.attributes?.rid === 'py-event')?.event).toBe('order_placed');
  });

  it('the exception recorded on the span arrives over TraceService as a record', () => {
    const exception = readJsonLines<EventJson>(file).find((e) => e.event === 'exception');
    expect(exception).toMatchObject({
      trace_id: sent.trace_id,
      span_id: sent.span_id,
      error: { type: 'ValueError', message: 'bad input over grpc' },
    });
    expect(unitrack.exitCode, unitrack.output()).toBe(0);
  });
});
