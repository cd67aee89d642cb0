import { type AttributeValue, context, diag, type LogRecord, propagation, trace } from '@opentelemetry/api';

type LogAttributes = NonNullable<LogRecord['attributes']>;

import * as A from '../model/attributes.ts';
import { setOwn } from '../model/own-key.ts';
import { parseSeverity, SEVERITY_NUMBER, SEVERITY_TEXT, type Severity, type SeverityInput } from '../model/severity.ts';
import { exceptionAttributes } from './exception.ts';
import { clipString, type SanitizeStats, toAnyValue } from './sanitize.ts';
import { trackingState } from './state.ts';

/** One tracking call (DESIGN.md, Records). */
export interface TrackEvent {
  /** What happened, a stable name such as `mcp_server_failed`: the record's `eventName`. */
  event: string;
  /** Default `info`, or `high` when `error` is given. */
  severity?: SeverityInput;
  /** mcp, dashboard, health, task, error, system, … */
  category?: string;
  /** Human-readable text: the record's body. Defaults to the error's message, else the event. */
  message?: string;
  error?: unknown;
  /** Becomes attributes as given (nested values are kept as structured log values). */
  metadata?: Record<string, unknown>;
  component?: string;
  /** Default: the ID carried in baggage by `withCorrelation`. */
  correlationId?: string;
  requestId?: string;
  user?: string | { id: string };
  /** Grouping override; the string `{{ default }}` stands for the computed fingerprint. */
  fingerprint?: string[];
}

const stats: SanitizeStats = { truncated: 0 };
let warnedBadInput = false;

/** Records one event. Never throws and never waits on I/O: processing happens later. */
export function track(event: TrackEvent): void {
  try {
    const state = trackingState();
    if (!state) return;
    if (typeof event !== 'object' || event === null)
      throw new TypeError(`track() takes an object, got ${event === null ? 'null' : typeof event}`);
    const name = event.event;
    if (typeof name !== 'string' || name === '') throw new TypeError('track() needs an `event` name (a non-empty string)');
    const severity: Severity = parseSeverity(event.severity) ?? (event.error !== undefined ? 'high' : 'info');

    // A plain object keeps V8's fast properties (a null-prototype object is a dictionary, and the
    // SDK's Object.entries over it was half of track()'s time).
    const attributes: LogAttributes = {};
    const metadata = event.metadata;
    if (metadata) {
      for (const key of Object.keys(metadata)) {
        const v = metadata[key];
        const value = typeof v === 'number' || typeof v === 'boolean' ? v : toAnyValue(v, stats);
        setOwn(attributes, key, value);
      }
    }
    if (event.category) attributes[A.ATTR_CATEGORY] = String(event.category);
    if (event.component) attributes[A.ATTR_COMPONENT] = String(event.component);
    let message = event.message;
    if (event.error !== undefined) {
      const ex = exceptionAttributes(event.error);
      for (const key in ex) attributes[key] = clipString(ex[key], stats);
      message ??= ex[A.ATTR_EXCEPTION_MESSAGE];
    }
    const user = event.user;
    if (user) attributes[A.ATTR_USER_ID] = typeof user === 'string' ? user : String(user.id);
    if (event.fingerprint) attributes[A.ATTR_FINGERPRINT_INPUT] = event.fingerprint.map(String);

    const active = context.active();
    const baggage = propagation.getBaggage(active);
    const correlationId = event.correlationId ?? baggage?.getEntry(A.BAGGAGE_CORRELATION_ID)?.value;
    const requestId = event.requestId ?? baggage?.getEntry(A.BAGGAGE_REQUEST_ID)?.value;
    if (correlationId) attributes[A.ATTR_CORRELATION_ID] = correlationId;
    if (requestId) attributes[A.ATTR_REQUEST_ID] = requestId;

    const body = clipString(message === undefined ? name : String(message), stats);
    state.logger.emit({
      eventName: name,
      severityNumber: SEVERITY_NUMBER[severity],
      severityText: SEVERITY_TEXT[severity],
      body,
      attributes,
      context: active,
    });

    if (state.spanEvents) {
      const span = trace.getSpan(active);
      if (span?.isRecording()) span.addEvent(name, spanEventAttributes(attributes, severity, body));
    }
  } catch (error) {
    badInput(error);
  }
}

