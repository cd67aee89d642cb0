import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Description, Host, IngestSink, Receiver } from '../component.ts';
import { httpUrl, StartError } from '../start-up.ts';
import type { Counter } from '../telemetry.ts';
import type { DecodedBatch } from './decoded-batch.ts';
import { decodeLogsJson, decodeTracesJson, OtlpJsonError } from './json-decode.ts';
import { decodeLogsProto } from './proto-logs.ts';
import { ProtoError } from './proto-reader.ts';
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

type Signal = 'logs' | 'traces';

/** How long a request waits, unread, for a full pipeline to make room before it is refused. */
const ADMISSION_WAIT_MS = 100;
const ADMISSION_POLL_MS = 2;
const DECODERS: Record<Signal, Record<Encoding, (b: Uint8Array) => DecodedBatch>> = {
  logs: { proto: decodeLogsProto, json: decodeLogsJson },
  traces: { proto: decodeTracesProto, json: decodeTracesJson },
};

/** OTLP/HTTP: POST /v1/logs and /v1/traces, protobuf or JSON, gzip; GET /healthz and /metrics. */
export class OtlpReceiver implements Receiver {
  readonly #options: OtlpReceiverOptions;
  readonly #sink: IngestSink;
  readonly #host: Host;
  readonly #server: Server;
  #stopping = false;
  readonly #counters: Record<string, Counter> = {};

  constructor(id: string, options: OtlpReceiverOptions, sink: IngestSink, host: Host) {
    this.#options = options;
    this.#sink = sink;
    this.#host = host;
    const t = host.telemetry;
    for (const signal of ['logs', 'traces'] as const) {
      const labels = { receiver: id, signal };
      this.#counters[`${signal}.requests`] = t.counter('unitrack_receiver_requests_total', 'OTLP requests received.', labels);
      this.#counters[`${signal}.accepted`] = t.counter('unitrack_receiver_accepted_records_total', 'Records accepted from OTLP.', labels);
      this.#counters[`${signal}.refused`] = t.counter(
        'unitrack_receiver_refused_records_total',
        'Records refused with 429/503 (clients retry).',
        labels,
      );
      this.#counters[`${signal}.rejected`] = t.counter(
        'unitrack_receiver_rejected_records_total',
        'Records rejected as invalid (partial success).',
        labels,
      );
      this.#counters[`${signal}.throttled`] = t.counter(
        'unitrack_receiver_throttled_requests_total',
        'Requests answered 429/503 because the pipeline was full.',
        labels,
      );
      this.#counters[`${signal}.malformed`] = t.counter(
        'unitrack_receiver_malformed_requests_total',
        'Requests refused as malformed or too large.',
        labels,
      );
    }
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
    this.#stopping = true;
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    await closed;
  }

  /** Before an answer that does not read the body: discard it within the wire limit. */
  #discard(req: IncomingMessage, res: ServerResponse): void {
    discardBody(req, res, this.#options.maxRequestBodySize);
  }

  /** Waits up to `ms` for the pipeline to have room again; false if it still has none (or is stopping). */
  async #roomWithin(ms: number): Promise<boolean> {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      await sleep(ADMISSION_POLL_MS);
      if (this.#stopping) return false;
      if (!this.#sink.saturated) return true;
    }
    return false;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      const health = this.#host.health?.() ?? { status: this.#stopping ? 'draining' : 'ready', ready: !this.#stopping };
      const ready = health.ready && !this.#stopping;
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
    this.#counters[`${signal}.requests`].add();
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    const encoding: Encoding | undefined = type === 'application/x-protobuf' ? 'proto' : type === 'application/json' ? 'json' : undefined;
    if (!encoding) {
      this.#discard(req, res);
      this.#counters[`${signal}.malformed`].add();
      sendStatus(res, 415, `content-type "${type}" is not supported (use application/x-protobuf or application/json)`);
      return;
    }
    if (this.#stopping) {
      this.#discard(req, res);
      sendStatus(res, 503, 'the collector is shutting down', encoding, this.#options.retryAfterSeconds);
      return;
    }
    // A full pipeline usually has room again a few turns of the event loop later: wait a little
    // before reading (the body stays in the socket, so memory stays bounded), as otelcol's
    // blocking receiver does, and only then refuse. Refusing before reading costs clients a
    // round trip, not a body upload, and the collector no decoding.
    if (this.#sink.saturated && !(await this.#roomWithin(ADMISSION_WAIT_MS))) {
      this.#discard(req, res);
      if (this.#stopping) {
        sendStatus(res, 503, 'the collector is shutting down', encoding, this.#options.retryAfterSeconds);
        return;
      }
      this.#counters[`${signal}.throttled`].add();
      sendStatus(res, 429, 'the pipeline is full; retry later', encoding, this.#options.retryAfterSeconds);
      return;
    }
    let batch: DecodedBatch;
    try {
      const body = await readBody(req, {
        maxBodyBytes: this.#options.maxRequestBodySize,
        maxDecompressedBytes: this.#options.maxDecompressedSize,
      });
      batch = DECODERS[signal][encoding](body);
    } catch (error) {
      this.#counters[`${signal}.malformed`].add();
      if (error instanceof BodyError) {
        if (error.close) res.setHeader('connection', 'close');
        sendStatus(res, error.status, error.message, encoding);
      } else if (error instanceof ProtoError || error instanceof OtlpJsonError)
        sendStatus(res, 400, `malformed ${encoding === 'proto' ? 'protobuf' : 'JSON'}: ${error.message}`, encoding);
      else if (error instanceof RangeError) sendStatus(res, 400, `malformed ${encoding}: ${error.message}`, encoding);
      else throw error;
      return;
    }
    if (batch.records.length > 0 && !this.#sink.ingest(batch.records)) {
      this.#counters[`${signal}.refused`].add(batch.records.length);
      this.#counters[`${signal}.throttled`].add();
      sendStatus(res, 429, 'the pipeline is full; retry later', encoding, this.#options.retryAfterSeconds);
      return;
    }
    this.#counters[`${signal}.accepted`].add(batch.records.length);
    this.#counters[`${signal}.rejected`].add(batch.rejected);
    sendSuccess(res, encoding, signal, batch.rejected, batch.errorMessage);
  }
}

/** "host:port", "[::1]:port" or ":port" (all interfaces, as otelcol reads it). */
export function splitEndpoint(endpoint: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(endpoint.replace(/^https?:\/\//, ''));
  if (!m) throw new Error(`endpoint "${endpoint}" is not host:port`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port: Number(m[3]) };
}
