import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { detectResources, type Resource, resourceAttributesEnvDetector, serviceNameEnvDetector } from '@opentelemetry/resources';

/** The OpenTelemetry SDK environment variables unitrack honours (the spec's names and defaults). */

type Env = Readonly<Record<string, string | undefined>>;

function read(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** `OTEL_SDK_DISABLED=true`: track() does nothing and nothing starts. */
export function sdkDisabled(env: Env = process.env): boolean {
  return read(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true';
}

/** `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`, read by the resources package's own detectors. */
export function envResource(): Resource {
  // The service name detector runs last: OTEL_SERVICE_NAME wins over service.name in the attributes.
  return detectResources({ detectors: [resourceAttributesEnvDetector, serviceNameEnvDetector] });
}

/** `OTEL_LOGS_EXPORTER` names `otlp`: the application asks for its logs to be sent over OTLP. */
export function otlpLogsExporterRequested(env: Env = process.env): boolean {
  return (read(env, 'OTEL_LOGS_EXPORTER') ?? '').split(',').some((v) => v.trim().toLowerCase() === 'otlp');
}

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

export interface OtlpExplicit {
  /** Base URL; over HTTP `/v1/logs` and `/v1/traces` are appended. */
  endpoint?: string;
  headers?: Record<string, string>;
  protocol?: OtlpProtocol;
}

export interface OtlpSettings {
  logsUrl: string;
  logsHeaders: Record<string, string>;
  protocol: OtlpProtocol;
  /** Where spans go; absent when they cannot be sent (spans over gRPC: unitrack ships no such exporter). */
  tracesUrl?: string;
  /** Why spans are not sent, to say when the first one ends. */
  tracesUnsent?: string;
  tracesHeaders: Record<string, string>;
  /** What the application should hear once. */
  warnings: string[];
}

function withScheme(url: string): string {
  return /^https?:\/\//.test(url) ? url : `http://${url}`;
}

/** Joins a base URL and a signal path as the OTLP/HTTP exporters do with OTEL_EXPORTER_OTLP_ENDPOINT. */
export function signalUrl(base: string, path: string): string {
  const b = withScheme(base);
  return b.endsWith(path) ? b : b.replace(/\/+$/, '') + path;
}

function protocolOf(value: string | undefined, warnings: string[]): OtlpProtocol {
  if (value === undefined || value === 'http/protobuf' || value === 'http/json' || value === 'grpc') return value ?? 'http/protobuf';
  warnings.push(`unitrack: unknown OTLP protocol "${value}" (grpc, http/protobuf or http/json), using http/protobuf`);
  return 'http/protobuf';
}

/**
 * Where and how the SDK's OTLP mode sends, as the OpenTelemetry SDKs read it. Explicit options
 * win; then the signal's own variable (`OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`, used as given); then
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL: over HTTP `/v1/logs` is appended, over gRPC it is
 * used as given); then localhost, 4318 for HTTP and 4317 for gRPC.
 */
export function otlpSettings(explicit: OtlpExplicit = {}, env: Env = process.env): OtlpSettings {
  const warnings: string[] = [];
  const generic = read(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  const protocol = explicit.protocol ?? protocolOf(read(env, 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL') ?? generic, warnings);
  const tracesProtocol = explicit.protocol ?? protocolOf(read(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? generic, warnings);
  const url = (signal: 'LOGS' | 'TRACES', p: OtlpProtocol): string => {
    const path = signal === 'LOGS' ? '/v1/logs' : '/v1/traces';
    const grpc = p === 'grpc';
    if (explicit.endpoint !== undefined) return grpc ? withScheme(explicit.endpoint) : signalUrl(explicit.endpoint, path);
    const own = read(env, `OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`);
    if (own) return withScheme(own);
    const base = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
    if (grpc) return withScheme(base ?? 'http://localhost:4317');
    return signalUrl(base ?? 'http://localhost:4318', path);
  };
  const headers = (signal: 'LOGS' | 'TRACES') => ({
    ...parseKeyPairsIntoRecord(read(env, 'OTEL_EXPORTER_OTLP_HEADERS')),
    ...parseKeyPairsIntoRecord(read(env, `OTEL_EXPORTER_OTLP_${signal}_HEADERS`)),
    ...explicit.headers,
  });
  const grpcTraces = tracesProtocol === 'grpc';
  return {
    logsUrl: url('LOGS', protocol),
    logsHeaders: headers('LOGS'),
    protocol,
    tracesUrl: grpcTraces ? undefined : url('TRACES', tracesProtocol),
    tracesUnsent: grpcTraces
      ? 'unitrack: spans are exported over OTLP/HTTP only; with the grpc protocol they are not exported ' +
        '(set OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf and OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or let a NodeSDK export them)'
      : undefined,
    tracesHeaders: headers('TRACES'),
    warnings,
  };
}
