// BEFORE: every event is reported to each system by hand, each with its own shape, its own IDs
// (or none), its own failure modes. Four silos: a JSON event log, a notification webhook, a
// dashboard tracker and a "blog" of console lines.
//
//   npx node examples/06-migrating-from-silos/before.ts
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dashboardTracker, startWebhookReceiver } from './stubs.ts';

const dataDir = join(process.env.UNITRACK_DATA_DIR ?? './data', 'before');
await mkdir(dataDir, { recursive: true });
const webhook = await startWebhookReceiver('chat webhook');
const NOTIFY_WEBHOOK_URL = process.env.NOTIFY_WEBHOOK_URL || webhook.url;

async function logEvent(type: string, data: Record<string, unknown>) {
  await appendFile(join(dataDir, 'events.log'), `${JSON.stringify({ ts: new Date().toISOString(), type, ...data })}\n`);
}

// ── the application ──────────────────────────────────────────────────────────────────────────────

async function placeOrder(orderId: string, userId: string) {
  await logEvent('order_placed', { orderId, userId, items: 3 });
  dashboardTracker.track('order_placed', { orderId, userId });

  try {
    throw new Error('card declined', { cause: new Error('issuer timeout') });
  } catch (err) {
    const error = err as Error;
    await logEvent('payment_failed', { orderId, userId, error: error.message });
    dashboardTracker.error(error, { orderId });
    console.log(`${new Date().toISOString().slice(11, 19)} [HIGH] billing: payment failed for order ${orderId}: ${error.message}`);
    await fetch(NOTIFY_WEBHOOK_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: `:rotating_light: Payment failed for order ${orderId}: ${error.message}` }),
    }).catch((e) => console.error('notify failed', e)); // and if it fails, the alert is gone
  }
}

async function checkMcpServer() {
  await logEvent('mcp_server_failed', { server: 'memory' });
  console.log(`${new Date().toISOString().slice(11, 19)} [HIGH] mcp: memory server failed to respond`);
  dashboardTracker.track('mcp_server_failed', { server: 'memory' });
  await fetch(NOTIFY_WEBHOOK_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'Memory MCP server failed to respond' }),
  }).catch((e) => console.error('notify failed', e));
}

async function healthCheck() {
  await logEvent('health_ok', { uptimeSeconds: Math.round(process.uptime()) });
}

await placeOrder('1234', 'user-7');
await checkMcpServer();
await healthCheck();

webhook.close();
console.log(
  `\nbefore: ${join(dataDir, 'events.log')}, ${webhook.received.length} webhook posts, ${dashboardTracker.events.length} dashboard-tracker calls`,
);
