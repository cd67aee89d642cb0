// Stand-ins for the systems the "before" code talks to, so both versions run anywhere.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A webhook receiver on a free local port (think: the chat or paging service's incoming webhook). */
export async function startWebhookReceiver(label: string) {
  const received: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body));
      console.log(`[${label}] received POST ${req.url}: ${body.slice(0, 120)}${body.length > 120 ? '…' : ''}`);
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/alerts`, received, close: () => server.close() };
}

/** The in-house "dashboard tracker" SDK the before code calls: here it only remembers and prints. */
export const dashboardTracker = {
  events: [] as { name: string; props: Record<string, unknown> }[],
  track(name: string, props: Record<string, unknown> = {}) {
    this.events.push({ name, props });
    console.log(`[dashboard-tracker] ${name} ${JSON.stringify(props)}`);
  },
  error(error: Error, props: Record<string, unknown> = {}) {
    this.track('error', { ...props, message: error.message });
  },
};
