import type { AnyValue } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import * as A from './attributes.ts';
import { setOwn } from './own-key.ts';
import { bodyText, PipelineRecord, recordTimeMs } from './record.ts';
import { type Severity, severityOf } from './severity.ts';

/** The user-facing JSON form of one event (DESIGN.md, Outputs): JSON lines, webhook `event`, dashboard. */
export interface EventJson {
  time: string;
  severity: Severity;
  event?: string;
  category?: string;
  component?: string;
  message?: string;
  fingerprint?: string;
  group_count?: number;
  trace_id?: string;
  span_id?: string;
  correlation_id?: string;
  request_id?: string;
  service?: string;
  /** `deployment.environment.name` (or the older `deployment.environment`). */
  environment?: string;
  /** `service.version`. */
  version?: string;
  user?: string;
  error?: { type?: string; message?: string; stack?: string };
  attributes?: Record<string, AnyValue>;
  /** The resource's other attributes, except the SDK's own `telemetry.sdk.*`. */
  resource?: Record<string, AnyValue>;
  sample_rate?: number;
  /** On an alert's record: why it alerted (the `unitrack.alert.*` attributes, which stay internal). */
  alert?: { reason: string; rule?: string; detail?: string };
}

/** The event's top-level fields that outputs file and filter by (the dashboard's columns). */
export interface EventHead {
  readonly time: string;
  readonly severity: Severity;
  readonly category: string | undefined;
  readonly component: string | undefined;
  readonly trace_id: string | undefined;
}

/**
 * A record's event as its JSON text (`eventView`), with its head. Only these are kept: a record
 * holds its view from the first output to the last, and strings cost the collector less to keep
 * than the event's object tree. An output that needs more reads it back from the text, so what it
 * reads is the bytes written.
 */
export class EventView {
  /** The event as one JSON line (no newline), through the one serializer. */
  readonly json: string;
  readonly head: EventHead;
  #event: EventJson | undefined;

  constructor(json: string, head: EventHead) {
    this.json = json;
    this.head = head;
  }

  /** The event as its text reads back (bytes as base64, bigints as strings), parsed on first use. */
  get event(): EventJson {
    this.#event ??= JSON.parse(this.json) as EventJson;
    return this.#event;
  }
}

const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';
const ATTR_DEPLOYMENT_ENVIRONMENT = 'deployment.environment';
const RESOURCE_LIFTED = new Set<string>([
  A.ATTR_SERVICE_NAME,
  A.ATTR_SERVICE_VERSION,
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_DEPLOYMENT_ENVIRONMENT,
]);

/**
 * What a resource contributes to an event, built once per resource object (records of one source
 * share one): events of that resource share its `resource` object, which nothing changes.
 */
interface ResourceView {
  service?: string;
  environment?: string;
  version?: string;
  rest?: Record<string, AnyValue>;
  special: boolean;
}

const resourceViews = new WeakMap<object, ResourceView>();
const NO_RESOURCE: ResourceView = { special: false };

function resourceView(resource: ReadableLogRecord['resource'] | undefined): ResourceView {
  if (!resource) return NO_RESOURCE;
  let view = resourceViews.get(resource);
  if (view) return view;
  const a = resource.attributes ?? {};
  view = {
    service: str(a[A.ATTR_SERVICE_NAME]),
    environment: str(a[ATTR_DEPLOYMENT_ENVIRONMENT_NAME]) ?? str(a[ATTR_DEPLOYMENT_ENVIRONMENT]),
    version: str(a[A.ATTR_SERVICE_VERSION]),
    special: false,
  };
  for (const key of Object.keys(a)) {
    const v = a[key];
    // The SDK's name and version are on every record of every OpenTelemetry SDK: noise in a line.
    if (v === undefined || RESOURCE_LIFTED.has(key) || key.startsWith('telemetry.sdk.')) continue;
    view.rest ??= {};
    setOwn(view.rest, key, v as AnyValue);
    if (typeof v === 'object' ? v !== null : typeof v === 'bigint') view.special = true;
  }
  // A resource's attributes can still be settling (async detectors): remember only settled ones.
  if (!(resource as { asyncAttributesPending?: boolean }).asyncAttributesPending) resourceViews.set(resource, view);
  return view;
}

/**
 * The pipeline's own bookkeeping on a record (`unitrack.alert.*`, `unitrack.group.*`): routing and
 * the webhook read it from the record; users get its facts as named fields, not as attributes.
 */
function internal(key: string): boolean {
  return key.startsWith('unitrack.alert.') || key.startsWith('unitrack.group.');
}

/** Attributes lifted to top-level keys, so `attributes` holds only the rest. */
const LIFTED = new Set<string>([
  A.ATTR_CATEGORY,
  A.ATTR_COMPONENT,
  A.ATTR_CORRELATION_ID,
  A.ATTR_REQUEST_ID,
  A.ATTR_FINGERPRINT,
  A.ATTR_GROUP_COUNT,
  A.ATTR_SAMPLE_RATE,
  A.ATTR_EXCEPTION_TYPE,
  A.ATTR_EXCEPTION_MESSAGE,
  A.ATTR_EXCEPTION_STACKTRACE,
  A.ATTR_USER_ID,
]);

const INVALID_TRACE = '00000000000000000000000000000000';

