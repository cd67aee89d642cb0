// The stream hub with fleet-wide ids (shareIds): a Last-Event-ID above the newest id this instance
// holds is an event another instance streamed first, so the client resumes from it rather than
// being told to reset (which, here, would replay what it already has).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
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

/** A hub behind a server, and a reader of the frames one client gets after connecting with `lastEventId`. */
async function follow(shared: boolean, lastEventId: number) {
  const h = new StreamHub({ bufferSize: 100, heartbeatMs: 60_000, retryMs: 100, telemetry: new Telemetry() });
  hub = h;
  const seeded = [1, 2, 3, 4, 5].map(stored);
  if (shared) h.shareIds(seeded);
  else h.seed(seeded);
  server = createServer((req, res) => h.connect(req, res, {}, Number(req.headers['last-event-id'])));
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
    headers: { 'last-event-id': String(lastEventId) },
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  return {
    publish: (...ids: number[]) => h.publish(ids.map(stored)),
    async until(part: string): Promise<string> {
      while (!text.includes(part)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
      await reader.cancel();
      return text;
    },
  };
}

describe('stream hub ids', () => {
  it('fleet-wide: a Last-Event-ID ahead of this instance resumes after it, without a reset or a repeat', async () => {
    const client = await follow(true, 7);
    client.publish(6, 7, 8);
    const text = await client.until('id: 8');
    expect(text).not.toContain('event: reset');
    expect(text.match(/^id: \d+$/gm)).toEqual(['id: 8']);
  });

  it('one instance: the same Last-Event-ID ahead of the store (ids from before a reset) is told to reset', async () => {
    const client = await follow(false, 7);
    const text = await client.until('event: reset');
    expect(text).toContain('event: reset');
  });
});
