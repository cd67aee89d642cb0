import type { AnyValue } from '@opentelemetry/api';

/** Limits on what one tracking call may carry; larger values are cut, not refused. */
export const LIMITS = {
  /** Characters kept of one string. */
  maxString: 32 * 1024,
  /** Nesting kept inside a metadata value. */
  maxDepth: 6,
  /** Keys kept of one object, items of one array. */
  maxEntries: 256,
} as const;

export interface SanitizeStats {
  truncated: number;
}

/** A string cut to the limit, with a marker saying how much was cut. */
export function clipString(s: string, stats: SanitizeStats): string {
  if (s.length <= LIMITS.maxString) return s;
  stats.truncated++;
  return `${s.slice(0, LIMITS.maxString)}…[truncated ${s.length - LIMITS.maxString} chars]`;
}

/**
 * Turns any metadata value into a log AnyValue: cycles become "[Circular]", depth and size are
 * bounded, functions and symbols become strings, Errors become their message and stack. Throws
 * only when a value's own accessor or toString throws, which the caller counts as a drop.
 */
export function toAnyValue(value: unknown, stats: SanitizeStats, depth = 0, seen?: Set<object>): AnyValue {
  switch (typeof value) {
    case 'string':
      return clipString(value, stats);
    case 'number':
    case 'boolean':
      return value;
    case 'undefined':
      return null;
    case 'bigint':
      return value.toString();
    case 'symbol':
    case 'function':
      return String(value);
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Uint8Array) return value;
  if (value instanceof Error) return clipString(value.stack ?? `${value.name}: ${value.message}`, stats);
  const obj = value as object;
  if (depth >= LIMITS.maxDepth) {
    stats.truncated++;
    return '[Object: too deep]';
  }
  seen ??= new Set();
  if (seen.has(obj)) return '[Circular]';
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      if (obj.length > LIMITS.maxEntries) stats.truncated++;
      return obj.slice(0, LIMITS.maxEntries).map((v) => toAnyValue(v, stats, depth + 1, seen));
    }
    if (obj instanceof Map) return toAnyValue(Object.fromEntries(obj), stats, depth, seen);
    if (obj instanceof Set) return toAnyValue([...obj], stats, depth, seen);
    const out: Record<string, AnyValue> = Object.create(null);
    let n = 0;
    for (const key of Object.keys(obj)) {
      if (n++ >= LIMITS.maxEntries) {
        stats.truncated++;
        break;
      }
      out[key] = toAnyValue((obj as Record<string, unknown>)[key], stats, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}
