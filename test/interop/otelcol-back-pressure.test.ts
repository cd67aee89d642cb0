import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventJson } from '../../model/event-json.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { type Child, freePort, httpSink, otelcolBinary, Processes, startOtelcol, startUnitrack, waitFor } from './helpers/otelcol.ts';

// Back-pressure across the two collectors: a client sends to otelcol, whose otlp_http exporter
// sends to `unitrack collector`. unitrack forwards to a slow OTLP destination through a small
// exporter queue, so its receiver answers 429 with Retry-After while that queue is 90% full;
// otelcol must retry, and every record must arrive exactly once (counted by ID in the JSON lines
// file unitrack writes, and at the slow destination).

const build = otelcolBinary();
const skip = 'skip' in build ? build.skip : undefined;
if (skip) console.warn(`otelcol interop skipped: ${skip}`);

const TOTAL = 2000;
const PER_REQUEST = 100;

function otelcolConfig(port: number, unitrackPort: number): string {
  return `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${unitrackPort}
    retry_on_failure:
      enabled: true
      initial_interval: 100ms
      max_interval: 1s
      max_elapsed_time: 0
    sending_queue:
      enabled: true
      queue_size: 5000
service:
  pipelines:
    logs:
      receivers: [otlp]
      exporters: [otlp_http]
`;
}

function unitrackConfig(dir: string, port: number, dashboardPort: number, slowUrl: string, queueSize: number): string {
  return `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
        retry_after: 1
exporters:
  jsonfile: { path: ${JSON.stringify(join(dir, 'events.jsonl'))} }
  otlp_http/slow:
    endpoint: ${slowUrl}
    encoding: json
    compression: none
    sending_queue: { queue_size: ${queueSize} }
  dashboard: { endpoint: 127.0.0.1:${dashboardPort} }
service:
  pipelines:
    logs: { receivers: [otlp], exporters: [jsonfile, otlp_http/slow, dashboard] }
`;
}

function request(from: number, count: number): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  const logRecords = Array.from({ length: count }, (_, k) => ({
    timeUnixNano: `${now + BigInt(k)}`,
    severityNumber: 9,
    severityText: 'INFO',
    body: { stringValue: `record ${from + k}` },
    attributes: [{ key: 'rid', value: { stringValue: `id-${from + k}` } }],
  }));
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'load' } }] },
        scopeLogs: [{ scope: { name: 'load' }, logRecords }],
      },
    ],
  });
}

/** Record IDs in the OTLP/JSON bodies the slow destination received. */
function idsIn(body: Buffer): string[] {
  const parsed = JSON.parse(String(body)) as {
    resourceLogs?: { scopeLogs?: { logRecords?: { attributes?: { key: string; value: { stringValue?: string } }[] }[] }[] }[];
  };
  return (parsed.resourceLogs ?? []).flatMap((rl) =>
    (rl.scopeLogs ?? []).flatMap((sl) =>
      (sl.logRecords ?? []).map((r) => r.attributes?.find((a) => a.key === 'rid')?.value.stringValue ?? '?'),
    ),
  );
}

// Two queue sizes: one a request fits in (admitted while there is headroom), and one smaller than
// a request (admitted only when everything is idle, and then it must not overflow: this case lost
// half of every request before exporters/export-queue.ts got allowBurst).
const CASES = [
  { queueSize: 150, label: 'requests smaller than the queue' },
  { queueSize: 50, label: 'requests larger than the queue' },
];

describe.skipIf(skip !== undefined).each(CASES)(
  `otelcol otlp_http → unitrack collector under back-pressure, $label${skip ? ` (skipped: ${skip})` : ''}`,
  ({ queueSize }) => {
    const processes = new Processes();
    const dir = tempDir('unitrack-otelcol-bp-');
    let unitrack: Child;
    let slow: Awaited<ReturnType<typeof httpSink>>;
    let dashboardPort = 0;
    let metricsWhileFull = '';

    beforeAll(async () => {
      if ('error' in build) throw new Error(build.error);
      const bin = (build as { bin: string }).bin;
      // The slow destination: 150 ms per export.
      slow = await httpSink(processes, async (_req, res) => {
        await new Promise((r) => setTimeout(r, 150));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
      const [otelPort, utPort] = [await freePort(), await freePort()];
      dashboardPort = await freePort();
      unitrack = processes.add(startUnitrack('unitrack-bp', dir, unitrackConfig(dir, utPort, dashboardPort, slow.url, queueSize)));
      await unitrack.waitForPort(utPort);
      const config = join(dir, 'otelcol.yaml');
      writeFileSync(config, otelcolConfig(otelPort, utPort));
      const otelcol = processes.add(startOtelcol(bin, 'otelcol-bp', config));
      await otelcol.waitForPort(otelPort);

      for (let i = 0; i < TOTAL; i += PER_REQUEST) {
        const res = await fetch(`http://127.0.0.1:${otelPort}/v1/logs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: request(i, PER_REQUEST),
        });
        expect(res.status, await res.text()).toBe(200);
      }
      const metrics = () => fetch(`http://127.0.0.1:${dashboardPort}/metrics`).then((r) => r.text());
      await waitFor(
        async () => /unitrack_receiver_throttled_requests_total\{[^}]*signal="logs"[^}]*\} [1-9]/.test(await metrics()),
        120_000,
        () => `unitrack never refused a request\n${processes.output()}`,
      );
      metricsWhileFull = await metrics();
      await waitFor(
        () => new Set(readJsonLines<EventJson>(join(dir, 'events.jsonl')).map((e) => e.attributes?.rid)).size >= TOTAL,
        240_000,
        () =>
          `only ${new Set(readJsonLines<EventJson>(join(dir, 'events.jsonl')).map((e) => e.attributes?.rid)).size} of ${TOTAL} arrived\n${processes.output()}`,
      );
      // Drain the slow destination too: stopping unitrack flushes its queues.
      await otelcol.stop();
      await unitrack.stop(60_000);
    });

    afterAll(async () => {
      await processes.stopAll();
    });

    it('unitrack refused requests with 429 while its exporter queue was full', () => {
      expect(metricsWhileFull).toMatch(/unitrack_receiver_throttled_requests_total\{[^}]*signal="logs"[^}]*\} [1-9]/);
    });

    it('otelcol retried: every record is in the JSON lines file exactly once', () => {
      const ids = readJsonLines<EventJson>(join(dir, 'events.jsonl')).map((e) => String(e.attributes?.rid));
      expect(new Set(ids).size).toBe(TOTAL);
      expect(ids).toHaveLength(TOTAL);
    });

    it('and the slow destination received every record exactly once', () => {
      const ids = slow.requests.flatMap((r) => idsIn(r.body));
      expect(new Set(ids).size, unitrack.output()).toBe(TOTAL);
      expect(ids).toHaveLength(TOTAL);
    });

    it('no exporter dropped anything', () => {
      expect(metricsWhileFull).not.toMatch(/unitrack_exporter_dropped_total\{[^}]*\} [1-9]/);
      expect(unitrack.exitCode, unitrack.output()).toBe(0);
    });
  },
);
