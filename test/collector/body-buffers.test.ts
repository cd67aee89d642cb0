import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BodyBuffers } from '../../receivers/otlp/body-buffers.ts';
import { readBody } from '../../receivers/otlp/read-body.ts';

describe('body buffers', () => {
  it('hands a given-back buffer to the next body that fits, and keeps no more than its limits', () => {
    const b = new BodyBuffers(2, 300_000);
    const first = b.take(100_000);
    expect(first.length).toBe(100_000);
    b.give(first);
    expect(b.kept).toEqual({ buffers: 1, bytes: 131_072 });
    const second = b.take(120_000);
    expect(second.buffer).toBe(first.buffer); // the same memory, reused
    const third = b.take(120_000);
    expect(third.buffer).not.toBe(second.buffer);
    const big = b.take(1_000_000);
    b.give(second);
    b.give(third);
    b.give(big); // past maxKeptBytes: not kept
    expect(b.kept).toEqual({ buffers: 2, bytes: 262_144 });
    // Only its own buffers, once each.
    b.give(Buffer.alloc(10));
    b.give(third);
    expect(b.kept.buffers).toBe(2);
  });
});

/** POSTs `body` to a server whose handler reads it with `readBody` into `buffers`. */
async function roundTrip(buffers: BodyBuffers, body: Buffer, headers: Record<string, string | number>): Promise<Buffer> {
  let got: Uint8Array | undefined;
  const server = createServer((req, res) => {
    readBody(req, { maxBodyBytes: 1 << 20, maxDecompressedBytes: 1 << 22 }, buffers).then((b) => {
      got = Buffer.from(b); // a copy: the buffer goes back at once, as the receiver does after decoding
      buffers.give(b);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => {
    const req = request({ port, method: 'POST', path: '/', headers }, (res) => res.resume().on('end', resolve));
    req.on('error', reject);
    // In pieces, so the body arrives in several chunks.
    for (let i = 0; i < body.length; i += 10_000) req.write(body.subarray(i, i + 10_000));
    req.end();
  });
  await new Promise((r) => server.close(r));
  return got as Buffer;
}

describe('readBody into body buffers', () => {
  const body = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) % 251));

  it('reads a body of known length, a chunked one and a gzipped one byte for byte, reusing one buffer', async () => {
    const buffers = new BodyBuffers();
    expect(await roundTrip(buffers, body, { 'content-length': body.length })).toEqual(body);
    expect(buffers.kept.buffers).toBe(1);
    expect(await roundTrip(buffers, body, { 'transfer-encoding': 'chunked' })).toEqual(body);
    expect(await roundTrip(buffers, gzipSync(body), { 'content-encoding': 'gzip', 'transfer-encoding': 'chunked' })).toEqual(body);
    expect(buffers.kept.buffers).toBe(1);
  });
});
