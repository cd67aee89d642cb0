// The live tail's ring at its default size: it replays what it holds to a reconnecting client, and
// tells one whose Last-Event-ID it no longer reaches to reset; its memory is bounded by that size.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { dashboardConfig } from '../../exporters/dashboard/dashboard-factory.ts';
import { StreamHub } from '../../exporters/dashboard/stream-hub.ts';
import { Telemetry } from '../../model/telemetry.ts';
import { storedEvent } from '../helpers/stored-event.ts';

const stored = storedEvent;

let server: Server | undefined;
let hub: StreamHub | undefined;
afterEach(() => {
  hub?.close();
  server?.close();
});

async function firstFrames(h: StreamHub, lastEventId: number, until: string): Promise<string> {
  server = createServer((req, res) => h.connect(req, res, {}, Number(req.headers['last-event-id'])));
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
    headers: { 'last-event-id': String(lastEventId) },
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(until)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

describe('the stream ring at its default size', () => {
  const size = dashboardConfig.parse({}).buffer_size;

  it('is 2,000 events', () => {
    expect(size).toBe(2000);
  });

  it('replays every event it still holds, in order, to a reconnecting client', async () => {
    hub = new StreamHub({ bufferSize: size, heartbeatMs: 60_000, retryMs: 100, telemetry: new Telemetry() });
    hub.publish(Array.from({ length: 5000 }, (_, i) => stored(i + 1)));
    const text = await firstFrames(hub, 5000 - size, 'id: 5000\n');
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual(Array.from({ length: size }, (_, i) => 5000 - size + 1 + i));
  });

  it('tells a client whose Last-Event-ID it no longer reaches to reset', async () => {
    hub = new StreamHub({ bufferSize: size, heartbeatMs: 60_000, retryMs: 100, telemetry: new Telemetry() });
    hub.publish(Array.from({ length: 5000 }, (_, i) => stored(i + 1)));
    const text = await firstFrames(hub, 5000 - size - 1, 'event: reset');
    expect(text).toContain(`event: reset\ndata: {"latest":5000,"since":${5000 - size - 1}}`);
  });
});
