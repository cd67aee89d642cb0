import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate } from 'node:zlib';
import type { BodyBuffers } from './body-buffers.ts';

/** Why a body could not be read; `status` is the HTTP answer (400, 413, 415). */
export class BodyError extends Error {
  readonly status: number;
  /** The rest of the body was not read: answer with `Connection: close`. */
  readonly close: boolean;
  constructor(status: number, message: string, close = false) {
    super(message);
    this.status = status;
    this.close = close;
  }
}

export interface BodyLimits {
  /** Bytes on the wire. */
  maxBodyBytes: number;
  /** Bytes after decompression: a gzip bomb stops here, never inflated whole. */
  maxDecompressedBytes: number;
}

/**
 * Reads a request body, inflating gzip/deflate as it streams, within both limits.
 *
 * A refusal never resets the connection before the client has its answer: when a BodyError is
 * thrown, the rest of the body has been read and discarded (within the wire limit), or `close`
 * says it could not be and the answer must close the connection.
 *
 * With `buffers`, the body is read into one of theirs (a body of known length is copied there as
 * it arrives, chunk by chunk, instead of being joined at the end): give it back once decoded.
 */
export function readBody(req: IncomingMessage, limits: BodyLimits, buffers?: BodyBuffers): Promise<Uint8Array> {
  const max = limits.maxBodyBytes;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max)
    return Promise.reject(new BodyError(413, `body of ${declared} bytes is over the limit of ${max}`, true));
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') {
    return drainBody(req, 0, max).then((overflow) => {
      throw new BodyError(415, `content-encoding "${encoding}" is not supported (use gzip or none)`, overflow);
    });
  }
  const limit = encoding === 'identity' ? max : limits.maxDecompressedBytes;
  const inflater = encoding === 'identity' ? undefined : encoding === 'gzip' ? createGunzip() : createInflate();
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    // Known length, no inflating: straight into a buffer of that length.
    let into = buffers && !inflater && Number.isFinite(declared) && declared > 0 ? buffers.take(declared) : undefined;
    let wire = 0;
    let size = 0;
    let settled = false;
    const stop = () => {
      settled = true;
      if (into) buffers?.give(into);
      into = undefined;
      req.off('data', onWire);
      req.off('end', onEnd);
      req.off('error', onError);
      if (inflater) {
        req.unpipe(inflater);
        inflater.destroy();
      }
    };
    // Answer at once: the body is already past the wire limit, so nothing is left to drain.
    const overWire = () => {
      stop();
      req.resume(); // discarded until the connection closes
      reject(new BodyError(413, `body is over the limit of ${max} bytes`, true));
    };
    // Read what is left within the wire limit, so the client is not sending when the answer comes.
    const refuse = (status: number, message: string, close: boolean) => {
      stop();
      drainBody(req, wire, max).then((overflow) => reject(new BodyError(status, message, close || overflow)));
    };
    const take = (chunk: Buffer) => {
      if (settled) return;
      const at = size;
      size += chunk.length;
      if (size > limit) {
        if (inflater) refuse(413, `decompressed body is over the limit of ${limit} bytes`, true);
        else overWire();
        return;
      }
      if (!into) chunks.push(chunk);
      else if (size <= into.length) chunk.copy(into, at);
      else {
        // More than declared (Node's parser stops at Content-Length, so only in theory): join instead.
        const head = Buffer.from(into.subarray(0, at));
        buffers?.give(into);
        into = undefined;
        chunks.push(head, chunk);
      }
    };
    const finish = () => {
      if (settled) return;
      let body: Buffer;
      if (into) body = into.subarray(0, size);
      else if (chunks.length === 1) body = chunks[0];
      else if (buffers && size > 0) {
        body = buffers.take(size);
        let at = 0;
        for (const c of chunks) at += c.copy(body, at);
      } else body = Buffer.concat(chunks, size);
      into = undefined; // handed over with the body, not given back by stop()
      stop();
      resolve(body);
    };
    const onWire = (chunk: Buffer) => {
      wire += chunk.length;
      if (wire > max) overWire();
      else if (!inflater) take(chunk);
    };
    const onEnd = () => {
      if (!inflater) finish();
    };
    const onError = (error: Error) => {
      if (settled) return;
      stop();
      reject(new BodyError(400, `cannot read the body: ${error.message}`));
    };
    req.on('data', onWire);
    req.on('end', onEnd);
    req.on('error', onError);
    if (inflater) {
      inflater.on('data', take);
      inflater.on('end', finish);
      inflater.on('error', (error) => {
        if (!settled) refuse(400, `cannot ${encoding === 'gzip' ? 'gunzip' : 'inflate'} the body: ${error.message}`, false);
      });
      req.pipe(inflater);
    }
  });
}

/**
 * Reads and discards what is left of a body, `already` bytes of it read; true when it goes past
 * `max` or the client goes away: the answer must then close the connection.
 */
export function drainBody(req: IncomingMessage, already: number, max: number): Promise<boolean> {
  if (req.complete) return Promise.resolve(false);
  return new Promise((resolve) => {
    let wire = already;
    const done = (overflow: boolean) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      resolve(overflow);
    };
    const onData = (chunk: Buffer) => {
      wire += chunk.length;
      if (wire > max) done(true);
    };
    const onEnd = () => done(false);
    const onGone = () => done(true);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
    req.resume();
  });
}

/**
 * For a refusal answered before the body is read (415, 429, 503, …): discards the body in the
 * background within the wire limit, so a keep-alive client gets its answer; a body declared or
 * found larger closes the connection (the answer has long gone by then).
 */
export function discardBody(req: IncomingMessage, closeAfter: { setHeader(name: string, value: string): unknown }, max: number): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    // Not read at all: Node closes the connection once the answer is written.
    closeAfter.setHeader('connection', 'close');
    return;
  }
  drainBody(req, 0, max).then((overflow) => {
    if (overflow) req.socket.destroy();
  });
}
