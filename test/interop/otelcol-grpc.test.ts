import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventJson } from '../../model/event-json.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import {
  type Child,
  freePort,
  httpSink,
  otelcolBinary,
  otlpAttr,
  otlpJsonRecords,
  Processes,
  startOtelcol,
  startUnitrack,
  waitFor,
} from './helpers/otelcol.ts';

// OTLP/gRPC both ways between otelcol and `unitrack collector`:
// - otelcol's otlp_grpc exporter into unitrack's gRPC receiver, which forwards to a slow
//   destination through a queue smaller than one request: unitrack answers RESOURCE_EXHAUSTED
//   with RetryInfo, otelcol retries, and every record arrives exactly once;
// - unitrack's otlp_grpc exporter into otelcol's gRPC receiver: records arrive with their IDs.

const build = otelcolBinary();
const skip = 'skip' in build ? build.skip : undefined;
if (skip) console.warn(`otelcol interop skipped: ${skip}`);

const TOTAL = 2000;
const PER_REQUEST = 100;
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

/** An OTLP/JSON logs request of `count` records with ids `id-<from>`…. */
function request(from: number, count: number, service: string): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  const logRecords = Array.from({ length: count }, (_, k) => ({
    timeUnixNano: `${now + BigInt(k)}`,
    severityNumber: 17,
    severityText: 'ERROR',
    body: { stringValue: `record ${from + k}` },
    traceId: TRACE_ID,
    spanId: 'b7ad6b7169203331',
    attributes: [{ key: 'rid', value: { stringValue: `id-${from + k}` } }],
  }));
  return JSON.stringify({
    resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeLogs: [{ logRecords }] }],
  });
}

async function send(port: number, service: string): Promise<void> {
  for (let i = 0; i < TOTAL; i += PER_REQUEST) {
    const res = await fetch(`http://127.0.0.1:${port}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: request(i, PER_REQUEST, service),
    });
    expect(res.status, await res.text()).toBe(200);
  }
}

/** Record IDs in the OTLP/JSON bodies a destination received. */
function idsIn(body: Buffer): string[] {
  return otlpJsonRecords(`${String(body)}\n`).map((r) => otlpAttr(r, 'rid') ?? '?');
}

describe.skipIf(skip !== undefined)(
  `otelcol otlp_grpc → unitrack gRPC receiver under back-pressure${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const processes = new Processes();
    const dir = tempDir('unitrack-otelcol-grpc-bp-');
    let unitrack: Child;
    let slow: Awaited<ReturnType<typeof httpSink>>;
    let metricsWhileFull = '';

    beforeAll(async () => {
      if ('error' in build) throw new Error(build.error);
      const bin = (build as { bin: string }).bin;
      // The slow destination: 150 ms per export.
      slow = await httpSink(processes, async (_req, res) => {
        await new Promise((r) => setTimeout(r, 150));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
      const [otelPort, grpcPort, dashboardPort] = [await freePort(), await freePort(), await freePort()];
      unitrack = processes.add(
        startUnitrack(
          'unitrack-grpc-bp',
          dir,
          `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpcPort}, retry_after: 1 }
exporters:
  jsonfile: { path: ${JSON.stringify(join(dir, 'events.jsonl'))} }
  otlp_http/slow:
    endpoint: ${slow.url}
    encoding: json
    compression: none
    sending_queue: { queue_size: 50 }
  dashboard: { endpoint: 127.0.0.1:${dashboardPort} }
service:
  pipelines:
    logs: { receivers: [otlp], exporters: [jsonfile, otlp_http/slow, dashboard] }
`,
        ),
      );
      await unitrack.waitForPort(grpcPort);
      const config = join(dir, 'otelcol.yaml');
      writeFileSync(
        config,
        `receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${otelPort} }
exporters:
  otlp_grpc:
    endpoint: 127.0.0.1:${grpcPort}
    tls: { insecure: true }
    retry_on_failure: { enabled: true, initial_interval: 100ms, max_interval: 1s, max_elapsed_time: 0 }
    sending_queue: { enabled: true, queue_size: 5000 }
service:
  pipelines:
    logs: { receivers: [otlp], exporters: [otlp_grpc] }
`,
      );
      const otelcol = processes.add(startOtelcol(bin, 'otelcol-grpc-bp', config));
      await otelcol.waitForPort(otelPort);
      await send(otelPort, 'grpc-bp');
      const metrics = () => fetch(`http://127.0.0.1:${dashboardPort}/metrics`).then((r) => r.text());
      const throttled = /unitrack_receiver_throttled_requests_total\{[^}]*signal="logs"[^}]*transport="grpc"[^}]*\} [1-9]/;
      await waitFor(
        async () => throttled.test(await metrics()),
        120_000,
        () => `unitrack never refused a request\n${processes.output()}`,
      );
      metricsWhileFull = await metrics();
      const arrived = () => new Set(readJsonLines<EventJson>(join(dir, 'events.jsonl')).map((e) => e.attributes?.rid)).size;
      await waitFor(
        () => arrived() >= TOTAL,
        240_000,
        () => `only ${arrived()} of ${TOTAL} arrived\n${processes.output()}`,
      );
      await otelcol.stop();
      await unitrack.stop(60_000);
    });

    afterAll(async () => {
      await processes.stopAll();
    });

    it('unitrack refused gRPC requests (RESOURCE_EXHAUSTED) while its exporter queue was full', () => {
      expect(metricsWhileFull).toMatch(/unitrack_receiver_throttled_requests_total\{[^}]*transport="grpc"[^}]*\} [1-9]/);
      expect(metricsWhileFull).not.toMatch(/unitrack_exporter_dropped_total\{[^}]*\} [1-9]/);
    });

    it('otelcol retried: every record is in the JSON lines file exactly once, with its trace ID, severity and service', () => {
      const events = readJsonLines<EventJson>(join(dir, 'events.jsonl'));
      const ids = events.map((e) => String(e.attributes?.rid));
      expect(new Set(ids).size).toBe(TOTAL);
      expect(ids).toHaveLength(TOTAL);
      for (const e of events) expect([e.trace_id, e.severity, e.service]).toEqual([TRACE_ID, 'high', 'grpc-bp']);
    });

    it('and the slow destination received every record exactly once', () => {
      const ids = slow.requests.flatMap((r) => idsIn(r.body));
      expect(new Set(ids).size, unitrack.output()).toBe(TOTAL);
      expect(ids).toHaveLength(TOTAL);
      expect(unitrack.exitCode, unitrack.output()).toBe(0);
    });
  },
);

