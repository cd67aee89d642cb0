// Service B, "inventory": reserves stock. Its events carry the caller's trace ID and correlation ID
// because serverSpan() continues the trace and baggage that arrived with the request.
//
//   PORT=3002 npx node examples/02-correlated-services/inventory.ts
import { createServer } from 'node:http';
import { track } from 'unitrack';
import { announce, serverSpan, setUpTracking } from './tracking.ts';

setUpTracking('inventory');

const server = createServer((req, res) => {
  void serverSpan(`${req.method} /reserve`, req.headers, async () => {
    const url = new URL(req.url ?? '/', 'http://inventory');
    const sku = url.searchParams.get('sku') ?? 'unknown';
    const left = 2;
    track({ event: 'stock_reserved', category: 'task', component: 'inventory', message: `Reserved 1 × ${sku}`, metadata: { sku, left } });
    if (left < 5)
      track({ event: 'stock_low', severity: 'medium', category: 'task', component: 'inventory', message: `Only ${left} × ${sku} left` });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sku, reserved: 1, left }));
  });
});

// initTracking() drains every queue on SIGTERM and Ctrl-C before the process ends.
server.listen(Number(process.env.PORT ?? 3002), '127.0.0.1', () => announce('inventory', server.address()));
