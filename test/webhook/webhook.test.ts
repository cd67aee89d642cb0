import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookExporter, type WebhookExporterOptions } from '../../exporters/webhook/webhook-exporter.ts';
import { PipelineRecord } from '../../model/record.ts';
import { Telemetry } from '../../model/telemetry.ts';
import { tempDir } from '../helpers/tmp.ts';

const secret = `whsec_${randomBytes(24).toString('base64')}`;
const verifier = new Webhook(secret);

type Behaviour = (req: IncomingMessage, res: ServerResponse, attempt: number) => boolean;

/** A webhook receiver that verifies signatures and records deliveries by webhook-id. */
async function receiver(behaviour: Behaviour) {
  const delivered = new Map<string, unknown>();
  const attempts = new Map<string, number>();
  const ids: string[] = [];
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    const id = String(req.headers['webhook-id']);
    ids.push(id);
    const n = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, n);
    if (!behaviour(req, res, n)) return;
    const payload = verifier.verify(body, req.headers as Record<string, string>);
    delivered.set(id, payload);
    res.writeHead(200).end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, delivered, attempts, ids, server };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

function exporter(endpoint: string, directory: string, over: Partial<WebhookExporterOptions> = {}) {
  return new WebhookExporter({
    id: 'webhook',
    endpoint,
    secret,
    format: 'standard',
    headers: {},
    timeoutMs: 300,
    retry: { initialIntervalMs: 10, maxIntervalMs: 40, maxElapsedMs: 60_000 },
    spool: { directory, maxItems: 1000 },
    circuitBreaker: { failureThreshold: 1000, resetTimeoutMs: 20 },
    concurrency: 4,
    flushTimeoutMs: 20_000,
    telemetry: new Telemetry(),
    ...over,
  });
}

function alert(i: number) {
  return new PipelineRecord({
    hrTime: [1_763_834_592, 0],
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    instrumentationScope: { name: 't' },
    body: `Payment ${i} failed`,
    eventName: 'payment_failed',
    severityNumber: 17,
    attributes: {
      'unitrack.fingerprint': 'f'.repeat(32),
      'unitrack.group.count': i + 1,
      'unitrack.alert.reason': i === 0 ? 'new_group' : 'threshold',
      'unitrack.group.title': 'PaymentError: Payment <NUM> failed',
      'unitrack.group.first_seen': '2026-11-22T18:03:12.000Z',
      'unitrack.group.last_seen': '2026-11-22T18:03:12.000Z',
    },
  });
}

function send(e: WebhookExporter, records: PipelineRecord[]) {
  return new Promise<void>((resolve, reject) => e.export(records, (r) => (r.code === 0 ? resolve() : reject(r.error))));
}

describe('the webhook exporter', () => {
  it('delivers the signed design payload', async () => {
    const r = await receiver(() => true);
    servers.push(r.server);
    const e = exporter(r.url, tempDir());
    await send(e, [alert(0)]);
    await e.shutdown();
    expect(r.delivered.size).toBe(1);
    const payload = [...r.delivered.values()][0];
    expect(payload).toMatchObject({
      type: 'unitrack.alert',
      data: {
        reason: 'new_group',
        group: {
          fingerprint: 'f'.repeat(32),
          title: 'PaymentError: Payment <NUM> failed',
          count: 1,
          first_seen: '2026-11-22T18:03:12.000Z',
        },
        event: { event: 'payment_failed', severity: 'high', message: 'Payment 0 failed', service: 'shop' },
      },
    });
  });

  it('retries through 500, 429 with Retry-After, timeouts and resets, delivering each notification exactly once', async () => {
    const r = await receiver((_req, res, attempt) => {
      if (attempt === 1) {
        res.writeHead(500).end();
        return false;
      }
      if (attempt === 2) {
        res.writeHead(429, { 'retry-after': '0' }).end();
        return false;
      }
      if (attempt === 3) {
        res.socket?.destroy();
        return false;
      }
      if (attempt === 4) return false; // hangs past the timeout
      return true;
    });
    servers.push(r.server);
    const e = exporter(r.url, tempDir());
    await send(
      e,
      Array.from({ length: 20 }, (_, i) => alert(i)),
    );
    await e.forceFlush();
    expect(r.delivered.size).toBe(20);
    for (const n of r.attempts.values()) expect(n).toBe(5);
    expect(e.pending).toBe(0);
    await e.shutdown();
  });

  it('never retries other 4xx', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(400).end();
      return false;
    });
    servers.push(r.server);
    const e = exporter(r.url, tempDir());
    await send(e, [alert(0), alert(1)]);
    await e.forceFlush();
    expect(r.ids).toHaveLength(2);
    expect(e.pending).toBe(0);
    await e.shutdown();
  });

  it('keeps notifications in the spool across a restart while the endpoint is down', async () => {
    const dir = tempDir();
    const down = exporter('http://127.0.0.1:9/hook', dir, { flushTimeoutMs: 50 });
    await send(down, [alert(0), alert(1), alert(2)]);
    await down.shutdown();
    expect(down.pending).toBe(3);

    const r = await receiver(() => true);
    servers.push(r.server);
    const up = exporter(r.url, dir);
    await up.forceFlush();
    expect(r.delivered.size).toBe(3);
    await up.shutdown();
  });

  it('opens the circuit after repeated failures and probes again later', async () => {
    let failing = true;
    const r = await receiver((_req, res) => {
      if (failing) {
        res.writeHead(503).end();
        return false;
      }
      return true;
    });
    servers.push(r.server);
    const telemetry = new Telemetry();
    const e = exporter(r.url, tempDir(), { circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 100 }, telemetry, concurrency: 1 });
    await send(e, [alert(0), alert(1), alert(2), alert(3), alert(4)]);
    while (telemetry.value('unitrack_webhook_circuit_open', { exporter: 'webhook' }) === 0) await new Promise((res) => setTimeout(res, 5));
    const attemptsWhenOpened = r.ids.length;
    expect(attemptsWhenOpened).toBe(3);
    failing = false;
    await e.forceFlush();
    expect(r.delivered.size).toBe(5);
    await e.shutdown();
  });
});
