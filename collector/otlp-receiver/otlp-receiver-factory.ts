import { z } from 'zod';
import type { ReceiverFactory } from '../component.ts';
import { OtlpReceiver, splitEndpoint } from './otlp-receiver.ts';

const MiB = 1024 * 1024;

const httpConfig = z.strictObject({
  /** host:port to listen on; port 0 picks a free one. */
  endpoint: z
    .string()
    .default('127.0.0.1:4318')
    .refine((e) => {
      try {
        splitEndpoint(e);
        return true;
      } catch {
        return false;
      }
    }, 'must be host:port'),
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

export const otlpReceiverConfig = z.strictObject({
  protocols: z
    .strictObject({
      http: httpConfig.nullish().transform((v) => v ?? httpConfig.parse({})),
    })
    .prefault({}),
});

/** The OTLP receiver. Embedded, it opens no port: the SDK's records enter its pipelines directly. */
export const otlpReceiverFactory: ReceiverFactory<typeof otlpReceiverConfig> = {
  kind: 'receiver',
  type: 'otlp',
  config: otlpReceiverConfig,
  create({ id, config, host }, sink) {
    const http = config.protocols.http;
    return new OtlpReceiver(
      id,
      {
        endpoint: http.endpoint,
        maxRequestBodySize: http.max_request_body_size,
        maxDecompressedSize: http.max_decompressed_size,
        retryAfterSeconds: http.retry_after,
      },
      sink,
      host,
    );
  },
};