describe.skipIf(skip !== undefined)(`unitrack otlp_grpc exporter → otelcol gRPC receiver${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const processes = new Processes();
  const dir = tempDir('unitrack-grpc-otelcol-');
  const out = join(dir, 'otelcol-out.jsonl');
  const received = () => (existsSync(out) ? otlpJsonRecords(readFileSync(out, 'utf8')) : []);
  let unitrack: Child;

  beforeAll(async () => {
    if ('error' in build) throw new Error(build.error);
    const bin = (build as { bin: string }).bin;
    const [otelGrpc, utPort] = [await freePort(), await freePort()];
    const config = join(dir, 'otelcol.yaml');
    writeFileSync(
      config,
      `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${otelGrpc} }
exporters:
  file: { path: ${JSON.stringify(out)}, format: json }
service:
  pipelines:
    logs: { receivers: [otlp], exporters: [file] }
`,
    );
    const otelcol = processes.add(startOtelcol(bin, 'otelcol-grpc-in', config));
    await otelcol.waitForPort(otelGrpc);
    unitrack = processes.add(
      startUnitrack(
        'unitrack-grpc-out',
        dir,
        `receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${utPort} }
exporters:
  otlp_grpc:
    endpoint: 127.0.0.1:${otelGrpc}
    tls: { insecure: true }
    headers: { x-tenant: unitrack }
service:
  pipelines:
    logs: { receivers: [otlp], exporters: [otlp_grpc] }
`,
      ),
    );
    await unitrack.waitForPort(utPort);
    await send(utPort, 'to-otelcol');
    await waitFor(
      () => received().length >= TOTAL,
      120_000,
      () => `otelcol has ${received().length} of ${TOTAL}\n${processes.output()}`,
    );
    await unitrack.stop(60_000);
    await otelcol.stop();
  });

  afterAll(async () => {
    await processes.stopAll();
  });

  it('every record reaches otelcol once, with its trace and span IDs, severity and attributes', () => {
    const records = received();
    const ids = records.map((r) => otlpAttr(r, 'rid'));
    expect(new Set(ids).size).toBe(TOTAL);
    expect(ids).toHaveLength(TOTAL);
    for (const r of records) {
      expect(r.traceId?.toLowerCase()).toBe(TRACE_ID);
      expect(r.spanId?.toLowerCase()).toBe('b7ad6b7169203331');
      expect([r.severityNumber, r.severityText]).toEqual([17, 'ERROR']);
    }
    expect(unitrack.exitCode, unitrack.output()).toBe(0);
  });
});
