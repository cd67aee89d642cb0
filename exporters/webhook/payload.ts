import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import * as A from '../../model/attributes.ts';
import { type EventJson, eventText, eventView } from '../../model/event-json.ts';

export type PayloadFormat = 'standard' | 'slack' | 'plain';

/** Bodies stay under this (Standard Webhooks suggests 20 KB). */
const MAX_BODY = 20_000;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : v === undefined || v === null ? undefined : String(v);
}

/** The event of a notification: the record's event view, trimmed (and then serialized again) when too large. */
function notifiedEvent(record: ReadableLogRecord): { event: EventJson; json: string } {
  const view = eventView(record);
  if (view.json.length < MAX_BODY - 2000) return view;
  const event: EventJson = { ...view.event, attributes: undefined };
  if (event.error?.stack) event.error = { ...event.error, stack: `${event.error.stack.slice(0, 8000)}…` };
  if (event.message && event.message.length > 4000) event.message = `${event.message.slice(0, 4000)}…`;
  return { event, json: eventText(event) };
}

/** What a notification says besides the event: `data` of the design's payload, without `event`. */
function alertOf(record: ReadableLogRecord, event: EventJson) {
  const a = record.attributes;
  return {
    reason: str(a[A.ATTR_ALERT_REASON]) ?? 'severity',
    // A configured rule's name (reason `rule`).
    ...(a[A.ATTR_ALERT_RULE] !== undefined ? { rule: str(a[A.ATTR_ALERT_RULE]) } : {}),
    ...(a[A.ATTR_ALERT_DETAIL] !== undefined ? { detail: str(a[A.ATTR_ALERT_DETAIL]) } : {}),
    group: {
      fingerprint: event.fingerprint ?? null,
      title: str(a[A.ATTR_GROUP_TITLE]) ?? event.message ?? event.event ?? '',
      count: typeof a[A.ATTR_GROUP_COUNT] === 'number' ? a[A.ATTR_GROUP_COUNT] : 1,
      first_seen: str(a[A.ATTR_GROUP_FIRST_SEEN]) ?? event.time,
      last_seen: str(a[A.ATTR_GROUP_LAST_SEEN]) ?? event.time,
    },
  };
}

/** The JSON body for one notification in the chosen format; the event's JSON text is embedded as it is. */
export function renderBody(format: PayloadFormat, record: ReadableLogRecord, now: Date): string {
  const { event: e, json } = notifiedEvent(record);
  const alert = alertOf(record, e);
  if (format === 'standard') {
    // The design's `{type, timestamp, data: {reason, detail?, group, event}}`: `event` is the last
    // key of `data`, and `data` the last of the payload, so the event's text goes before the `}}`.
    const envelope = JSON.stringify({ type: 'unitrack.alert', timestamp: now.toISOString(), data: alert });
    return `${envelope.slice(0, -2)},"event":${json}}}`;
  }
  const { reason, group } = alert;
  const line = `[${e.severity.toUpperCase()}] ${group.title} (${reason}, ${group.count}×)${e.service ? ` in ${e.service}` : ''}${e.trace_id ? ` · trace ${e.trace_id}` : ''}`;
  if (format === 'slack') {
    return JSON.stringify({
      text: line,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(group.title)}*\n${escapeSlack(e.message ?? '')}` } },
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: escapeSlack(`${e.severity} · ${reason} · ${group.count}× · ${e.fingerprint ?? ''}`) }],
        },
      ],
    });
  }
  return `{"text":${JSON.stringify(line)},"event":${json}}`;
}

function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
