import { SeverityNumber } from '@opentelemetry/api';

/** unitrack's six levels, lowest first. */
export const SEVERITIES = ['debug', 'info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type SeverityInput = Severity | 'warning' | 'warn' | 'error' | 'fatal';

/** The number each level is written with (DESIGN.md, Records). */
export const SEVERITY_NUMBER: Readonly<Record<Severity, SeverityNumber>> = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  low: SeverityNumber.INFO3,
  medium: SeverityNumber.WARN,
  high: SeverityNumber.ERROR,
  critical: SeverityNumber.FATAL,
};

export const SEVERITY_TEXT: Readonly<Record<Severity, string>> = {
  debug: 'DEBUG',
  info: 'INFO',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  critical: 'CRITICAL',
};

const ALIASES: Readonly<Record<string, Severity>> = {
  debug: 'debug',
  info: 'info',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
  warning: 'medium',
  warn: 'medium',
  error: 'high',
  fatal: 'critical',
};

/** A level name or alias, any case; undefined when it is not one. */
export function parseSeverity(value: unknown): Severity | undefined {
  return typeof value === 'string' ? ALIASES[value.toLowerCase()] : undefined;
}

/** Reads an OpenTelemetry severity number back as a level (1–8 debug … 21–24 critical). */
export function severityFromNumber(n: number | undefined): Severity | undefined {
  if (n === undefined || !(n >= 1)) return undefined;
  if (n <= 8) return 'debug';
  if (n <= 10) return 'info';
  if (n <= 12) return 'low';
  if (n <= 16) return 'medium';
  if (n <= 20) return 'high';
  return 'critical';
}

/** The level of a record: its number first, then its text; records with neither count as info. */
export function severityOf(record: { severityNumber?: number; severityText?: string }): Severity {
  return severityFromNumber(record.severityNumber) ?? parseSeverity(record.severityText) ?? 'info';
}
