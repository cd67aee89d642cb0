import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import * as A from '../../model/attributes.ts';
import { type EventJson, eventText, eventView } from '../../model/event-json.ts';
import type { Severity } from '../../model/severity.ts';
import { discordBody } from './formats/discord.ts';
import { slackBody } from './formats/slack.ts';
import { standardBody } from './formats/standard.ts';
import { teamsBody } from './formats/teams.ts';

export type PayloadFormat = 'standard' | 'slack' | 'discord' | 'teams' | 'plain';

/** Formats a chat service reads: plain JSON, no Standard Webhooks headers or signature. */
export function isChatFormat(format: PayloadFormat): boolean {
  return format === 'slack' || format === 'discord' || format === 'teams';
}

export interface RenderOptions {
  /** The dashboard's address as readers reach it; messages link to `<url>/#/group/<fingerprint>`. */
  dashboardUrl?: string;
}

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
      ...(typeof a[A.ATTR_GROUP_USERS] === 'number' ? { users: a[A.ATTR_GROUP_USERS] } : {}),
    },
  };
}

type Alert = ReturnType<typeof alertOf>;

/** One fact of a chat message; `time` marks an ISO time a format may show in the reader's zone. */
export interface ChatFact {
  label: string;
  value: string;
  time?: boolean;
}

/** What every chat message says, whatever the service: each format lays it out within its limits. */
export interface ChatAlert {
  severity: Severity;
  /** The group's title. */
  title: string;
  /** Why it notifies: "New group", "Threshold: 100 events", `Rule "checkout outage": 5 events in 60s`. */
  reason: string;
  /** The event's message, when the title or the exception does not already say it. */
  message?: string;
  /** `Type: message` of the event's exception. */
  error?: string;
  stack?: string;
  facts: ChatFact[];
  fingerprint?: string;
  traceId?: string;
  /** The group, and the trace, on the dashboard (when its URL is configured). */
  groupUrl?: string;
  traceUrl?: string;
  /** The event's time (ISO). */
  time: string;
  /** One line: the fallback of clients and notifications that show no rich content. */
  summary: string;
}

const REASONS: Record<string, string> = {
  new_group: 'New group',
  threshold: 'Threshold',
  regression: 'Regression',
  window: 'Burst',
  users: 'Users affected',
  severity: 'Severity',
  escalating: 'Escalating',
  rule: 'Rule',
};

function reasonText(alert: Alert, rule: string | undefined): string {
  const label = rule !== undefined ? `Rule "${rule}"` : (REASONS[alert.reason] ?? alert.reason);
  const detail = alert.reason === 'threshold' && alert.detail ? `${alert.detail} events` : alert.detail;
  return detail && detail !== alert.reason ? `${label}: ${detail}` : label;
}

function chatAlert(record: ReadableLogRecord, e: EventJson, alert: Alert, options: RenderOptions): ChatAlert {
  const { group } = alert;
  const rule = str(record.attributes[A.ATTR_ALERT_RULE]);
  const facts: ChatFact[] = [
    { label: 'Severity', value: e.severity.toUpperCase() },
    { label: 'Events', value: String(group.count) },
  ];
  if (group.users !== undefined) facts.push({ label: 'Users affected', value: String(group.users) });
  if (e.user) facts.push({ label: 'User', value: e.user });
  facts.push({ label: 'First seen', value: group.first_seen, time: true }, { label: 'Last seen', value: group.last_seen, time: true });
  if (e.service) facts.push({ label: 'Service', value: e.service });
  if (e.environment) facts.push({ label: 'Environment', value: e.environment });
  if (e.version) facts.push({ label: 'Version', value: e.version });
  if (e.component) facts.push({ label: 'Component', value: e.component });
  if (rule !== undefined) facts.push({ label: 'Rule', value: rule });
  const base = options.dashboardUrl?.replace(/\/+$/, '');
  const fingerprint = group.fingerprint ?? undefined;
  const error = e.error?.type || e.error?.message ? [e.error.type, e.error.message].filter(Boolean).join(': ') : undefined;
  return {
    severity: e.severity,
    title: group.title || '(no message)',
    reason: reasonText(alert, rule),
    message: e.message && !group.title.endsWith(e.message) && e.message !== e.error?.message ? e.message : undefined,
    error,
    stack: e.error?.stack,
    facts,
    fingerprint,
    traceId: e.trace_id,
    groupUrl: base && fingerprint ? `${base}/#/group/${encodeURIComponent(fingerprint)}` : undefined,
    traceUrl: base && e.trace_id ? `${base}/#/trace/${encodeURIComponent(e.trace_id)}` : undefined,
    time: e.time,
    // Kept as before chat formats had their own files: routing tests and users' filters match it.
    summary: `[${e.severity.toUpperCase()}] ${group.title} (${alert.reason}, ${group.count}×)${e.service ? ` in ${e.service}` : ''}${e.trace_id ? ` · trace ${e.trace_id}` : ''}`,
  };
}

/** The JSON body for one notification in the chosen format; the event's JSON text is embedded as it is. */
export function renderBody(format: PayloadFormat, record: ReadableLogRecord, now: Date, options: RenderOptions = {}): string {
  const { event: e, json } = notifiedEvent(record);
  const alert = alertOf(record, e);
  if (format === 'standard') return standardBody(alert, json, now);
  const chat = chatAlert(record, e, alert, options);
  if (format === 'slack') return JSON.stringify(slackBody(chat));
  if (format === 'discord') return JSON.stringify(discordBody(chat));
  if (format === 'teams') return JSON.stringify(teamsBody(chat));
  return `{"text":${JSON.stringify(chat.summary)},"event":${json}}`;
}
