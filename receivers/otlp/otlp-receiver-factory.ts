import { z } from 'zod';
import type { ReceiverFactory } from '../../pipeline/component.ts';
import { splitEndpoint } from '../../pipeline/endpoint.ts';
import { OtlpProtocols } from './otlp-protocols.ts';
import { OtlpReceiver } from './otlp-receiver.ts';

const MiB = 1024 * 1024;

/** host:port to listen on; port 0 picks a free one. */
const endpoint = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((e) => {
      try {
        splitEndpoint(e);
        return true;
      } catch {
        return false;
      }
    }, 'must be host:port');

const httpConfig = z.strictObject({
  endpoint: endpoint('127.0.0.1:4318'),
  /** Bytes on the wire per request (otelcol's key). Default 20 MiB. */
  max_request_body_size: z
    .number()
    .int()
    .positive()
    .default(20 * MiB),
  /** Bytes after decompression per request; a gzip bomb stops here. Default 64 MiB (the OTLP spec's advice). */
  max_decompressed_size: z
    .number()
    .int()
    .positive()
    .default(64 * MiB),
  /** Seconds in `Retry-After` when the pipeline is full. Default 1. */
  retry_after: z.number().int().nonnegative().default(1),
});

const grpcConfig = z.strictObject({
  endpoint: endpoint('127.0.0.1:4317'),
  /** MiB per message after decompression (otelcol's key and default). */
  max_recv_msg_size_mib: z.number().positive().default(4),
  /** Concurrent streams per HTTP/2 connection (otelcol's key); unset leaves grpc-js's default. */
  max_concurrent_streams: z.int().positive().optional(),
  /** Seconds in RetryInfo when the pipeline is full. Default 1. */
  retry_after: z.number().int().nonnegative().default(1),
});

export const otlpReceiverConfig = z.strictObject({
  // A protocol is served when its key is present (empty is its defaults); with neither key, HTTP
  // alone, so `otlp: {}` keeps meaning OTLP/HTTP on 4318.
  protocols: z
    .strictObject({ http: httpConfig.nullish(), grpc: grpcConfig.nullish() })
    .prefault({})
    .transform(({ http, grpc }) => ({
      http: http === undefined && grpc !== undefined ? undefined : (http ?? httpConfig.parse({})),
      grpc: grpc === undefined ? undefined : (grpc ?? grpcConfig.parse({})),
    })),
});

/** The OTLP receiver. Embedded, it opens no port: the SDK's records enter its pipelines directly. */
export const otlpReceiverFactory: ReceiverFactory<typeof otlpReceiverConfig> = {
  kind: 'receiver',
  receivesSdkRecords: true,
  type: 'otlp',
  config: otlpReceiverConfig,
  create({ id, config, host }, sink) {
    const { http, grpc } = config.protocols;
    return new OtlpProtocols(
      http &&
        new OtlpReceiver(sink, {
          id,
          host,
          endpoint: http.endpoint,
          maxRequestBodySize: http.max_request_body_size,
          maxDecompressedSize: http.max_decompressed_size,
          retryAfterSeconds: http.retry_after,
        }),
      grpc &&
        (async () =>
          new (await import('./grpc-server.ts')).OtlpGrpcReceiver(sink, {
            id,
            host,
            endpoint: grpc.endpoint,
            maxRecvMsgSize: Math.floor(grpc.max_recv_msg_size_mib * MiB),
            maxConcurrentStreams: grpc.max_concurrent_streams,
            retryAfterSeconds: grpc.retry_after,
          })),
    );
  },
};
