// A day's worth of a small shop in about 50 events and 9 issues: two services, two environments,
// two releases, errors with stack traces (the application's frames and a dependency's), info
// events, users. The browser tests and the README's screenshots use it.
import type { Service } from '../../pipeline/service.ts';
import { record } from '../dashboard/helpers.ts';

const MINUTE = 60_000;

const CHECKOUT_STACK = [
  'PaymentDeclinedError: Card declined for order 4411',
  '    at chargeCard (/srv/shop/src/payments/charge.ts:42:11)',
  '    at async placeOrder (/srv/shop/src/orders/place-order.ts:88:5)',
  '    at Layer.handle (/srv/shop/node_modules/express/lib/router/layer.js:95:5)',
  '    at next (/srv/shop/node_modules/express/lib/router/route.js:149:13)',
  '    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)',
].join('\n');

const TIMEOUT_STACK = [
  'TimeoutError: Query timed out after 5000 ms',
  '    at Pool.query (/srv/shop/node_modules/pg-pool/index.js:45:11)',
  '    at loadInventory (/srv/shop/src/inventory/load.ts:17:20)',
  '    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)',
].join('\n');

const TYPE_STACK = [
  "TypeError: Cannot read properties of undefined (reading 'price')",
  '    at renderCart (/srv/web/src/cart/render.ts:23:31)',
  '    at /srv/web/node_modules/react-dom/cjs/react-dom.production.js:1:1',
].join('\n');

interface Spec {
  body: string;
  severity: number;
  service: 'checkout-api' | 'web-frontend';
  env?: 'production' | 'staging';
  release?: string;
  attrs?: Record<string, unknown>;
  minutesAgo: number;
  event?: string;
}

function resource(s: Spec): Record<string, string> {
  return {
    'service.name': s.service,
    'service.version': s.release ?? (s.service === 'checkout-api' ? '1.4.2' : '2.0.1'),
    'deployment.environment.name': s.env ?? 'production',
    'host.name': s.service === 'checkout-api' ? 'shop-7f9c' : 'web-2b1d',
  };
}

/** Ingests the data set; returns how many events went in. Times are spread over the last 50 minutes. */
export async function ingestRealisticData(service: Service, now = Date.now()): Promise<number> {
  const specs: Spec[] = [];
  for (let i = 0; i < 15; i++)
    specs.push({
      body: 'Card declined for order 4411',
      severity: 17,
      service: 'checkout-api',
      release: i < 5 ? '1.4.1' : '1.4.2',
      attrs: {
        'exception.type': 'PaymentDeclinedError',
        'exception.message': 'Card declined for order 4411',
        'exception.stacktrace': CHECKOUT_STACK,
        'unitrack.component': 'payments',
        'unitrack.category': 'error',
        'user.id': `user-${(i % 6) + 1}`,
        'payment.provider': i % 3 === 0 ? 'adyen' : 'stripe',
        'http.route': '/api/orders',
      },
      minutesAgo: 48 - i * 3,
      event: 'payment_failed',
    });
  for (let i = 0; i < 6; i++)
    specs.push({
      body: 'Query timed out after 5000 ms',
      severity: 21,
      service: 'checkout-api',
      env: i % 2 ? 'staging' : 'production',
      attrs: {
        'exception.type': 'TimeoutError',
        'exception.stacktrace': TIMEOUT_STACK,
        'unitrack.component': 'inventory',
        'db.system.name': 'postgresql',
      },
      minutesAgo: 20 - i * 3,
      event: 'db_timeout',
    });
  for (let i = 0; i < 5; i++)
    specs.push({
      body: "Cannot read properties of undefined (reading 'price')",
      severity: 17,
      service: 'web-frontend',
      attrs: {
        'exception.type': 'TypeError',
        'exception.stacktrace': TYPE_STACK,
        'unitrack.component': 'cart',
        'user.id': `user-${i + 3}`,
        'browser.name': i % 2 ? 'Firefox' : 'Chrome',
      },
      minutesAgo: 30 - i * 5,
      event: 'render_failed',
    });
  for (let i = 0; i < 4; i++)
    specs.push({
      body: 'Webhook delivery to partner failed: 502',
      severity: 17,
      service: 'checkout-api',
      attrs: { 'unitrack.component': 'webhooks', 'http.response.status_code': 502 },
      minutesAgo: 40 - i * 9,
      event: 'webhook_failed',
    });
  for (let i = 0; i < 5; i++)
    specs.push({
      body: `Slow query on orders took ${800 + i * 37} ms`,
      severity: 13,
      service: 'checkout-api',
      attrs: { 'unitrack.component': 'orders', 'db.system.name': 'postgresql' },
      minutesAgo: 45 - i * 8,
      event: 'slow_query',
    });
  for (let i = 0; i < 8; i++)
    specs.push({
      body: `Order ${5000 + i} placed`,
      severity: 9,
      service: 'checkout-api',
      attrs: { 'unitrack.component': 'orders', 'unitrack.category': 'task', 'user.id': `user-${(i % 5) + 1}` },
      minutesAgo: 47 - i * 6,
      event: 'order_placed',
    });
  for (let i = 0; i < 5; i++)
    specs.push({
      body: `User user-${i + 1} logged in`,
      severity: 9,
      service: 'web-frontend',
      attrs: { 'unitrack.component': 'auth', 'user.id': `user-${i + 1}` },
      minutesAgo: 44 - i * 9,
      event: 'user_logged_in',
    });
  specs.push({
    body: 'Cache warmed',
    severity: 5,
    service: 'checkout-api',
    attrs: { 'unitrack.component': 'cache' },
    minutesAgo: 49,
    event: 'cache_warmed',
  });
  specs.push({
    body: 'Rate limit near for partner API',
    severity: 11,
    service: 'checkout-api',
    attrs: { 'unitrack.component': 'partners' },
    minutesAgo: 12,
    event: 'partner_rate_limit',
  });
  specs.sort((a, b) => b.minutesAgo - a.minutesAgo);
  service.ingest(
    specs.map((s, i) =>
      record(s.body, {
        severityNumber: s.severity,
        attributes: s.attrs,
        eventName: s.event,
        resource: resource(s),
        time: now - s.minutesAgo * MINUTE + i,
        traceId: i % 4 === 0 ? `${(0x4bf92f35 + i).toString(16)}77b34da6a3ce929d0e0e4736` : undefined,
      }),
    ),
  );
  await service.forceFlush();
  return specs.length;
}