function str(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'string' ? v : String(v);
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** The last second rendered, as `YYYY-MM-DDTHH:MM:SS.` (records of a batch often share it). */
let lastSecond = Number.NaN;
let lastPrefix = '';

/** `new Date(ms).toISOString()`, with the part up to the second cached. */
function isoTime(ms: number): string {
  const t = Math.trunc(ms); // as Date does
  if (!(t >= 0 && t < 8.64e15)) return new Date(ms).toISOString();
  const second = Math.floor(t / 1000);
  if (second !== lastSecond) {
    const iso = new Date(second * 1000).toISOString();
    lastPrefix = iso.slice(0, iso.length - 4);
    lastSecond = second;
  }
  const milli = t - second * 1000;
  return `${lastPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** One JSON line (no newline) of a record's event. */
export function eventJsonText(record: ReadableLogRecord): string {
  return eventView(record).json;
}

/**
 * A record's event and its JSON text, made once by the first output that asks and kept on the
 * record (PipelineRecord.eventView): the jsonfile line, the dashboard's row and stream frame and the
 * webhook's `data.event` are then the same bytes. A setter clears it and a clone starts without it,
 * so a view never shows a record as it was before a change. Other records (the SDK's own) are
 * built each time.
 */
export function eventView(record: ReadableLogRecord): EventView {
  if (!(record instanceof PipelineRecord)) return makeView(record);
  return (record.eventView ??= makeView(record));
}

let built = 0;

/** Views built so far in this process (tests check that outputs share one). */
export function eventViewsBuilt(): number {
  return built;
}

function makeView(record: ReadableLogRecord): EventView {
  built++;
  const { event, special } = build(record);
  const { time, severity, category, component, trace_id } = event;
  return new EventView(serialize(event, special), { time, severity, category, component, trace_id });
}

/** The event, and whether its attributes hold a value `JSON.stringify` cannot take as it is. */
function build(record: ReadableLogRecord): { event: EventJson; special: boolean } {
  const a = record.attributes;
  const out: EventJson = { time: isoTime(recordTimeMs(record)), severity: severityOf(record) };
  const set = <K extends keyof EventJson>(key: K, value: EventJson[K] | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set('event', str(record.eventName));
  set('category', str(a[A.ATTR_CATEGORY]));
  set('component', str(a[A.ATTR_COMPONENT]));
  set('message', str(bodyText(record)));
  set('fingerprint', str(a[A.ATTR_FINGERPRINT]));
  set('group_count', num(a[A.ATTR_GROUP_COUNT]));
  const sc = record.spanContext;
  if (sc?.traceId && sc.traceId !== INVALID_TRACE) {
    out.trace_id = sc.traceId;
    set('span_id', str(sc.spanId));
  }
  set('correlation_id', str(a[A.ATTR_CORRELATION_ID]));
  set('request_id', str(a[A.ATTR_REQUEST_ID]));
  const res = resourceView(record.resource);
  set('service', res.service);
  set('environment', res.environment);
  set('version', res.version);
  set('user', str(a[A.ATTR_USER_ID]));
  const type = str(a[A.ATTR_EXCEPTION_TYPE]);
  const message = str(a[A.ATTR_EXCEPTION_MESSAGE]);
  const stack = str(a[A.ATTR_EXCEPTION_STACKTRACE]);
  if (type || message || stack) {
    out.error = {};
    if (type) out.error.type = type;
    if (message) out.error.message = message;
    if (stack) out.error.stack = stack;
  }
  let rest: Record<string, AnyValue> | undefined;
  // Objects (arrays, maps, bytes) and bigints need the replacer; plain values never do.
  let special = false;
  for (const key of Object.keys(a)) {
    const v = a[key];
    if (LIFTED.has(key) || v === undefined || internal(key)) continue;
    rest ??= {};
    setOwn(rest, key, v as AnyValue);
    if (typeof v === 'object' ? v !== null : typeof v === 'bigint') special = true;
  }
  if (rest) out.attributes = rest;
  if (res.rest) {
    out.resource = res.rest;
    special ||= res.special;
  }
  set('sample_rate', num(a[A.ATTR_SAMPLE_RATE]));
  const reason = str(a[A.ATTR_ALERT_REASON]);
  if (reason) {
    out.alert = { reason };
    const rule = str(a[A.ATTR_ALERT_RULE]);
    const detail = str(a[A.ATTR_ALERT_DETAIL]);
    if (rule) out.alert.rule = rule;
    if (detail) out.alert.detail = detail;
  }
  return { event: out, special };
}

/**
 * The one serializer of events: bytes as base64, bigints as decimal strings. For an event an
 * output derives from a view (the webhook's trimmed one); a record's own text is `eventJsonText`.
 */
export function eventText(event: EventJson): string {
  return serialize(event, true);
}

/** Never throws: unserializable values become strings. */
function serialize(event: EventJson, special: boolean): string {
  try {
    // Without a replacer JSON.stringify takes its fast path; the output is the same when no value
    // is a bigint or bytes (every other top-level value is a string or a number).
    return special ? JSON.stringify(event, jsonSafe) : JSON.stringify(event);
  } catch {
    return JSON.stringify({ ...event, attributes: { unserializable: String(event.attributes) } }, jsonSafe);
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}
