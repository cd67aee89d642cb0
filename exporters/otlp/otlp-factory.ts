import type { Metadata } from '@grpc/grpc-js';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { z } from 'zod';
import { GrpcCode, retryDelayOf, STATUS_DETAILS_KEY } from '../../model/wire/grpc-status.ts';
import type { ExporterFactory } from '../../pipeline/component.ts';
import { duration } from '../../pipeline/config/duration.ts';
import { LazyExporter } from '../../pipeline/lazy-exporter.ts';
import { type Classify, RetryingExporter } from './retrying-exporter.ts';

export const ENDPOINT = /^(?:(https?):\/\/)?(\[[^\]\s]+\]|[^\s/:[\]]+):(\d+)\/?$/;

export const otlpConfig = z.strictObject({
  /** host:port of an OTLP/gRPC server; `http://` means plaintext, `https://` TLS (as in otelcol). */
  endpoint: z.string().regex(ENDPOINT, 'must be host:port (optionally with http:// or https://)'),
  /** TLS unless `insecure: true` (otelcol's default); files are PEM. */
  tls: z
    .strictObject({
      insecure: z.boolean().default(false),
      insecure_skip_verify: z.boolean().default(false),
      ca_file: z.string().optional(),
      cert_file: z.string().optional(),
      key_file: z.string().optional(),
    })
    .refine((t) => !t.cert_file === !t.key_file, { message: 'cert_file and key_file go together', path: ['cert_file'] })
    .prefault({}),
  headers: z.record(z.string(), z.string()).default({}),
  /** otelcol also has zstd and snappy; the OpenTelemetry JS gRPC exporter sends gzip or nothing. */
  compression: z.enum(['gzip', 'none']).default('gzip'),
  /** One attempt's deadline (otelcol's default). */
  timeout: duration.prefault('5s'),
  retry_on_failure: z
    .strictObject({
      enabled: z.boolean().default(true),
      initial_interval: duration.prefault('5s'),
      max_interval: duration.prefault('30s'),
      /** 0: never give up. */
      max_elapsed_time: duration.prefault('300s'),
      multiplier: z.number().min(1).default(1.5),
      randomization_factor: z.number().min(0).max(1).default(0.5),
    })
    .prefault({}),
});

export type OtlpConfig = z.output<typeof otlpConfig>;

/** otelcol's rule: transient codes are retried; RESOURCE_EXHAUSTED only when the server sent RetryInfo. */
export const classifyGrpcError: Classify = (error) => {
  const e = error as (Error & { code?: unknown; metadata?: Metadata }) | undefined;
  if (typeof e?.code !== 'number') return { retryable: false };
  const details = e.metadata?.get(STATUS_DETAILS_KEY)[0];
  const delayMs = Buffer.isBuffer(details) ? retryDelayOf(details) : undefined;
  switch (e.code) {
    case GrpcCode.CANCELLED:
    case GrpcCode.DEADLINE_EXCEEDED:
    case GrpcCode.ABORTED:
    case GrpcCode.OUT_OF_RANGE:
    case GrpcCode.UNAVAILABLE:
    case GrpcCode.DATA_LOSS:
      return { retryable: true, delayMs };
    case GrpcCode.RESOURCE_EXHAUSTED:
      return { retryable: delayMs !== undefined, delayMs };
    default:
      return { retryable: false };
  }
};

/**
 * OTLP/gRPC to any OTLP backend or collector, with the OpenTelemetry JS gRPC exporter and otelcol's
 * retries. `otlp_grpc` is otelcol's current name (v0.157 and later); `otlp` is the older spelling
 * it still accepts, and so does unitrack.
 */
export const otlpFactory: ExporterFactory<typeof otlpConfig> = {
  kind: 'exporter',
  type: 'otlp_grpc',
  aliases: ['otlp'],
  config: otlpConfig,
  create({ config }) {
    // gRPC and the OpenTelemetry exporter load when the exporter starts (grpc-log-exporter.ts).
    return new LazyExporter<ReadableLogRecord>(async () => {
      const { grpcLogExporter } = await import('./grpc-log-exporter.ts');
      const r = config.retry_on_failure;
      return new RetryingExporter(
        grpcLogExporter(config),
        {
          enabled: r.enabled,
          initialIntervalMs: r.initial_interval,
          maxIntervalMs: r.max_interval,
          maxElapsedMs: r.max_elapsed_time,
          multiplier: r.multiplier,
          randomizationFactor: r.randomization_factor,
        },
        classifyGrpcError,
        config.timeout,
      );
    });
  },
};
