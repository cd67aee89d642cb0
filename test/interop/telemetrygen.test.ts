import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventJson } from '../../model/event-json.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { type Child, freePort, Processes, startUnitrack } from './helpers/otelcol.ts';
import { runTelemetrygen, telemetrygenBinary } from './helpers/telemetrygen.ts';

// telemetrygen, the OpenTelemetry Collector's own load generator (Go SDK exporters), sends
// thousands of logs to `unitrack collector` over OTLP/gRPC (its default) and over OTLP/HTTP; every
// record must reach the JSON lines file with its trace ID, severity and service name.

const build = telemetrygenBinary();
const skip = 'skip' in build ? build.skip : undefined;
if (skip) console.warn(`telemetrygen interop skipped: ${skip}`);

const LOGS = 5000;
const RUNS = [
  { name: 'gRPC', service: 'tg-grpc', traceId: 'ae87dadd90e9935a4bc9660628efd569', severity: 17, text: 'Error', level: 'high' },
  { name: 'HTTP', service: 'tg-http', traceId: '5b8efff798038103d269b633813fc60c', severity: 13, text: 'Warn', level: 'medium' },
] as const;

describe.skipIf(skip !== undefined)(`telemetrygen → unitrack collector${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const processes = new Processes();
  const dir = tempDir('unitrack-telemetrygen-');
  const file = join(dir, 'events.jsonl');
  const ports = { grpc: 0, http: 0 };
  let unitrack: Child;
  const results: Record<string, { code: number | null; output: string }> = {};

  beforeAll(async () => {
    if ('error' in build) throw new Error(build.error);
    const bin = (build as { bin: string }).bin;
    ports.grpc = await freePort();
    ports.http = await freePort();
    unitrack = processes.add(
      startUnitrack(
        'unitrack-tg',
        dir,
        `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${ports.grpc} }
      http: { endpoint: 127.0.0.1:${ports.http} }
exporters:
  jsonfile: { path: ${JSON.stringify(file)} }
service:
  pipelines:
    logs: { receivers: [otlp], exporters: [jsonfile] }
`,
      ),
    );
    await unitrack.waitForPort(ports.grpc);
    await unitrack.waitForPort(ports.http);
    for (const run of RUNS) {
      const transport = run.name === 'HTTP' ? ['--otlp-http'] : [];
      results[run.name] = await runTelemetrygen(bin, [
        'logs',
        ...transport,
        '--otlp-endpoint',
        `127.0.0.1:${run.name === 'HTTP' ? ports.http : ports.grpc}`,
        '--otlp-insecure',
        '--logs',
        String(LOGS),
        '--rate',
        '0',
        '--service',
        run.service,
        '--trace-id',
        run.traceId,
        '--span-id',
        '5fb397be34d26b51',
        '--severity-number',
        String(run.severity),
        '--severity-text',
        run.text,
        '--body',
        `sent over ${run.name}`,
      ]);
    }
    // Stopping drains the collector: every accepted record is in the file after exit.
    await unitrack.stop(60_000);
  });

  afterAll(async () => {
    await processes.stopAll();
  });

  it.each(RUNS)('all $name logs arrive with their trace ID, severity and service name', (run) => {
    expect(results[run.name].code, results[run.name].output).toBe(0);
    const lines = readJsonLines<EventJson>(file).filter((e) => e.service === run.service);
    expect(lines.length, unitrack.output()).toBe(LOGS);
    for (const e of lines) {
      expect(e.trace_id).toBe(run.traceId);
      expect(e.span_id).toBe('5fb397be34d26b51');
      expect(e.severity).toBe(run.level);
      expect(e.message).toBe(`sent over ${run.name}`);
    }
  });

  it('the collector drained and exited cleanly on SIGTERM', () => {
    expect(unitrack.exitCode, unitrack.output()).toBe(0);
    expect(unitrack.stderr).toMatch(/OTLP\/gRPC/);
  });
});
