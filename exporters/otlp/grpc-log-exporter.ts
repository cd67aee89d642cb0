import { readFileSync } from 'node:fs';
import { type ChannelCredentials, credentials, Metadata } from '@grpc/grpc-js';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { StartError } from '../../pipeline/start-up.ts';
import { ENDPOINT, type OtlpConfig } from './otlp-factory.ts';

function readPem(path: string | undefined, what: string): Buffer | null {
  if (!path) return null;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new StartError(`cannot read the ${what}`, path, error);
  }
}

function channelCredentials(scheme: string | undefined, tls: OtlpConfig['tls']): ChannelCredentials {
  if (scheme === 'http' || (scheme !== 'https' && tls.insecure)) return credentials.createInsecure();
  return credentials.createSsl(
    readPem(tls.ca_file, 'CA file'),
    readPem(tls.key_file, 'key file'),
    readPem(tls.cert_file, 'certificate file'),
    tls.insecure_skip_verify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : undefined,
  );
}

/** The OpenTelemetry JS OTLP/gRPC log exporter for an `otlp_grpc` config: plaintext or TLS as otelcol decides. */
export function grpcLogExporter(config: OtlpConfig): OTLPLogExporter {
  const [, scheme, host, port] = ENDPOINT.exec(config.endpoint) as RegExpExecArray;
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(config.headers)) metadata.set(key, value);
  return new OTLPLogExporter({
    // The credentials decide plaintext or TLS; the URL only carries the address.
    url: `http://${host}:${port}`,
    credentials: channelCredentials(scheme, config.tls),
    metadata,
    compression: config.compression as never,
    timeoutMillis: config.timeout,
  });
}
