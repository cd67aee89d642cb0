// AFTER: one track() per event. Where each event goes (file, webhook, dashboard, blog) is decided
// once, in unitrack.yaml; every destination gets the same record, with the same IDs.
//
//   npx node examples/06-migrating-from-silos/after.ts
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  flushTracking,
  initTracking,
  shutdownTracking,
  track,
  trackError,
  trackHealthEvent,
  trackMcpEvent,
  withCorrelation,
} from 'unitrack';
import { startWebhookReceiver } from './stubs.ts';

const webhook = await startWebhookReceiver('chat webhook');
process.env.UNITRACK_WEBHOOK_URL ||= webhook.url; // set it to your real receiver to try it there
initTracking({ serviceName: 'shop', config: join(import.meta.dirname, 'unitrack.yaml') });

// ── the application ──────────────────────────────────────────────────────────────────────────────

function placeOrder(orderId: string, userId: string) {
  withCorrelation({ correlationId: `order-${orderId}` }, () => {
    track({ event: 'order_placed', category: 'task', message: `Order ${orderId} placed`, user: userId, metadata: { items: 3 } });

    try {
      throw new Error('card declined', { cause: new Error('issuer timeout') });
    } catch (error) {
      trackError('payment_failed', error, { component: 'billing', user: userId, message: `Payment failed for order ${orderId}` });
    }
  });
}

function checkMcpServer() {
  trackMcpEvent('mcp_server_failed', 'Memory server failed to respond', {
    severity: 'high',
    component: 'mcp_client',
    metadata: { server: 'memory' },
  });
}

function healthCheck() {
  trackHealthEvent('health_ok', 'Health check passed', { metadata: { uptime_seconds: Math.round(process.uptime()) } });
}

placeOrder('1234', 'user-7');
checkMcpServer();
healthCheck();

// ── where it all went ────────────────────────────────────────────────────────────────────────────

await flushTracking(); // everything accepted so far is written and delivered
const dashboard = `http://${process.env.UNITRACK_DASHBOARD_ENDPOINT ?? '127.0.0.1:4319'}`;
const { events } = (await (await fetch(`${dashboard}/api/events?limit=4`)).json()) as { events: { event: string }[] };
await shutdownTracking();
webhook.close();

const dataDir = join(process.env.UNITRACK_DATA_DIR ?? './data', 'after');
const lines = readFileSync(join(dataDir, 'events.jsonl'), 'utf8').trim().split('\n').slice(-4);
console.log(`\nevents.log → ${join(dataDir, 'events.jsonl')}, the last 4 lines:`);
for (const line of lines) console.log(`  ${line.slice(0, 150)}…`);
console.log(`hand-made webhook POSTs → ${webhook.received.length} unitrack.alert notifications (high and critical only)`);
console.log(`dashboard-tracker calls → ${dashboard}, latest events: ${events.map((e) => e.event).join(', ')}`);
for (const day of readdirSync(join(dataDir, 'blog'))) {
  console.log(`console "blog" lines → ${join(dataDir, 'blog', day)}:`);
  console.log(
    readFileSync(join(dataDir, 'blog', day), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('- '))
      .map((l) => `  ${l}`)
      .join('\n'),
  );
}
