// Service A, "checkout": takes an order, calls inventory (service B) inside withCorrelation, so
// both services' events share one trace ID and one correlation ID.
//
//   PORT=3001 INVENTORY_URL=http://127.0.0.1:3002 npx node examples/02-correlated-services/checkout.ts
import { createServer } from 'node:http';
import { currentCorrelation, track, trackError, withCorrelation } from 'unitrack';
import { announce, serverSpan, setUpTracking, tracedFetch } from './tracking.ts';

setUpTracking('checkout');
const inventory = process.env.INVENTORY_URL ?? 'http://127.0.0.1:3002';

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://checkout');
  const order = url.searchParams.get('order') ?? String(Date.now());
  void serverSpan(`${req.method} /checkout`, req.headers, () =>
    withCorrelation({ correlationId: `order-${order}`, requestId: `req-${order}-1` }, async () => {
      track({ event: 'checkout_started', category: 'task', component: 'checkout', message: `Checkout of order ${order}` });
      try {
        const reply = await tracedFetch(`${inventory}/reserve?sku=book-42`);
        const stock = (await reply.json()) as { left: number };
        track({ event: 'checkout_completed', category: 'task', component: 'checkout', message: `Order ${order} placed`, metadata: stock });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ order, ...currentCorrelation() }));
      } catch (error) {
        trackError('inventory_unreachable', new Error('could not reserve stock', { cause: error }), { component: 'checkout' });
        res.writeHead(502).end();
      }
    }),
  );
});

server.listen(Number(process.env.PORT ?? 3001), '127.0.0.1', () => announce('checkout', server.address()));
