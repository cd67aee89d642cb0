/** unitrack pipeline configs the rows run (the default's processors, routed into a JSON lines file). */

const ROUTE_CONDITIONS = [
  'attributes["unitrack.alert.reason"] != nil and severity_number >= SEVERITY_NUMBER_WARN',
  'attributes["unitrack.alert.reason"] != nil',
  'severity_number >= SEVERITY_NUMBER_WARN',
];

export interface PipelineOptions {
  jsonPath: string;
  /** Receiver address (collector mode). */
  endpoint?: string;
  /** Sampler rates 1 and rate limits off: every record reaches the file. */
  keepAll?: boolean;
  /** Only otlp → batch → jsonfile (the shape of the otelcol peer). */
  bare?: boolean;
}

/**
 * The default pipeline's processors (collector-config/default.yaml) with its routing table, every
 * route leading to one JSON lines file (no webhook, blog or dashboard, so the file is the work).
 */
export function jsonlPipelineConfig(o: PipelineOptions): Record<string, unknown> {
  const receivers = { otlp: { protocols: { http: { endpoint: o.endpoint ?? '127.0.0.1:4318' } } } };
  const exporters = { jsonfile: { path: o.jsonPath } };
  if (o.bare) {
    return {
      receivers,
      processors: { batch: {} },
      exporters,
      service: { pipelines: { logs: { receivers: ['otlp'], processors: ['batch'], exporters: ['jsonfile'] } } },
    };
  }
  return {
    receivers,
    processors: {
      redaction: {},
      fingerprint: {
        group_ttl: '24h',
        alerts: { new_group: true, thresholds: [10, 100, 1000], regression: true, min_severity: 'high', cooldown: '5m' },
      },
      sampler: o.keepAll
        ? { rates: { critical: 1, high: 1, medium: 1, low: 1, info: 1, debug: 1 } }
        : { rates: { critical: 1, high: 1, medium: 0.5, low: 0.2, info: 0.1, debug: 0.01 } },
      rate_limiter: o.keepAll
        ? { per_group: { limit: 0, window: '1m' }, global: { limit: 0, window: '1m' } }
        : { per_group: { limit: 100, window: '1m' }, global: { limit: 1000, window: '1m' } },
    },
    connectors: {
      routing: {
        default_pipelines: ['logs/archive'],
        table: ROUTE_CONDITIONS.map((condition) => ({ context: 'log', condition, pipelines: ['logs/archive'] })),
      },
    },
    exporters,
    service: {
      pipelines: {
        'logs/in': { receivers: ['otlp'], processors: ['redaction', 'fingerprint', 'sampler', 'rate_limiter'], exporters: ['routing'] },
        'logs/archive': { receivers: ['routing'], exporters: ['jsonfile'] },
      },
    },
  };
}
