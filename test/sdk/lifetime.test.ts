import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Server as GrpcServer, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { ENV_APP, killApps, runApp } from './fixtures/run-app.ts';

/** A local HTTP endpoint that answers 200 and keeps what it was sent. */
async function endpoint(): Promise<{
  url: string;
  requests: { path: string; headers: IncomingMessage['headers']; body: Buffer }[];
  server: Server;
}> {
  const requests: { path: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
    res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'text/plain' }).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

const servers: Server[] = [];
afterEach(killApps);
afterAll(() => {
  for (const s of servers) s.close();
});

describe('a script that tracks and never calls shutdownTracking()', () => {
  it('exits by itself once its own work is done, with every event written (batch held, group store, blog, webhook)', async () => {
    const dir = tempDir();
    const hook = await endpoint();
    servers.push(hook.server);
    const app = runApp(ENV_APP, [
      JSON.stringify({
        init: {
          dataDir: dir,
          config: {
            receivers: { otlp: {} },
            // A batch that would hold its records for an hour: only the beforeExit flush writes them.
            processors: { fingerprint: { alerts: { new_group: true } }, batch: { timeout: '1h', send_batch_size: 0 } },
            exporters: {
              jsonfile: { path: join(dir, 'events.jsonl') },
              blog: { directory: join(dir, 'blog') },
              webhook: { endpoint: `${hook.url}/hook` },
            },
            service: {
              pipelines: {
                logs: { receivers: ['otlp'], processors: ['fingerprint', 'batch'], exporters: ['jsonfile', 'blog', 'webhook'] },
              },
            },
          },
        },
        events: 5,
      }),
    ]);
    expect(await app.exit).toBe(0);
    expect(readJsonLines(join(dir, 'events.jsonl')).map((l) => l.message)).toEqual([0, 1, 2, 3, 4].map((i) => `item ${i} failed`));
    const day = readdirSync(join(dir, 'blog'));
    expect(readFileSync(join(dir, 'blog', day[0]), 'utf8')).toContain('work_failed');
    // The group store committed its groups before the process ended.
    const db = new DatabaseSync(join(dir, 'groups.db'), { readOnly: true });
    const { n } = db.prepare('SELECT count(*) AS n FROM groups').get() as { n: number };
    db.close();
    expect(n).toBeGreaterThan(0);
    expect(hook.requests.filter((r) => r.path === '/hook').length).toBeGreaterThan(0);
    expect(app.stderr()).toBe('');
  });

  it('in OTLP mode exits by itself after sending, and counts what was sent', async () => {
    const otlp = await endpoint();
    servers.push(otlp.server);
    const app = runApp(ENV_APP, [JSON.stringify({ init: { otlp: { endpoint: otlp.url } }, events: 10 })]);
    expect(await app.exit).toBe(0);
    const logs = otlp.requests.filter((r) => r.path === '/v1/logs');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs[0].headers['content-type']).toBe('application/x-protobuf');
    expect(Buffer.concat(logs.map((l) => l.body)).includes(Buffer.from('item 9 failed'))).toBe(true);
    expect(app.telemetry()).toMatchObject({
      'unitrack_exporter_sent_total{exporter="otlp"}': 10,
      'unitrack_exporter_failed_total{exporter="otlp"}': 0,
    });
  });

  it('in OTLP/gRPC mode (OTEL_EXPORTER_OTLP_PROTOCOL=grpc) sends to the LogsService and exits by itself', async () => {
    const bodies: Buffer[] = [];
    const grpc = new GrpcServer();
    const raw = (b: Buffer) => b;
    grpc.addService(
      {
        Export: {
          path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
          requestStream: false,
          responseStream: false,
          requestSerialize: raw,
          requestDeserialize: raw,
          responseSerialize: raw,
          responseDeserialize: raw,
        },
      },
      {
        Export: (call: ServerUnaryCall<Buffer, Buffer>, done: sendUnaryData<Buffer>) => {
          bodies.push(call.request);
          done(null, Buffer.alloc(0)); // an empty ExportLogsServiceResponse
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      grpc.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
    );
    try {
      const app = runApp(ENV_APP, [JSON.stringify({ init: { otlp: {} }, events: 4 })], {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      });
      expect(await app.exit).toBe(0);
      expect(Buffer.concat(bodies).includes(Buffer.from('item 3 failed'))).toBe(true);
      expect(app.telemetry()).toMatchObject({ 'unitrack_exporter_sent_total{exporter="otlp"}': 4 });
      expect(app.stderr()).toBe('');
    } finally {
      grpc.forceShutdown();
    }
  });

  it('with an OTLP endpoint that refuses: says so once naming the URL, counts every record failed and none sent, and exits', async () => {
    // A port nothing listens on: take one, then close it.
    const probe = await endpoint();
    const url = probe.url;
    await new Promise((resolve) => probe.server.close(resolve));
    const app = runApp(ENV_APP, [JSON.stringify({ init: { otlp: { endpoint: url } }, events: 72 })]);
    expect(await app.exit).toBe(0);
    const lines = app.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${url}/v1/logs`);
    expect(lines[0]).toContain('ECONNREFUSED');
    expect(app.telemetry()).toMatchObject({
      'unitrack_exporter_sent_total{exporter="otlp"}': 0,
      'unitrack_exporter_failed_total{exporter="otlp"}': 72,
    });
  }, 30_000);

  it('with the embedded default (dashboard on its port) exits by itself too', async () => {
    const dir = tempDir();
    const app = runApp(ENV_APP, [JSON.stringify({ events: 5 })], { UNITRACK_DATA_DIR: dir, UNITRACK_DASHBOARD_ENDPOINT: '127.0.0.1:0' });
    expect(await app.exit).toBe(0);
    expect(readJsonLines(join(dir, 'events.jsonl'))).toHaveLength(5);
  });
});
