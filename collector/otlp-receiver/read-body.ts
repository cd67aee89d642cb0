import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate } from 'node:zlib';

/** Why a body could not be read; `status` is the HTTP answer (400, 413, 415). */
export class BodyError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface BodyLimits {
  /** Bytes on the wire. */
  maxBodyBytes: number;
  /** Bytes after decompression: a gzip bomb stops here, never inflated whole. */
  maxDecompressedBytes: number;
}

/** Reads a request body, inflating gzip/deflate as it streams, within both limits. */
export async function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBodyBytes) {
    req.resume();
    throw new BodyError(413, `body of ${declared} bytes is over the limit of ${limits.maxBodyBytes}`);
  }
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') {
    req.resume();
    throw new BodyError(415, `content-encoding "${encoding}" is not supported (use gzip or none)`);
  }
  let wire = 0;
  const source = req;
  const countWire = (chunk: Buffer) => {
    wire += chunk.length;
    if (wire > limits.maxBodyBytes) source.destroy(new BodyError(413, `body is over the limit of ${limits.maxBodyBytes} bytes`));
  };
  source.on('data', countWire);
  const stream = encoding === 'identity' ? source : source.pipe(encoding === 'gzip' ? createGunzip() : createInflate());
  if (stream !== source) source.on('error', (e) => stream.destroy(e));
  const chunks: Buffer[] = [];
  let size = 0;
  const limit = encoding === 'identity' ? limits.maxBodyBytes : limits.maxDecompressedBytes;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        stream.destroy();
        source.destroy();
        throw new BodyError(413, `decompressed body is over the limit of ${limit} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof BodyError) throw error;
    if (encoding !== 'identity')
      throw new BodyError(400, `cannot ${encoding === 'gzip' ? 'gunzip' : 'inflate'} the body: ${(error as Error).message}`);
    throw new BodyError(400, `cannot read the body: ${(error as Error).message}`);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}
