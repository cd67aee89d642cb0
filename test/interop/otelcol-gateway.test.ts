import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
  repo,
  startNode,
  startOtelcol,
  startUnitrack,
  waitFor,
} from './helpers/otelcol.ts';

// Two Node services (A calls B over HTTP inside withCorrelation) with unitrack's SDK in OTLP mode
// → otelcol running collector-config/otelcol/gateway.yaml → unitrack collector (webhook, jsonfile,
// blog, dashboard). Every record must arrive with the trace and correlation IDs it left with, and
// each severity must land where the gateway's routing table sends it: high, critical and alerts
// at unitrack's notify receiver (and the archive), everything in the archive file and backend.

const build = otelcolBinary();
const skip = 'skip' in build ? build.skip : undefined;
if (skip) console.warn(`otelcol interop skipped: ${skip}`);

const service = join(import.meta.dirname, 'helpers', 'otelcol-service.ts');
const NOTIFIED = new Set(['high', 'critical', 'alert']);

interface Seen {
  trace_id: string;
  correlation_id: string;
  request_id: string;
  rids: string[];
}

function unitrackConfig(dir: string, ports: { notify: number; backend: number; dashboard: number }, webhook: string): string {
  const p = (name: string) => JSON.stringify(join(dir, name));
  return `receivers:
  otlp/notify:
    protocols: { http: { endpoint: 127.0.0.1:${ports.notify} } }
  otlp/backend:
    protocols: { http: { endpoint: 127.0.0.1:${ports.backend} } }
exporters:
  webhook:
    endpoint: ${webhook}
    retry_on_failure: { initial_interval: 100ms }
    spool: { directory: ${p('spool')} }
  jsonfile/notify: { path: ${p('notify.jsonl')} }
  jsonfile/archive: { path: ${p('archive.jsonl')} }
  blog: { directory: ${p('blog')} }
  dashboard: { endpoint: 127.0.0.1:${ports.dashboard} }
service:
  pipelines:
    logs/notify: { receivers: [otlp/notify], exporters: [webhook, jsonfile/notify] }
    logs/archive: { receivers: [otlp/backend], exporters: [jsonfile/archive, blog, dashboard] }
`;
}

