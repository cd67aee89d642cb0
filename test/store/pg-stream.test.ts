// One stream for the fleet: two collectors' dashboards on one PostgreSQL store, and a real
// EventSource client (undici's WHATWG implementation) behind a switchable proxy, as a browser
// behind a load balancer: it follows instance A, the proxy moves it to B, and it resumes there
// with its Last-Event-ID while events keep reaching both instances, and the database stops and
// starts again meanwhile.
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { EventSource } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_KEY } from '../../exporters/dashboard/dashboard-exporter.ts';
import { PipelineRecord } from '../../model/record.ts';
import { Service } from '../../pipeline/service.ts';
import { waitFor } from '../dashboard/helpers.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { tempDir } from '../helpers/tmp.ts';
import { freshDatabase } from './helpers/fleet.ts';
import { PgCluster, postgresMissing, skipped } from './helpers/pg-cluster.ts';

const missing = postgresMissing();

function instance(url: string): Service {
  const dir = tempDir('pg-stream');
  return new Service(
    loadServiceConfig({
      receivers: { otlp: {} },
      processors: { fingerprint: { store: { url, flush_interval: '50ms' } } },
      exporters: {
        dashboard: { endpoint: '127.0.0.1:0', retry: 50, heartbeat_interval: '1s', store: { path: `${dir}/dashboard.db` } },
      },
      service: { pipelines: { logs: { receivers: ['otlp'], processors: ['fingerprint'], exporters: ['dashboard'] } } },
    }),
    { dataDir: dir },
  );
}

function event(message: string): PipelineRecord {
  const now = Date.now();
  return new PipelineRecord({
    hrTime: [Math.floor(now / 1000), (now % 1000) * 1e6],
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    instrumentationScope: { name: 't' },
    severityNumber: 9,
    severityText: 'INFO',
    body: message,
    attributes: {},
  });
}

/** A proxy to one dashboard at a time; switching cuts the open streams, as a load balancer losing a backend does. */
class SwitchProxy {
  readonly server: Server;
  target = '';
  readonly #open = new Set<ServerResponse>();

  constructor() {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const upstream = request(`${this.target}${req.url}`, { method: req.method, headers: req.headers }, (u) => {
        res.writeHead(u.statusCode ?? 502, u.headers);
        u.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      this.#open.add(res);
      res.on('close', () => {
        this.#open.delete(res);
        upstream.destroy();
      });
      req.pipe(upstream);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  switchTo(target: string): void {
    this.target = target;
    for (const res of this.#open) res.destroy();
  }
}

describe.skipIf(missing !== undefined)(`one stream for the fleet (PostgreSQL)${skipped(missing)}`, () => {
  let cluster: PgCluster;
  const services: Service[] = [];

  beforeAll(async () => {
    cluster = await PgCluster.start();
  }, 60_000);

  afterAll(async () => {
    for (const s of services) await s.shutdown().catch(() => undefined);
    cluster?.stop();
  });

  it('a client that moves from instance A to instance B with its Last-Event-ID misses nothing and sees nothing twice', async () => {
    const url = await freshDatabase(cluster.url);
    const a = instance(url);
    const b = instance(url);
    services.push(a, b);
    await Promise.all([a.start(), b.start()]);
    await waitFor(() => a.host.shared.has(DASHBOARD_KEY) && b.host.shared.has(DASHBOARD_KEY));
    const urlA = a.host.shared.get(DASHBOARD_KEY)?.url as string;
    const urlB = b.host.shared.get(DASHBOARD_KEY)?.url as string;
    const proxy = new SwitchProxy();
    proxy.target = urlA;
    const proxyUrl = await proxy.listen();

    const seen: { id: number; message: string }[] = [];
    const es = new EventSource(`${proxyUrl}/api/stream`);
    let opened = 0;
    es.onopen = () => {
      opened++;
    };
    es.onmessage = (m) => {
      seen.push({ id: Number(m.lastEventId), message: (JSON.parse(m.data) as { message: string }).message });
    };
    try {
      await waitFor(() => opened === 1, 'the stream to open');
      let n = 0;
      const emit = (count: number) => {
        for (let i = 0; i < count; i++, n++) (n % 2 === 0 ? a : b).ingest([event(`event ${n}`)]);
      };
      emit(10);
      await waitFor(() => seen.length === 10, 'the first ten events through A');
      // The client moves to B while events keep reaching both instances.
      proxy.switchTo(urlB);
      emit(10);
      await waitFor(() => opened === 2, 'the stream to reopen on B');
      emit(10);
      await waitFor(() => seen.length >= 30, 'thirty events');
      // The database stops while events reach both instances: they wait, and follow when it is back.
      cluster.pause();
      try {
        emit(10);
        await new Promise((r) => setTimeout(r, 300));
        expect(a.telemetry.value('unitrack_dashboard_stream_waiting') + b.telemetry.value('unitrack_dashboard_stream_waiting')).toBe(10);
      } finally {
        cluster.resume();
      }
      emit(10);
      await waitFor(() => seen.length >= 50, 'fifty events');
      await new Promise((r) => setTimeout(r, 200));
      expect(seen.map((s) => s.message).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `event ${i}`).sort());
      const ids = seen.map((s) => s.id);
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]);
      // Both instances hold the same events under the same ids.
      const list = async (base: string) =>
        ((await (await fetch(`${base}/api/events?limit=100`)).json()) as { events: { id: number; message: string }[] }).events.map(
          (e) => `${e.id} ${e.message}`,
        );
      expect(await list(urlA)).toEqual(await list(urlB));
      // A's dashboard shows a group only B saw.
      b.ingest([event('ledger write failed')]);
      await b.forceFlush();
      const groups = (await (await fetch(`${urlA}/api/groups`)).json()) as { groups: { title: string; count: number }[] };
      expect(groups.groups.find((g) => g.title === 'ledger write failed')).toMatchObject({ count: 1 });
    } finally {
      es.close();
      proxy.server.close();
    }
  }, 60_000);
});
