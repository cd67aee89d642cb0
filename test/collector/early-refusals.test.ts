import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedState } from '../../model/shared-state.ts';
import { Telemetry } from '../../model/telemetry.ts';
import type { Host, IngestSink } from '../../pipeline/component.ts';
import { OtlpReceiver } from '../../receivers/otlp/otlp-receiver.ts';

// Every refusal reaches a real client as a status, never as a reset connection: the receiver
// reads what is left of the body within the wire limit before it answers, or answers with
// `Connection: close` when the body is past it.

const KiB = 1024;
const MiB = 1024 * KiB;
const WIRE = 2 * MiB;
const INFLATED = 1 * MiB;

const sink: IngestSink & { saturated: boolean } = { saturated: false, ingest: () => true };
const errors: unknown[] = [];
const host: Host = {
  mode: 'collector',
  telemetry: new Telemetry(),
  dataDir: '.',
  shared: new SharedState(),
  reportError: (_id, error) => errors.push(error),
};
const receiver = new OtlpReceiver(sink, {
  id: 'otlp',
  host,
  endpoint: '127.0.0.1:0',
  maxRequestBodySize: WIRE,
  maxDecompressedSize: INFLATED,
  retryAfterSeconds: 3,
});
let base = '';

beforeAll(async () => {
  await receiver.start();
  base = `http://127.0.0.1:${receiver.address?.port}`;
});
afterAll(() => receiver.shutdown());

/** 1 GiB of zeros: about 1 MB on the wire, within WIRE, a thousand times INFLATED. */
const bomb = gzipSync(Buffer.alloc(1024 * MiB), { level: 9 });
const deflateBomb = deflateSync(Buffer.alloc(256 * MiB));
/** Random bytes do not compress: the wire limit is reached before the decompressed one. */
const incompressible = gzipSync(randomBytes(3 * WIRE), { level: 0 });
const proto = { 'content-type': 'application/x-protobuf' };
const gzipProto = { ...proto, 'content-encoding': 'gzip' };

interface Answer {
  status: number | string;
  connection?: string;
  retryAfter?: string;
  body: string;
}

/** A raw node:http client; `chunked` writes the body in 64 KiB pieces without a Content-Length. */
function viaHttp(body: Buffer, headers: Record<string, string>, chunked = false, agent?: Agent): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(`${base}/v1/logs`, { method: 'POST', headers, agent }, (res) => {
      let text = '';
      res.setEncoding('latin1');
      res.on('data', (c) => (text += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          connection: res.headers.connection,
          retryAfter: res.headers['retry-after'] as string | undefined,
          body: text,
        }),
      );
    });
    req.on('error', (e) => resolve({ status: (e as NodeJS.ErrnoException).code ?? String(e), body: '' }));
    if (!chunked) {
      req.end(body);
      return;
    }
    let at = 0;
    const pump = () => {
      while (at < body.length) {
        const piece = body.subarray(at, at + 64 * KiB);
        at += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

async function viaFetch(body: Buffer, headers: Record<string, string>): Promise<Answer> {
  try {
    const res = await fetch(`${base}/v1/logs`, { method: 'POST', headers, body: new Uint8Array(body) });
    return {
      status: res.status,
      connection: res.headers.get('connection') ?? undefined,
      retryAfter: res.headers.get('retry-after') ?? undefined,
      body: await res.text(),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { status: cause?.code ?? String(error), body: '' };
  }
}

const clients = [
  ['node:http', (b: Buffer, h: Record<string, string>) => viaHttp(b, h)],
  ['node:http chunked', (b: Buffer, h: Record<string, string>) => viaHttp(b, h, true)],
  ['fetch', viaFetch],
] as const;

/** Loopback hides most races, so each case runs a few times. */
const ROUNDS = 3;

async function expectServing() {
  const ok = await viaFetch(Buffer.from('{"resourceLogs":[]}'), { 'content-type': 'application/json' });
  expect(ok.status).toBe(200);
}

describe('early refusals answer with a status', () => {
  it('the test bomb is within the wire limit and far past the decompressed one', () => {
    expect(bomb.length).toBeLessThan(WIRE);
    expect(bomb.length).toBeGreaterThan(INFLATED / 2);
  });

  describe.each(clients)('%s', (_name, send) => {
    it('a gzip bomb gets 413 with Connection: close, not a reset', async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const res = await send(bomb, gzipProto);
        expect(res.status).toBe(413);
        expect(res.connection).toBe('close');
        expect(res.body).toContain(`decompressed body is over the limit of ${INFLATED} bytes`);
      }
      await expectServing();
    });

    it('a deflate bomb gets 413 too', async () => {
      const res = await send(deflateBomb, { ...proto, 'content-encoding': 'deflate' });
      expect(res.status).toBe(413);
      expect(res.connection).toBe('close');
    });

    it('a body past the wire limit gets 413 with Connection: close', async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const res = await send(Buffer.alloc(3 * WIRE, 1), proto);
        expect(res.status).toBe(413);
        expect(res.connection).toBe('close');
        expect(res.body).toContain(`limit of ${WIRE}`);
      }
      await expectServing();
    });

    it('a compressed body past the wire limit gets 413', async () => {
      const res = await send(incompressible, gzipProto);
      expect(res.status).toBe(413);
      expect(res.connection).toBe('close');
    });

    it('a body that is not gzip gets 400 after it is read', async () => {
      const res = await send(Buffer.alloc(MiB, 7), gzipProto);
      expect(res.status).toBe(400);
      expect(res.body).toContain('cannot gunzip');
      await expectServing();
    });

    it('an unknown content-encoding gets 415', async () => {
      const res = await send(Buffer.alloc(MiB, 7), { ...proto, 'content-encoding': 'br' });
      expect(res.status).toBe(415);
      expect(res.body).toContain('content-encoding "br"');
    });

    it('a wrong content-type with a large body gets 415', async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const res = await send(Buffer.alloc(MiB + 17, 7), { 'content-type': 'text/plain' });
        expect(res.status).toBe(415);
      }
      const over = await send(Buffer.alloc(3 * WIRE, 7), { 'content-type': 'text/plain' });
      expect(over.status).toBe(415);
      await expectServing();
    });

    it('a full pipeline gets 429 with Retry-After before the body is read', async () => {
      sink.saturated = true;
      try {
        for (let i = 0; i < ROUNDS; i++) {
          const res = await send(Buffer.alloc(MiB + 3, 1), proto);
          expect(res.status).toBe(429);
          expect(res.retryAfter).toBe('3');
        }
      } finally {
        sink.saturated = false;
      }
      await expectServing();
    });
  });

  it('a refusal of a body within the limit keeps the connection for the next request', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set<unknown>();
      agent.on('free', (socket) => sockets.add(socket));
      const refused = await viaHttp(Buffer.alloc(MiB, 7), { 'content-type': 'text/plain' }, false, agent);
      expect(refused.status).toBe(415);
      expect(refused.connection).not.toBe('close');
      const ok = await viaHttp(Buffer.from('{"resourceLogs":[]}'), { 'content-type': 'application/json' }, false, agent);
      expect(ok.status).toBe(200);
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('reported no internal error', () => {
    expect(errors).toEqual([]);
  });
});
