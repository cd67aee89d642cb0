import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../pipeline/config/config-error.ts';
import type { Service } from '../../pipeline/service.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { dashboardService, readStream, record, waitFor } from './helpers.ts';

let service: Service;
let url: string;

beforeAll(async () => {
  ({ service, url } = await dashboardService({ dashboard: { buffer_size: 5, heartbeat_interval: '50ms' } }));
});
afterAll(() => service.shutdown());

async function json(path: string, init?: RequestInit) {
  const res = await fetch(`${url}${path}`, init);
  return { status: res.status, body: (await res.json()) as Record<string, never>, headers: res.headers };
}

describe('the dashboard API', () => {
  it('serves events, groups, a group, a trace, metrics, and resolve/reopen', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    service.ingest([
      record('Payment 1 failed', { attributes: { 'exception.type': 'PaymentError', 'user.id': 'u1' }, traceId }),
      record('Payment 2 failed', { attributes: { 'exception.type': 'PaymentError', 'user.id': 'u2' }, traceId }),
      record('Order placed', { severityNumber: 9, attributes: { 'unitrack.category': 'task' } }),
    ]);
    await service.forceFlush();
    const events = await json('/api/events?limit=10');
    expect(events.body.events).toHaveLength(3);
    expect((await json('/api/events?category=task')).body.events).toHaveLength(1);
    expect((await json('/api/events?severity=high')).body.events).toHaveLength(2);
    expect((await json(`/api/traces/${traceId}`)).body.events).toHaveLength(2);
    const groups = (await json('/api/groups')).body.groups as { fingerprint: string; title: string; count: number; users: number }[];
    const payment = groups.find((g) => g.title === 'PaymentError: Payment <NUM> failed');
    expect(payment).toMatchObject({ count: 2, users: 2 });
    const detail = await json(`/api/groups/${payment?.fingerprint}`);
    expect(detail.body.events).toHaveLength(2);
    const before = await json('/api/metrics?range=1h');
    expect(before.body).toMatchObject({ total_errors: 2, affected_users: 2, mttr_seconds: null });
    const resolved = await json(`/api/groups/${payment?.fingerprint}/resolve`, { method: 'POST' });
    expect(resolved.body.status).toBe('resolved');
    expect((await json('/api/metrics?range=1h')).body.mttr_seconds).not.toBeNull();
    expect((await json(`/api/groups/${payment?.fingerprint}/reopen`, { method: 'POST' })).body.status).toBe('unresolved');
    expect((await json('/api/metrics?range=2h')).status).toBe(400);
    expect((await json('/api/groups/0123456789abcdef/resolve', { method: 'POST' })).status).toBe(404);
  });

  it('sends security headers and serves the page without inline script', async () => {
    const res = await fetch(`${url}/`);
    const html = await res.text();
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(html).toContain('<script type="module" src="/app.js"></script>');
    expect(html).not.toMatch(/<script>(?!<)/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('unitrack_dashboard_stream_clients');
  });

  it('streams with strictly increasing ids and resumes from Last-Event-ID without gaps or duplicates', async () => {
    service.ingest([record('a1'), record('a2'), record('a3')]);
    await service.forceFlush();
    const first = await readStream(
      `${url}/api/stream`,
      { 'last-event-id': '0' },
      (f) => f.filter((x) => x.data && !x.event).length >= 5 || f.some((x) => x.event === 'reset'),
    );
    // The ring holds 5 events: 6 were sent in all, so id 0 is too old.
    expect(first.some((f) => f.event === 'reset')).toBe(true);
    const latest = Number(first.find((f) => f.event === 'reset')?.id);
    service.ingest([record('b1'), record('b2')]);
    await service.forceFlush();
    const resumed = await readStream(
      `${url}/api/stream`,
      { 'last-event-id': String(latest) },
      (f) => f.filter((x) => x.data && !x.event).length >= 2,
    );
    const ids = resumed.filter((f) => f.data && !f.event).map((f) => Number(f.id));
    expect(ids).toEqual([latest + 1, latest + 2]);
    expect(resumed.filter((f) => f.data && !f.event).map((f) => JSON.parse(f.data as string).message)).toEqual(['b1', 'b2']);
  });

  it('sends heartbeats and filters the stream', async () => {
    const frames = await readStream(
      `${url}/api/stream?severity=critical`,
      {},
      (f) => f.some((x) => x.comment === 'heartbeat') && f.some((x) => x.data && !x.event),
      (frame) => {
        if (frame.event !== 'hello') return;
        service.ingest([record('not critical'), record('is critical', { severityNumber: 21 })]);
        void service.forceFlush();
      },
    );
    expect(frames.find((f) => f.event === 'hello')).toBeDefined();
    const live = frames.filter((f) => f.data && !f.event);
    expect(live.map((f) => JSON.parse(f.data as string).message)).toEqual(['is critical']);
  });

  it('drops a client that does not read, keeping memory bounded', async () => {
    const port = Number(new URL(url).port);
    await waitFor(() => service.telemetry.value('unitrack_dashboard_stream_clients') === 0, 'earlier clients to leave');
    const before = 0;
    const socket = connect(port, '127.0.0.1');
    socket.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    socket.pause();
    await waitFor(() => service.telemetry.value('unitrack_dashboard_stream_clients') > before, 'the client');
    const big = 'x'.repeat(64_000);
    for (let i = 0; i < 3000 && service.telemetry.value('unitrack_dashboard_slow_clients_dropped_total') === 0; i++) {
      service.ingest([record(`${big} ${i}`)]);
      await service.forceFlush();
    }
    expect(service.telemetry.value('unitrack_dashboard_slow_clients_dropped_total')).toBe(1);
    socket.destroy();
  });

  it('requires a token off loopback, compared in constant time', async () => {
    expect(() =>
      loadServiceConfig({
        receivers: { otlp: {} },
        exporters: { dashboard: { endpoint: '0.0.0.0:0' } },
        service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['dashboard'] } } },
      }),
    ).toThrow(ConfigError);
    const secured = await dashboardService({ dashboard: { endpoint: '0.0.0.0:0', token: 's3cret-token' } });
    const base = secured.url.replace('0.0.0.0', '127.0.0.1');
    expect((await fetch(`${base}/api/groups`)).status).toBe(401);
    expect((await fetch(`${base}/api/groups`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${base}/api/stream`)).status).toBe(401);
    expect((await fetch(`${base}/api/groups`, { headers: { authorization: 'Bearer s3cret-token' } })).status).toBe(200);
    const session = await fetch(`${base}/api/session`, { method: 'POST', body: JSON.stringify({ token: 's3cret-token' }) });
    const cookie = session.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await fetch(`${base}/api/groups`, { headers: { cookie: cookie.split(';')[0] } })).status).toBe(200);
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect(secured.service.telemetry.value('unitrack_dashboard_auth_failures_total')).toBe(3);
    await secured.service.shutdown();
  });
});
