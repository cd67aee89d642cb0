import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProtoError } from '../../model/wire/proto-reader.ts';
import type { ComponentContext, Description, Host, IngestSink, Receiver } from '../../pipeline/component.ts';
import { httpUrl, splitEndpoint } from '../../pipeline/endpoint.ts';
import { registerListeningPort } from '../../pipeline/listening-ports.ts';
import { StartError } from '../../pipeline/start-up.ts';
import { Admission, type Signal } from './admission.ts';
import { BodyBuffers } from './body-buffers.ts';
import type { DecodedBatch } from './decoded-batch.ts';
import { decodeLogsJson, decodeTracesJson, OtlpJsonError } from './json-decode.ts';
import { decodeLogsProto } from './proto-logs.ts';
import { decodeTracesProto } from './proto-traces.ts';
import { BodyError, discardBody, readBody } from './read-body.ts';
import { type Encoding, sendStatus, sendSuccess } from './responses.ts';

export interface OtlpReceiverOptions {
  /** host:port; port 0 picks a free port. */
  endpoint: string;
  /** Bytes on the wire per request. */
  maxRequestBodySize: number;
  /** Bytes after decompression per request. */
  maxDecompressedSize: number;
  /** Seconds clients are told to wait when the pipeline is full. */
  retryAfterSeconds: number;
}

/** What a body of unknown length (chunked, or compressed on the fly) counts against the body budget until it is read. */
const UNKNOWN_LENGTH_BYTES = 1024 * 1024;

const DECODERS: Record<Signal, Record<Encoding, (b: Uint8Array) => DecodedBatch>> = {
  logs: { proto: decodeLogsProto, json: decodeLogsJson },
  traces: { proto: decodeTracesProto, json: decodeTracesJson },
};

/** OTLP/HTTP: POST /v1/logs and /v1/traces, protobuf or JSON, gzip; GET /healthz and /metrics. */
export class OtlpReceiver implements Receiver {
  readonly #options: OtlpReceiverOptions;
  readonly #host: Host;
  readonly #server: Server;
  readonly #admission: Admission;
  readonly #bodies = new BodyBuffers();

  constructor(sink: IngestSink, options: OtlpReceiverOptions & ComponentContext) {
    const { id, host } = options;
    this.#options = options;
    this.#host = host;
    // Bodies read at once: about one of the largest allowed, so bodies in memory stay within twice that.
    this.#admission = new Admission(sink, host.telemetry, { receiver: id }, options.maxDecompressedSize);
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error) => {
        host.reportError(id, error);
        sendStatus(res, 500, 'internal error');
      });
    });
    this.#server.keepAliveTimeout = 30_000;
    this.#server.headersTimeout = 35_000;
    this.#server.requestTimeout = 60_000;
  }

  /** The bound address (useful with port 0). */
  get address(): AddressInfo | undefined {
    const a = this.#server.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  async start(): Promise<void> {
    const { host, port } = splitEndpoint(this.#options.endpoint);
    try {
      registerListeningPort(this.#server);
      this.#server.listen(port, host);
      await once(this.#server, 'listening');
    } catch (error) {
      throw new StartError('cannot listen on', this.#options.endpoint, error);
    }
  }

  describe(): Description {
    const a = this.address;
    return a ? { endpoints: [{ name: 'OTLP/HTTP', url: httpUrl(a) }] } : {};
  }

  async shutdown(): Promise<void> {
    this.#admission.stop();
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    await closed;
  }

  /** Before an answer that does not read the body: discard it within the wire limit. */
  #discard(req: IncomingMessage, res: ServerResponse): void {
    discardBody(req, res, this.#options.maxRequestBodySize);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const stopping = this.#admission.stopping;
    if (req.method === 'GET' && path === '/healthz') {
      const health = this.#host.health?.() ?? { status: stopping ? 'draining' : 'ready', ready: !stopping };
      const ready = health.ready && !stopping;
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(health));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(this.#host.telemetry.render());
      return;
    }
    const signal: Signal | undefined = path === '/v1/logs' ? 'logs' : path === '/v1/traces' ? 'traces' : undefined;
    if (!signal) {
      this.#discard(req, res);
      sendStatus(res, 404, `no such endpoint: ${path} (OTLP/HTTP takes POST /v1/logs and /v1/traces)`);
      return;
    }
    if (req.method !== 'POST') {
      this.#discard(req, res);
      res.setHeader('allow', 'POST');
      sendStatus(res, 405, `${req.method} is not allowed on ${path}`);
      return;
    }
    const counters = this.#admission.counters[signal];
    counters.requests.add();
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    const encoding: Encoding | undefined = type === 'application/x-protobuf' ? 'proto' : type === 'application/json' ? 'json' : undefined;
    if (!encoding) {
      this.#discard(req, res);
      counters.malformed.add();
      sendStatus(res, 415, `content-type "${type}" is not supported (use application/x-protobuf or application/json)`);
      return;
    }
    // Refused before the body is read: it stays in the socket while waiting, so memory stays bounded.
    // Its bytes count against the body budget from here: as declared, else a guess until it is read.
    const declared = Number(req.headers['content-length']);
    let reserved = Number.isFinite(declared) && declared >= 0 ? declared : UNKNOWN_LENGTH_BYTES;
    const verdict = await this.#admission.enter(signal, reserved);
    if (verdict !== 'open') {
      this.#discard(req, res);
      if (verdict === 'stopping') sendStatus(res, 503, 'the collector is shutting down', encoding, this.#options.retryAfterSeconds);
      else sendStatus(res, 429, 'the pipeline is full; retry later', encoding, this.#options.retryAfterSeconds);
      return;
    }
    let batch: DecodedBatch;
    let body: Uint8Array | undefined;
    try {
      body = await readBody(
        req,
        { maxBodyBytes: this.#options.maxRequestBodySize, maxDecompressedBytes: this.#options.maxDecompressedSize },
        this.#bodies,
      );
      this.#admission.bodyNow(reserved, body.length);
      reserved = body.length;
      batch = DECODERS[signal][encoding](body);
    } catch (error) {
      counters.malformed.add();
      if (error instanceof BodyError) {
        if (error.close) res.setHeader('connection', 'close');
        sendStatus(res, error.status, error.message, encoding);
      } else if (error instanceof ProtoError || error instanceof OtlpJsonError)
        sendStatus(res, 400, `malformed ${encoding === 'proto' ? 'protobuf' : 'JSON'}: ${error.message}`, encoding);
      else if (error instanceof RangeError) sendStatus(res, 400, `malformed ${encoding}: ${error.message}`, encoding);
      else throw error;
      return;
    } finally {
      // Decoded (or refused): the records hold copies of what they need, so the buffer serves the next request.
      if (body) this.#bodies.give(body);
      this.#admission.bodyNow(reserved, 0);
    }
    if (!this.#admission.deliver(signal, batch)) {
      sendStatus(res, 429, 'the pipeline is full; retry later', encoding, this.#options.retryAfterSeconds);
      return;
    }
    sendSuccess(res, encoding, signal, batch.rejected, batch.errorMessage);
  }
}
