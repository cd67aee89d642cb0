import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { z } from 'zod';
import type { ExporterFactory } from '../../pipeline/component.ts';
import { duration } from '../../pipeline/config/duration.ts';
import { LazyExporter } from '../../pipeline/lazy-exporter.ts';

export const otlpHttpConfig = z
  .strictObject({
    /** Base URL of any OTLP/HTTP backend; `/v1/logs` is appended (as in otelcol's otlp_http exporter). */
    endpoint: z.string().default(''),
    /** The full logs URL, when it is not `<endpoint>/v1/logs`. */
    logs_endpoint: z.string().optional(),
    headers: z.record(z.string(), z.string()).default({}),
    compression: z.enum(['gzip', 'none']).default('gzip'),
    timeout: duration.prefault('10s'),
    encoding: z.enum(['proto', 'json']).default('proto'),
  })
  .refine((c) => c.endpoint || c.logs_endpoint, { message: 'endpoint or logs_endpoint is required', path: ['endpoint'] })
  .refine((c) => [c.endpoint, c.logs_endpoint].every((u) => !u || /^https?:\/\/\S+$/.test(u)), {
    message: 'must be an http(s) URL',
    path: ['endpoint'],
  });

/** Forwards to any OTLP backend with the OpenTelemetry JS OTLP exporters: IDs and attributes unchanged. */
export const otlpHttpFactory: ExporterFactory<typeof otlpHttpConfig> = {
  kind: 'exporter',
  type: 'otlp_http',
  aliases: ['otlphttp'],
  config: otlpHttpConfig,
  create({ config }) {
    const url = config.logs_endpoint ?? `${config.endpoint.replace(/\/+$/, '')}/v1/logs`;
    const options = {
      url,
      headers: config.headers,
      timeoutMillis: config.timeout,
      compression: config.compression as never,
    };
    // The OpenTelemetry exporter (and its protobuf, HTTP agent and transformer) loads when this one starts.
    return new LazyExporter<ReadableLogRecord>(async () =>
      config.encoding === 'json'
        ? new (await import('@opentelemetry/exporter-logs-otlp-http')).OTLPLogExporter(options)
        : new (await import('@opentelemetry/exporter-logs-otlp-proto')).OTLPLogExporter(options),
    );
  },
};
