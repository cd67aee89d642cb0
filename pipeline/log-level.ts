import { DiagLogLevel } from '@opentelemetry/api';

// unitrack's own diagnostics follow OTEL_LOG_LEVEL, as every OpenTelemetry SDK's do: the CLI's
// and the diag logger the SDK installs for an application that has none.

const LEVELS: Record<string, DiagLogLevel> = {
  NONE: DiagLogLevel.NONE,
  ERROR: DiagLogLevel.ERROR,
  WARN: DiagLogLevel.WARN,
  INFO: DiagLogLevel.INFO,
  DEBUG: DiagLogLevel.DEBUG,
  VERBOSE: DiagLogLevel.VERBOSE,
  ALL: DiagLogLevel.ALL,
};

/** `OTEL_LOG_LEVEL` (case-insensitive), default `warn`; an unknown value keeps the default and says so. */
export function otelLogLevel(env: Readonly<Record<string, string | undefined>> = process.env): { level: DiagLogLevel; warning?: string } {
  const raw = env.OTEL_LOG_LEVEL?.trim() || undefined;
  if (raw === undefined) return { level: DiagLogLevel.WARN };
  const level = LEVELS[raw.toUpperCase()];
  if (level !== undefined) return { level };
  return {
    level: DiagLogLevel.WARN,
    warning: `unitrack: unknown OTEL_LOG_LEVEL "${raw}" (one of ${Object.keys(LEVELS).join(', ')}), using WARN`,
  };
}
