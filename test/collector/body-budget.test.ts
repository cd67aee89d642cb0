import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineRecord } from '../../model/record.ts';
import { SharedState } from '../../model/shared-state.ts';
import { Telemetry } from '../../model/telemetry.ts';
import type { Host, IngestSink } from '../../pipeline/component.ts';
import { OtlpReceiver } from '../../receivers/otlp/otlp-receiver.ts';

// Admission by bytes as well as by records: the bodies admitted requests read and decode at once
// stay within the receiver's budget (about one body of max_decompressed_size), however many
// clients post at once. A request over it waits unread in its socket, then gets 429.

const received: PipelineRecord[] = [];
const sink: IngestSink = {
  saturated: false,
  ingest: (records) => {
    received.push(...records);
    return true;
  },
};
const telemetry = new Telemetry();
const host: Host = { mode: 'collector', telemetry, dataDir: '.', shared: new SharedState(), reportError: () => {} };
const receiver = new OtlpReceiver(sink, {
  id: 'otlp',
  host,
  endpoint: '127.0.0.1:0',
  maxRequestBodySize: 4096,
  maxDecompressedSize: 4096,
  retryAfterSeconds: 2,
});
let port = 0;

beforeAll(async () => {
  await receiver.start();
  port = receiver.address?.port ?? 0;
});
afterAll(() => receiver.shutdown());

/** An OTLP JSON request of one record, padded with spaces to exactly `size` bytes. */
function body(id: string, size = 3000): Buffer {
  const json = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: id } }] }] }] });
  return Buffer.from(json.padEnd(size, ' '));
}

/** Starts a POST that declares its length; `send` writes the rest, and `answer` is its status. */
function post(data: Buffer, sendAtOnce: boolean) {
  let resolve!: (status: number) => void;
  const answer = new Promise<number>((r) => (resolve = r));
  const req = request(
    { port, method: 'POST', path: '/v1/logs', headers: { 'content-type': 'application/json', 'content-length': data.length } },
    (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)),
  );
  req.on('error', () => resolve(-1));
  if (sendAtOnce) req.end(data);
  else req.write(data.subarray(0, 100));
  return { answer, send: () => req.end(data.subarray(100)) };
}

describe('the OTLP/HTTP receiver: admission by body bytes', () => {
  it('holds a request while others read bodies up to its budget, refuses it with 429 after the wait, and takes it once they are done', async () => {
    // The first body is admitted and half read: 3000 of 4096 bytes held.
    const first = post(body('first'), false);
    await new Promise((r) => setTimeout(r, 50));
    // 3000 more would pass the budget: it waits unread, then is refused.
    const second = post(body('second'), true);
    expect(await second.answer).toBe(429);
    expect(telemetry.value('unitrack_receiver_throttled_requests_total', { receiver: 'otlp', signal: 'logs' })).toBe(1);
    first.send();
    expect(await first.answer).toBe(200);
    // Nothing held now: the next body is taken.
    expect(await post(body('third'), true).answer).toBe(200);
    expect(received.map((r) => r.body)).toEqual(['first', 'third']);
  });

  it('takes many small bodies at once (ten of 300 bytes fit the budget of 4096)', async () => {
    const all = await Promise.all(Array.from({ length: 10 }, (_, i) => post(body(`small ${i}`, 300), true).answer));
    expect(all).toEqual(Array(10).fill(200));
  });
});
