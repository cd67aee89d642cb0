/**
 * Every environment variable unitrack reads, in one place: `unitrack --help` prints this table and
 * a test holds the README to it. The OpenTelemetry SDK's own names come first, then unitrack's
 * (one scheme: `UNITRACK_*`), which the default config reads through `${env:…}`.
 */
export const ENVIRONMENT: readonly { name: string; effect: string }[] = [
  { name: 'OTEL_SERVICE_NAME', effect: 'service.name of every record (the JSON lines `service`)' },
  {
    name: 'OTEL_RESOURCE_ATTRIBUTES',
    effect:
      'k=v,… resource attributes: `environment` (deployment.environment.name), `version` (service.version), the rest under `resource`',
  },
  { name: 'OTEL_SDK_DISABLED', effect: '`true`: track() does nothing and nothing starts' },
  { name: 'OTEL_LOG_LEVEL', effect: "unitrack's own diagnostics on stderr: none, error, warn (default), info, debug, verbose, all" },
  { name: 'OTEL_LOGS_EXPORTER', effect: '`otlp`: the SDK sends OTLP instead of running the pipeline in-process (no `config` given)' },
  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', effect: "OTLP mode's base URL (`/v1/logs` appended); `unitrack send`'s target" },
  { name: 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', effect: "OTLP mode's logs URL, used as given" },
  { name: 'OTEL_EXPORTER_OTLP_HEADERS', effect: "k=v,… headers on OTLP mode's requests" },
  { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', effect: 'http/protobuf (default), http/json or grpc' },
  { name: 'UNITRACK_DATA_DIR', effect: 'where the default config writes events.jsonl, blog/, groups.db, dashboard.db (./data)' },
  { name: 'UNITRACK_OTLP_ENDPOINT', effect: "the collector's OTLP/HTTP receiver address (127.0.0.1:4318)" },
  { name: 'UNITRACK_DASHBOARD_ENDPOINT', effect: "the dashboard's address (127.0.0.1:4319)" },
  { name: 'UNITRACK_DASHBOARD_TOKEN', effect: "the dashboard's bearer token (required off loopback)" },
  { name: 'UNITRACK_WEBHOOK_URL', effect: 'where alerts are POSTed (unset: notifications are counted and skipped)' },
  { name: 'UNITRACK_WEBHOOK_SECRET', effect: 'whsec_… secret the Standard Webhooks signature uses' },
  {
    name: 'UNITRACK_STORE_URL',
    effect: 'postgresql://… group store shared by several collectors (when the config names no store.path or store.url)',
  },
];

/** The table as `--help` shows it. */
export function renderEnvironment(): string {
  const width = Math.max(...ENVIRONMENT.map((v) => v.name.length)) + 2;
  return ENVIRONMENT.map((v) => `  ${v.name.padEnd(width)}${v.effect.replaceAll('`', '')}`).join('\n');
}
