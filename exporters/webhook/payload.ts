import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import * as A from '../../model/attributes.ts';
import { type EventJson, toEventJson } from '../../model/event-json.ts';

export type PayloadFormat = 'standard' | 'slack' | 'plain';

/** Bodies stay under this (Standard Webhooks suggests 20 KB). */
const MAX_BODY = 20_000;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : v === undefined || v === null ? undefined : String(v);
}

/** The design's payload: `{type, timestamp, data: {reason, group, event}}`. */
export function standardPayload(record: ReadableLogRecord, now: Date): Record<string, unknown> {
  const a = record.attributes;
  const event = toEventJson(record);
  const reason = str(a[A.ATTR_ALERT_REASON]) ?? 'severity';
  return {
    type: 'unitrack.alert',
    timestamp: now.toISOString(),
    data: {
      reason,
      ...(a[A.ATTR_ALERT_DETAIL] !== undefined ? { detail: str(a[A.ATTR_ALERT_DETAIL]) } : {}),
      group: {
        fingerprint: event.fingerprint ?? null,
        title: str(a[A.ATTR_GROUP_TITLE]) ?? event.message ?? event.event ?? '',
        count: typeof a[A.ATTR_GROUP_COUNT] === 'number' ? a[A.ATTR_GROUP_COUNT] : 1,
        first_seen: str(a[A.ATTR_GROUP_FIRST_SEEN]) ?? event.time,
        last_seen: str(a[A.ATTR_GROUP_LAST_SEEN]) ?? event.time,
      },
      event: trimEvent(event),
    },
  };
}

function trimEvent(event: EventJson): EventJson {
  const text = JSON.stringify(event);
  if (text.length < MAX_BODY - 2000) return event;
  const out: EventJson = { ...event, attributes: undefined };
  if (out.error?.stack) out.error = { ...out.error, stack: `${out.error.stack.slice(0, 8000)}…` };
  if (out.message && out.message.length > 4000) out.message = `${out.message.slice(0, 4000)}…`;
  return out;
}

/** The JSON body for one notification in the chosen format. */
export function renderBody(format: PayloadFormat, record: ReadableLogRecord, now: Date): string {
  const payload = standardPayload(record, now);
  if (format === 'standard') return JSON.stringify(payload);
  const data = payload.data as { reason: string; group: { title: string; count: number }; event: EventJson };
  const e = data.event;
  const line = `[${e.severity.toUpperCase()}] ${data.group.title} (${data.reason}, ${data.group.count}×)${e.service ? ` in ${e.service}` : ''}${e.trace_id ? ` · trace ${e.trace_id}` : ''}`;
  if (format === 'slack') {
    return JSON.stringify({
      text: line,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(data.group.title)}*\n${escapeSlack(e.message ?? '')}` } },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: escapeSlack(`${e.severity} · ${data.reason} · ${data.group.count}× · ${e.fingerprint ?? ''}`) },
          ],
        },
      ],
    });
  }
  return JSON.stringify({ text: line, event: e });
}

function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
