import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import * as A from '../../model/attributes.ts';
import { bodyText, recordTimeMs } from '../../model/record.ts';
import { SEVERITY_TEXT, severityOf } from '../../model/severity.ts';

/** UTC clock time of a millisecond timestamp: the blog's days and times are UTC. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** User text on one line, with Markdown's special characters escaped so it shows as written. */
export function escapeMarkdown(text: string, max = 300): string {
  const one = text.replace(/\s+/g, ' ').trim();
  const cut = one.length > max ? `${one.slice(0, max)}…` : one;
  // Underscores inside words (snake_case names) never start emphasis, so only edge ones are escaped.
  return cut.replace(/[\\`*{}[\]()<>#+!|~]/g, (c) => `\\${c}`).replace(/(^|\W)_|_(?=\W|$)/g, (m) => m.replace('_', '\\_'));
}

/** `- 18:03:12 **HIGH** mcp/mcp_client · mcp_server_failed — Memory server failed to respond · trace 4bf92f35` */
export function blogLine(record: ReadableLogRecord): string {
  const a = record.attributes;
  const severity = SEVERITY_TEXT[severityOf(record)];
  const where = [a[A.ATTR_CATEGORY], a[A.ATTR_COMPONENT]].filter((x) => typeof x === 'string' && x).join('/');
  const parts = [`- ${clock(recordTimeMs(record))} **${severity}**`];
  const head = [where && escapeMarkdown(where, 80), record.eventName && escapeMarkdown(record.eventName, 120)].filter(Boolean).join(' · ');
  if (head) parts.push(` ${head}`);
  const message = bodyText(record);
  if (message && message !== record.eventName) parts.push(` — ${escapeMarkdown(message)}`);
  const traceId = record.spanContext?.traceId;
  if (traceId && !/^0+$/.test(traceId)) parts.push(` · trace ${traceId.slice(0, 8)}`);
  return parts.join('');
}