describe.skipIf(skip !== undefined)(`Node services → otelcol gateway.yaml → unitrack collector${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const processes = new Processes();
  const dir = tempDir('unitrack-otelcol-gateway-');
  let seen: { a: Seen; b: Seen };
  let otelcol: Child;
  let unitrack: Child;
  let webhook: Awaited<ReturnType<typeof httpSink>>;
  let dashboardPort = 0;
  const rids = () => [...seen.a.rids, ...seen.b.rids];
  const otelcolArchive = () => {
    const path = join(dir, 'otelcol-archive.jsonl');
    return existsSync(path) ? otlpJsonRecords(readFileSync(path, 'utf8')) : [];
  };
  const failure = () => processes.output();

  beforeAll(async () => {
    if ('error' in build) throw new Error(build.error);
    const bin = (build as { bin: string }).bin;
    webhook = await httpSink(processes);
    const ports = { notify: await freePort(), backend: await freePort(), dashboard: await freePort(), gateway: await freePort() };
    dashboardPort = ports.dashboard;
    unitrack = processes.add(startUnitrack('unitrack', dir, unitrackConfig(dir, ports, `${webhook.url}/hook`)));
    await unitrack.waitForPort(ports.notify);
    await unitrack.waitForPort(ports.backend);
    otelcol = processes.add(
      startOtelcol(bin, 'otelcol-gateway', join(repo, 'collector-config', 'otelcol', 'gateway.yaml'), {
        GATEWAY_OTLP_HTTP_ENDPOINT: `127.0.0.1:${ports.gateway}`,
        GATEWAY_OTLP_GRPC_ENDPOINT: `127.0.0.1:${await freePort()}`,
        UNITRACK_COLLECTOR_ENDPOINT: `http://127.0.0.1:${ports.notify}`,
        OTLP_BACKEND_ENDPOINT: `http://127.0.0.1:${ports.backend}`,
        ARCHIVE_PATH: join(dir, 'otelcol-archive.jsonl'),
      }),
    );
    await otelcol.waitForPort(ports.gateway);

    const endpoint = `http://127.0.0.1:${ports.gateway}`;
    const b = processes.add(startNode('service-b', service, { ROLE: 'b', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }));
    await waitFor(
      () => b.stdout.includes('\n'),
      60_000,
      () => `service B never started\n${b.output()}`,
    );
    const bPort = (JSON.parse(b.stdout.split('\n')[0]) as { port: number }).port;
    const a = processes.add(
      startNode('service-a', service, {
        ROLE: 'a',
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        B_URL: `http://127.0.0.1:${bPort}/work`,
        CORRELATION_ID: 'corr-gateway-1',
      }),
    );
    await a.exited;
    expect(a.exitCode, a.output()).toBe(0);
    seen = JSON.parse(a.stdout.trim().split('\n').pop() as string);
    await b.stop();
    expect(b.exitCode, b.output()).toBe(0);

    // Wait until everything has reached the unitrack collector's files and the webhook.
    const expectedNotified = rids().filter((r) => NOTIFIED.has(r.split('-')[1])).length;
    await waitFor(
      () =>
        readJsonLines(join(dir, 'archive.jsonl')).length >= rids().length &&
        readJsonLines(join(dir, 'notify.jsonl')).length >= expectedNotified &&
        webhook.requests.length >= expectedNotified &&
        otelcolArchive().length >= rids().length,
      120_000,
      () =>
        `otelcol archive ${otelcolArchive().length}, archive ${readJsonLines(join(dir, 'archive.jsonl')).length}/${rids().length}, notify ${readJsonLines(join(dir, 'notify.jsonl')).length}/${expectedNotified}, webhook ${webhook.requests.length}\n${failure()}`,
    );
  });

  afterAll(async () => {
    await processes.stopAll();
  });

  it('both services share one trace and one correlation ID', () => {
    expect(seen.a.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.b.trace_id).toBe(seen.a.trace_id);
    expect(seen.a.correlation_id).toBe('corr-gateway-1');
    expect(seen.b.correlation_id).toBe('corr-gateway-1');
    expect(seen.b.request_id).toBe('req-interop-1');
    expect(rids()).toHaveLength(14);
  });

  it('every record reaches the archive path once, with the trace and correlation IDs it left with', () => {
    const archive = readJsonLines<EventJson>(join(dir, 'archive.jsonl'));
    const byRid = new Map(archive.map((e) => [String(e.attributes?.rid), e]));
    expect([...byRid.keys()].sort()).toEqual(rids().sort());
    expect(archive).toHaveLength(rids().length);
    for (const rid of rids()) {
      const e = byRid.get(rid) as EventJson;
      expect(e.trace_id, rid).toBe(seen.a.trace_id);
      expect(e.correlation_id, rid).toBe('corr-gateway-1');
      expect(e.request_id, rid).toBe('req-interop-1');
      expect(e.service, rid).toBe(`interop-${rid.split('-')[0]}`);
    }
    // The severity survives the trip (alerts were tracked as low).
    for (const e of archive) {
      const kind = String(e.attributes?.rid).split('-')[1];
      expect(e.severity).toBe(kind === 'alert' ? 'low' : kind);
    }
  });

  it('the otelcol archive file holds every record with its IDs', () => {
    const records = otelcolArchive();
    expect(records.map((r) => otlpAttr(r, 'rid')).sort()).toEqual(rids().sort());
    for (const r of records) {
      expect(r.traceId?.toLowerCase()).toBe(seen.a.trace_id);
      expect(otlpAttr(r, 'unitrack.correlation_id')).toBe('corr-gateway-1');
    }
  });

  it('only high, critical and alerts reach the notify path: jsonfile/notify and the webhook', async () => {
    const expected = rids()
      .filter((r) => NOTIFIED.has(r.split('-')[1]))
      .sort();
    const notify = readJsonLines<EventJson>(join(dir, 'notify.jsonl'));
    expect(notify.map((e) => String(e.attributes?.rid)).sort()).toEqual(expected);
    for (const e of notify) {
      expect(e.trace_id).toBe(seen.a.trace_id);
      expect(e.correlation_id).toBe('corr-gateway-1');
    }
    // Give a stray late notification a chance to show up before counting the webhook's.
    await new Promise((r) => setTimeout(r, 500));
    const bodies = webhook.requests.map((r) => JSON.parse(String(r.body)) as { type: string; data: { reason: string; event: EventJson } });
    expect(bodies.map((b) => String(b.data.event.attributes?.rid)).sort()).toEqual(expected);
    for (const b of bodies) {
      expect(b.type).toBe('unitrack.alert');
      expect(b.data.event.trace_id).toBe(seen.a.trace_id);
      expect(b.data.event.correlation_id).toBe('corr-gateway-1');
    }
    expect(bodies.find((b) => b.data.event.attributes?.rid === 'a-alert')?.data.reason).toBe('threshold');
    expect(bodies.find((b) => b.data.event.attributes?.rid === 'a-high')?.data.reason).toBe('severity');
  });

  it('the blog and the dashboard show the archive, and traces reached the backend', async () => {
    const blogDir = join(dir, 'blog');
    await waitFor(
      () => readdirSync(blogDir).some((f) => f.endsWith('.md')),
      30_000,
      () => `no blog file in ${blogDir}`,
    );
    const blog = readdirSync(blogDir)
      .filter((f) => f.endsWith('.md'))
      .map((f) => readFileSync(join(blogDir, f), 'utf8'))
      .join('\n');
    expect(blog).toContain('interop_critical');
    expect(blog).toContain(`trace ${seen.a.trace_id.slice(0, 8)}`);

    const res = await fetch(`http://127.0.0.1:${dashboardPort}/api/traces/${seen.a.trace_id}`);
    const body = (await res.json()) as { events: EventJson[] };
    expect(body.events.map((e) => String(e.attributes?.rid)).sort()).toEqual(rids().sort());

    const metrics = await (await fetch(`http://127.0.0.1:${dashboardPort}/metrics`)).text();
    expect(metrics, metrics).toMatch(/unitrack_receiver_requests_total\{[^}]*signal="traces"[^}]*\} [1-9]/);
  });
});
