/**
 * Row 6. Latency from track() to delivery: to a dashboard client on /api/stream and to a local
 * webhook receiver, in the embedded default pipeline. Both receivers live in the measuring
 * process (one clock); each probe is a new high-severity message, so it is a new group and
 * raises a new_group alert, which is what reaches the webhook.
 */
import { createServer, request } from 'node:http';
import { startEmbedded } from '../lib/embedded.ts';
import { newWord } from '../lib/events.ts';
import { quantile, sleep } from '../lib/stats.ts';
import type { Row, SubjectResult } from '../lib/types.ts';
import { freePort } from './otlp-ingest.ts';

const INTERVAL_MS = 20;

export const latency: Row = {
  id: 'latency',
  title: '6. Latency, track() to delivery',
  metrics: [
    { key: 'dashboard_p50_ms', label: 'to dashboard SSE client p50 ms', better: 'lower' },
    { key: 'dashboard_p99_ms', label: 'to dashboard p99 ms', better: 'lower' },
    { key: 'webhook_p50_ms', label: 'to webhook receiver p50 ms', better: 'lower' },
    { key: 'webhook_p99_ms', label: 'to webhook p99 ms', better: 'lower' },
    { key: 'received', label: 'probes received by both', better: 'none' },
  ],
  subjects: [{ id: 'unitrack', label: 'unitrack embedded default pipeline (no in-process peer delivers to both)' }],
  iterations: 300,
  smokeIterations: 10,
  reps: 3,
  note: `One probe every ${INTERVAL_MS} ms (an idle pipeline, not a loaded one); the webhook receiver answers 200 at once; the webhook exporter fsyncs its spool before sending, as it always does.`,
  async run(_subject, n, { tmpDir }): Promise<SubjectResult> {
    const sent = new Map<number, number>();
    const toDashboard: number[] = [];
    const toWebhook: number[] = [];
    const hookPort = await freePort();
    const hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const now = performance.now();
        res.writeHead(200).end();
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString());
          const seq = body?.data?.event?.attributes?.probe;
          const t = sent.get(seq);
          if (t !== undefined) toWebhook.push(now - t);
        } catch {}
      });
    });
    await new Promise<void>((r) => hook.listen(hookPort, '127.0.0.1', () => r()));
    const dashPort = await freePort();
    process.env.UNITRACK_WEBHOOK_URL = `http://127.0.0.1:${hookPort}/hook`;
    const sdk = await startEmbedded(tmpDir, `127.0.0.1:${dashPort}`);
    // The pipeline (and the dashboard's port) start with the first event.
    sdk.track({ event: 'bench_start', severity: 'info' });
    await sdk.flushTracking();
    let buffer = '';
    const stream = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const tryOpen = (left: number) => {
        const req = request(`http://127.0.0.1:${dashPort}/api/stream`, { headers: { accept: 'text/event-stream' } }, resolve);
        req.on('error', (e) => (left > 0 ? setTimeout(() => tryOpen(left - 1), 100) : reject(e)));
        req.end();
      };
      tryOpen(50);
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const now = performance.now();
      buffer += chunk;
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of frame.split('\n')) {
          if (!line.startsWith('data: ')) continue;
          try {
            const seq = JSON.parse(line.slice(6))?.attributes?.probe;
            const t = sent.get(seq);
            if (t !== undefined) toDashboard.push(now - t);
          } catch {}
        }
        end = buffer.indexOf('\n\n');
      }
    });
    await sleep(200);
    for (let i = 0; i < n; i++) {
      sent.set(i, performance.now());
      sdk.track({
        event: 'latency_probe',
        severity: 'high',
        category: 'task',
        message: `probe ${newWord(i)} failed`,
        metadata: { probe: i },
      });
      await sleep(INTERVAL_MS);
    }
    for (let i = 0; i < 100 && (toDashboard.length < n || toWebhook.length < n); i++) await sleep(50);
    stream.destroy();
    await sdk.shutdownTracking();
    await new Promise<void>((r) => hook.close(() => r()));
    return {
      dashboard_p50_ms: quantile(toDashboard, 0.5),
      dashboard_p99_ms: quantile(toDashboard, 0.99),
      webhook_p50_ms: quantile(toWebhook, 0.5),
      webhook_p99_ms: quantile(toWebhook, 0.99),
      received: Math.min(toDashboard.length, toWebhook.length),
    };
  },
};
