// A pino destination that turns each of pino's JSON lines into an OpenTelemetry log record.
// pino calls write() synchronously inside the logging call, so the caller's active context
// (trace, span, baggage with unitrack's correlation IDs) is the record's context.
import type { Logger, LogRecord } from '@opentelemetry/api';

type LogAttributes = NonNullable<LogRecord['attributes']>;

/** pino levels → OpenTelemetry severity numbers and texts (as @opentelemetry/instrumentation-pino maps them). */
function severity(level: number): { severityNumber: number; severityText: string } {
  if (level >= 60) return { severityNumber: 21, severityText: 'FATAL' };
  if (level >= 50) return { severityNumber: 17, severityText: 'ERROR' };
  if (level >= 40) return { severityNumber: 13, severityText: 'WARN' };
  if (level >= 30) return { severityNumber: 9, severityText: 'INFO' };
  if (level >= 20) return { severityNumber: 5, severityText: 'DEBUG' };
  return { severityNumber: 1, severityText: 'TRACE' };
}

interface PinoLine {
  level: number;
  time: number;
  msg?: string;
  err?: { type?: string; message?: string; stack?: string };
  pid?: number;
  hostname?: string;
  component?: string;
  [key: string]: unknown;
}

export function otelDestination(logger: Logger): { write(line: string): void } {
  return {
    write(line: string) {
      const { level, time, msg, err, pid, hostname, component, ...rest } = JSON.parse(line) as PinoLine;
      const attributes: LogAttributes = { ...(rest as LogAttributes) };
      // pino's standard fields, under their OpenTelemetry semantic-convention names
      if (pid !== undefined) attributes['process.pid'] = pid;
      if (hostname !== undefined) attributes['host.name'] = hostname;
      if (err) {
        if (err.type) attributes['exception.type'] = err.type;
        if (err.message) attributes['exception.message'] = err.message;
        if (err.stack) attributes['exception.stacktrace'] = err.stack;
      }
      // a child logger's `component` binding is what unitrack shows as the component
      if (typeof component === 'string') attributes['unitrack.component'] = component;
      logger.emit({ ...severity(level), timestamp: time, body: msg ?? err?.message ?? '', attributes });
    },
  };
}