/** Span event attributes are flat: structured values travel as JSON text. */
function spanEventAttributes(attributes: LogAttributes, severity: Severity, body: string): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = { 'unitrack.severity': severity, 'unitrack.message': body };
  for (const key in attributes) {
    const v = attributes[key];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[key] = v as string[];
    else if (v !== null && v !== undefined) out[key] = JSON.stringify(v);
  }
  return out;
}

function badInput(error: unknown): void {
  try {
    trackingState()?.dropped.add();
    if (!warnedBadInput) {
      warnedBadInput = true;
      diag.warn(
        `unitrack: track() dropped an event it could not read (counted in unitrack_sdk_dropped_total): ${(error as Error)?.message ?? 'unknown'}`,
      );
    }
  } catch {
    // Nothing may escape into the application.
  }
}

/** Count of values cut to the size limits so far. */
export function truncatedCount(): number {
  return stats.truncated;
}

/** `trackMcpEvent`'s keyword form: `server` becomes the attribute `unitrack.mcp.server`. */
export interface McpTrackEvent extends TrackEvent {
  server?: string;
}

type Extra = Partial<Omit<TrackEvent, 'event'>>;
type McpExtra = Partial<Omit<McpTrackEvent, 'event'>>;

/*
 * Each helper takes the positional form (`event`, then its second argument, then `extra`) or the
 * keyword form (one object, as track() takes). In a mixed call, an object followed by the second
 * argument, that argument fills its field (`error`, or `message`) when the object has none; when the
 * object has one too, the object's is kept and the conflict is reported once.
 */

/** An error event: severity high and category `error` unless told otherwise. */
export function trackError(event: string, error: unknown, extra?: Extra): void;
export function trackError(event: TrackEvent, error?: unknown): void;
export function trackError(event: string | TrackEvent, error?: unknown, extra?: Extra): void {
  helper('trackError', { severity: 'high', category: 'error' }, 'error', event, error, extra);
}

/** A health event (category `health`). */
export function trackHealthEvent(event: string, message?: string, extra?: Extra): void;
export function trackHealthEvent(event: TrackEvent, message?: string): void;
export function trackHealthEvent(event: string | TrackEvent, message?: string, extra?: Extra): void {
  helper('trackHealthEvent', { category: 'health' }, 'message', event, message, extra);
}

/** An MCP event (category `mcp`); `server` names the MCP server (attribute `unitrack.mcp.server`). */
export function trackMcpEvent(event: string, message?: string, extra?: McpExtra): void;
export function trackMcpEvent(event: McpTrackEvent, message?: string): void;
export function trackMcpEvent(event: string | McpTrackEvent, message?: string, extra?: McpExtra): void {
  helper('trackMcpEvent', { category: 'mcp' }, 'message', event, message, extra);
}

/** A dashboard event (category `dashboard`). */
export function trackDashboardEvent(event: string, message?: string, extra?: Extra): void;
export function trackDashboardEvent(event: TrackEvent, message?: string): void;
export function trackDashboardEvent(event: string | TrackEvent, message?: string, extra?: Extra): void {
  helper('trackDashboardEvent', { category: 'dashboard' }, 'message', event, message, extra);
}

let warnedConflict = false;

/** Builds the helper's event from either form; like track(), never throws. */
function helper(
  name: string,
  defaults: Extra,
  field: 'error' | 'message',
  first: unknown,
  second: unknown,
  extra: McpExtra | undefined,
): void {
  let e: McpTrackEvent;
  try {
    if (typeof first === 'object' && first !== null) {
      e = { ...defaults, ...extra, ...(first as McpTrackEvent) };
      if (second !== undefined) {
        if (e[field] === undefined) e[field] = second as string;
        else if (e[field] !== second && !warnedConflict) {
          warnedConflict = true;
          diag.warn(
            `unitrack: ${name}() was given ${field === 'error' ? 'an error' : 'a message'} in its object and as its second argument; the object's is kept`,
          );
        }
      }
    } else {
      e = { ...defaults, ...extra, event: first as string };
      // The positional second argument wins over `extra`'s; a missing message leaves `extra`'s.
      if (field === 'error') e.error = second;
      else e.message = (second as string | undefined) ?? e.message;
    }
    if (name === 'trackMcpEvent' && e.server !== undefined) e.metadata = { ...e.metadata, [A.ATTR_MCP_SERVER]: String(e.server) };
  } catch (error) {
    badInput(error);
    return;
  }
  track(e);
}
