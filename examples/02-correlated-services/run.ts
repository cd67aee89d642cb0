// Starts inventory and checkout as two processes on free ports, places one order, stops both
// (SIGTERM: each drains its queues), then prints both services' records side by side.
//
//   npx node examples/02-correlated-services/run.ts
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const dataDir = process.env.UNITRACK_DATA_DIR ?? './data';

/** Starts one service and resolves with its URL, read from its first line of output. */
async function startService(file: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, file)], {
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.on('exit', () => child.kill()); // never leave a service behind, even if this script fails
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { child, url: line.slice(line.indexOf('http://')) };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

const inventory = await startService('inventory.ts', {});
const checkout = await startService('checkout.ts', { INVENTORY_URL: inventory.url });
console.log(`inventory at ${inventory.url}, checkout at ${checkout.url}`);

const order = randomInt(1000, 10000);
const reply = await fetch(`${checkout.url}/checkout?order=${order}`);
const body = (await reply.json()) as { correlationId: string };
console.log(`GET /checkout?order=${order} → ${reply.status} ${JSON.stringify(body)}\n`);

await stop(checkout.child);
await stop(inventory.child);

// Both services' records of this order's correlation ID, in time order (the files keep earlier runs too).
const records = ['checkout', 'inventory']
  .flatMap((service) =>
    readFileSync(join(dataDir, `${service}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, string>),
  )
  .filter((r) => r.correlation_id === body.correlationId)
  .sort((a, b) => a.time.localeCompare(b.time));

const row = (cells: string[]) => console.log(cells.map((c, i) => c.padEnd([10, 19, 32, 16, 15, 0][i])).join(' '));
row(['service', 'event', 'trace_id', 'span_id', 'correlation_id', 'request_id']);
for (const r of records) row([r.service, r.event, r.trace_id, r.span_id, r.correlation_id, r.request_id ?? '']);
const traces = new Set(records.map((r) => r.trace_id));
console.log(`\n${records.length} records from ${new Set(records.map((r) => r.service)).size} services, ${traces.size} trace ID.`);
