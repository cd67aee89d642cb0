import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type StatusObject,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { GrpcCode, STATUS_DETAILS_KEY, statusWithRetryInfo } from '../../model/wire/grpc-status.ts';
import { ProtoError } from '../../model/wire/proto-reader.ts';
import type { ComponentContext, Description, IngestSink, Receiver } from '../../pipeline/component.ts';
import { httpUrl, splitEndpoint } from '../../pipeline/endpoint.ts';
import { StartError } from '../../pipeline/start-up.ts';
import { Admission, type Signal } from './admission.ts';
import type { DecodedBatch } from './decoded-batch.ts';
import { decodeLogsProto } from './proto-logs.ts';
import { decodeTracesProto } from './proto-traces.ts';
import { exportResponseProto } from './responses.ts';

export interface OtlpGrpcReceiverOptions {
  /** host:port; port 0 picks a free port. */
  endpoint: string;
  /** Bytes per message after decompression (grpc-js checks it as it inflates). */
  maxRecvMsgSize: number;
  /** Concurrent streams per HTTP/2 connection; undefined leaves grpc-js's default. */
  maxConcurrentStreams?: number;
  /** Seconds in RetryInfo when the pipeline is full or the collector is shutting down. */
  retryAfterSeconds: number;
}

/** The OTLP services, each with its one decoder (the same as OTLP/HTTP's protobuf). */
const SERVICES: Record<Signal, { path: string; decode: (b: Uint8Array) => DecodedBatch }> = {
  logs: { path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export', decode: decodeLogsProto },
  traces: { path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', decode: decodeTracesProto },
};

/** In-flight calls get this long to finish at shutdown before their streams are cancelled. */
const SHUTDOWN_GRACE_MS = 5000;

/** A unary Export whose messages stay bytes: the request goes to the hand-written decoder as it came. */
function rawExport(path: string): ServiceDefinition {
  const same = (b: Buffer) => b;
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: same,
      requestDeserialize: same,
      responseSerialize: same,
      responseDeserialize: same,
    },
  };
}

/** A refusal the handler throws; `status` is what the client gets. */
class Refusal extends Error {
  readonly status: Partial<StatusObject>;
  constructor(status: Partial<StatusObject>) {
    super(status.details);
    this.status = status;
  }
}

/**
 * OTLP/gRPC (`protocols.grpc`): LogsService/Export and TraceService/Export with @grpc/grpc-js,
 * gzip, the same admission as OTLP/HTTP; full queues answer RESOURCE_EXHAUSTED with RetryInfo.
 */
export class OtlpGrpcReceiver implements Receiver {
  readonly #options: OtlpGrpcReceiverOptions;
  readonly #admission: Admission;
  readonly #server: Server;
  #address: { address: string; port: number } | undefined;

  constructor(sink: IngestSink, options: OtlpGrpcReceiverOptions & ComponentContext) {
    const { id, host } = options;
    this.#options = options;
    this.#admission = new Admission(sink, host.telemetry, { receiver: id, transport: 'grpc' });
    this.#server = new Server({
      'grpc.max_receive_message_length': options.maxRecvMsgSize,
      ...(options.maxConcurrentStreams ? { 'grpc.max_concurrent_streams': options.maxConcurrentStreams } : {}),
    });
    for (const signal of ['logs', 'traces'] as const) {
      this.#server.addService(rawExport(SERVICES[signal].path), {
        Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
          this.#export(signal, call.request).then(
            (response) => callback(null, response),
            (error: unknown) => {
              if (error instanceof Refusal) return callback(error.status);
              host.reportError(id, error);
              callback({ code: GrpcCode.INTERNAL, details: 'internal error' });
            },
          );
        },
      });
    }
  }

  get address(): { address: string; port: number } | undefined {
    return this.#address;
  }

  async start(): Promise<void> {
    const { host, port } = splitEndpoint(this.#options.endpoint);
    const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    try {
      const bound = await new Promise<number>((resolve, reject) =>
        this.#server.bindAsync(target, ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
      );
      this.#address = { address: host, port: bound };
    } catch (error) {
      // grpc-js folds the listen error into its message: recover the code for the usual wording.
      const code = /\b(EADDRINUSE|EADDRNOTAVAIL|EACCES|EPERM|ENOTFOUND)\b/.exec(String((error as Error)?.message))?.[1];
      throw new StartError('cannot listen on', this.#options.endpoint, code ? { code, message: (error as Error).message } : error);
    }
  }

  describe(): Description {
    const a = this.#address;
    if (!a) return {};
    const family = a.address.includes(':') ? 'IPv6' : 'IPv4';
    return { endpoints: [{ name: 'OTLP/gRPC', url: httpUrl({ ...a, family }) }] };
  }

  /** New calls are refused (UNAVAILABLE); calls under way finish, then the port closes. */
  async shutdown(): Promise<void> {
    this.#admission.stop();
    if (!this.#address) return;
    this.#address = undefined;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => this.#server.forceShutdown(), SHUTDOWN_GRACE_MS);
      force.unref();
      this.#server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  async #export(signal: Signal, body: Buffer): Promise<Buffer> {
    const counters = this.#admission.counters[signal];
    counters.requests.add();
    const verdict = await this.#admission.enter(signal);
    if (verdict === 'stopping') throw this.#throttle(GrpcCode.UNAVAILABLE, 'the collector is shutting down');
    if (verdict === 'full') throw this.#throttle(GrpcCode.RESOURCE_EXHAUSTED, 'the pipeline is full; retry later');
    let batch: DecodedBatch;
    try {
      batch = SERVICES[signal].decode(body);
    } catch (error) {
      if (!(error instanceof ProtoError || error instanceof RangeError)) throw error;
      counters.malformed.add();
      throw new Refusal({ code: GrpcCode.INVALID_ARGUMENT, details: `malformed protobuf: ${error.message}` });
    }
    if (!this.#admission.deliver(signal, batch)) throw this.#throttle(GrpcCode.RESOURCE_EXHAUSTED, 'the pipeline is full; retry later');
    const response = exportResponseProto(batch.rejected, batch.errorMessage);
    return Buffer.from(response.buffer, response.byteOffset, response.byteLength);
  }

  /** RESOURCE_EXHAUSTED or UNAVAILABLE with RetryInfo, which OTLP clients honour (otelcol retries RESOURCE_EXHAUSTED only with it). */
  #throttle(code: number, details: string): Refusal {
    const metadata = new Metadata();
    metadata.set(STATUS_DETAILS_KEY, Buffer.from(statusWithRetryInfo(code, details, this.#options.retryAfterSeconds * 1000)));
    return new Refusal({ code, details, metadata });
  }
}
