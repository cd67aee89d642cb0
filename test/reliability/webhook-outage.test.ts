// The webhook endpoint down (503, then refusing connections), then flapping (503, connection reset,
// answers slower than the exporter's timeout, 429 with Retry-After, and some successes), then
// recovered, while records keep arriving: every notification arrives exactly once, counted by
// webhook-id (only a 200 counts; a slow request is answered 503 after the exporter gave up on it, so
// a retry is never a second delivery), each one signed (verified with standardwebhooks), one per record.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { PipelineRecord } from '../../model/record.ts';
import { Service } from '../../pipeline/service.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { FULL, recordResult } from '../helpers/reliability-summary.ts';
import { tempDir } from '../helpers/tmp.ts';

const DOWN_MS = FULL ? 120_000 : 2_000;
const FLAP_MS = FULL ? 180_000 : 3_000;
const TIMEOUT_MS = FULL ? 1_000 : 300;
/** Records (one notification each) sent every tick while the endpoint is down or flapping. */
const PER_TICK = FULL ? 5 : 4;
const TICK_MS = 50;

type Mode = 'up' | 'unavailable' | 'refuse' | 'flap';
const FLAPS = ['503', 'reset', 'slow', '429', 'ok'] as const;

describe('a webhook outage', () => {
  it(
    'down, then flapping, then recovered: every notification exactly once by webhook-id, signed',
    async () => {
      const secret = `whsec_${randomBytes(24).toString('base64')}`;
      const verifier = new Webhook(secret);
      let mode: Mode = 'unavailable';
      let flap = 0;
      const delivered = new Map<string, number>(); // webhook-id → 200s answered
      const recordsDelivered = new Map<number, string[]>(); // record id → webhook-ids
      const answers: Record<string, number> = {};
      let badSignatures = 0;
      const sockets = new Set<Socket>();
      const answer = (res: ServerResponse, status: number, headers: Record<string, string> = {}) => {
        answers[status] = (answers[status] ?? 0) + 1;
        res.writeHead(status, headers).end();
      };
      const server = createServer(async (req, res) => {
        let body = '';
        for await (const c of req) body += c;
        const behaviour = mode === 'up' ? 'ok' : mode === 'flap' ? FLAPS[flap++ % FLAPS.length] : '503';
        switch (behaviour) {
          case '503':
            return answer(res, 503);
          case '429':
            return answer(res, 429, { 'retry-after': '1' });
          case 'reset':
            answers.reset = (answers.reset ?? 0) + 1;
            return req.socket.destroy();
          case 'slow':
            // Past the exporter's timeout, and then not a success: the exporter has given up on it.
            answers.slow = (answers.slow ?? 0) + 1;
            await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 2));
            if (!res.destroyed) res.writeHead(503).end();
            return;
        }
        let payload: { data: { event: { attributes: { id: number } } } };
        try {
          payload = verifier.verify(body, req.headers as Record<string, string>) as typeof payload;
        } catch {
          badSignatures++;
          return answer(res, 400);
        }
        const id = String(req.headers['webhook-id']);
        delivered.set(id, (delivered.get(id) ?? 0) + 1);
        const rid = payload.data.event.attributes.id;
        recordsDelivered.set(rid, [...(recordsDelivered.get(rid) ?? []), id]);
        answer(res, 200);
      });
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      const closeServer = async () => {
        const closed = new Promise((resolve) => server.close(resolve));
        for (const s of sockets) s.destroy();
        await closed;
      };

      const dir = tempDir('unitrack-outage-');
      const spool = join(dir, 'spool');
      const service = new Service(
        loadServiceConfig({
          receivers: { otlp: {} },
          exporters: {
            webhook: {
              endpoint: `http://127.0.0.1:${port}/hook`,
              secret,
              timeout: `${TIMEOUT_MS}ms`,
              retry_on_failure: { initial_interval: '20ms', max_interval: FULL ? '5s' : '300ms', max_elapsed_time: '1h' },
              circuit_breaker: { failure_threshold: 5, reset_timeout: FULL ? '2s' : '200ms' },
              spool: { directory: spool, max_items: 100_000 },
              flush_timeout: '2m',
            },
          },
          service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['webhook'] } } },
        }),
        { dataDir: dir },
      );
      const resource = resourceFromAttributes({ 'service.name': 'outage' });
      let sent = 0;
      const emit = () => {
        const batch: PipelineRecord[] = [];
        for (let k = 0; k < PER_TICK; k++, sent++)
          batch.push(
            new PipelineRecord({
              hrTime: [Math.floor(Date.now() / 1000), 0],
              resource,
              instrumentationScope: { name: 'outage' },
              eventName: 'payment_failed',
              body: `Payment ${sent} failed`,
              severityNumber: 17,
              attributes: { id: sent },
            }),
          );
        expect(service.ingest(batch)).toBe(true);
      };
      const phase = async (ms: number) => {
        const until = Date.now() + ms;
        while (Date.now() < until) {
          emit();
          await new Promise((resolve) => setTimeout(resolve, TICK_MS));
        }
      };

      // Down: 503 for a while, then nothing listening at all.
      await phase(DOWN_MS / 2);
      await closeServer();
      mode = 'refuse';
      await phase(DOWN_MS / 2);
      expect(delivered.size).toBe(0);
      // Flapping: 503, reset, slow, 429 with Retry-After and a success, in turn.
      mode = 'flap';
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
      await phase(FLAP_MS);
      const duringFlapping = delivered.size;
      // Recovered: everything still spooled goes out.
      mode = 'up';
      const telemetry = service.telemetry;
      const w = { exporter: 'webhook' };
      while (recordsDelivered.size < sent && telemetry.value('unitrack_webhook_failed_total', w) === 0)
        await new Promise((resolve) => setTimeout(resolve, 50));
      await service.shutdown();
      await closeServer();

      expect(badSignatures).toBe(0);
      expect(telemetry.value('unitrack_webhook_failed_total', w)).toBe(0);
      expect(telemetry.value('unitrack_webhook_spool_dropped_total', w)).toBe(0);
      expect(readdirSync(spool)).toEqual([]);
      for (const [id, n] of delivered) expect(n, `webhook-id ${id} answered 200 ${n} times`).toBe(1);
      expect(recordsDelivered.size).toBe(sent);
      for (let i = 0; i < sent; i++) expect(recordsDelivered.get(i), `record ${i}`).toHaveLength(1);
      expect(delivered.size).toBe(sent);
      for (const k of ['503', '429', 'reset', 'slow']) expect(answers[k] ?? 0, `no ${k} answered`).toBeGreaterThan(0);

      recordResult({
        area: 'fault',
        check: 'webhook outage and flapping',
        detail:
          `${DOWN_MS / 1000}s down (503, refused), ${FLAP_MS / 1000}s flapping (503 ${answers['503'] ?? 0}, reset ${answers.reset ?? 0}, ` +
          `slow ${answers.slow ?? 0}, 429 ${answers['429'] ?? 0}), recovered: ${sent} notifications delivered exactly once by webhook-id ` +
          `(${duringFlapping} while flapping), all signed, none failed, spool empty`,
        lost: sent - recordsDelivered.size,
      });
    },
    FULL ? 1_800_000 : 120_000,
  );
});
