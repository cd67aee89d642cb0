// A fingerprint processor on a :memory: store, fed records at chosen times: what each alert test
// needs to see which records raised which alert.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_ALERT_DETAIL, ATTR_ALERT_REASON, ATTR_FINGERPRINT } from '../../model/attributes.ts';
import { PipelineRecord } from '../../model/record.ts';
import { SEVERITY_NUMBER, SEVERITY_TEXT, type Severity } from '../../model/severity.ts';
import { fingerprintConfig, fingerprintFactory } from '../../processors/fingerprint/fingerprint-factory.ts';
import type { FingerprintProcessor } from '../../processors/fingerprint/fingerprint-processor.ts';
import { Collect, testHost } from '../processors/harness.ts';

export const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

export interface Ev {
  /** Milliseconds after T0; default: one second after the previous event. */
  at?: number;
  severity?: Severity;
  /** The group: the body (one group per distinct body). */
  body?: string;
  user?: string;
  version?: string;
  service?: string;
  attributes?: Attributes;
}

/** Every built-in reason off and the floor at high: each test turns on what it tests. */
export const QUIET = {
  new_group: false,
  thresholds: [],
  window: { count: 0 },
  users: { count: 0 },
  regression: false,
  severity: false,
  cooldown: 0,
};

export function record(e: Ev, time: number): PipelineRecord {
  const severity = e.severity ?? 'high';
  return new PipelineRecord({
    hrTime: [Math.floor(time / 1000), (time % 1000) * 1e6],
    resource: resourceFromAttributes({ 'service.name': e.service ?? 'checkout', ...(e.version ? { 'service.version': e.version } : {}) }),
    instrumentationScope: { name: 't' },
    severityNumber: SEVERITY_NUMBER[severity],
    severityText: SEVERITY_TEXT[severity],
    body: e.body ?? 'payment failed',
    attributes: { ...(e.user ? { 'user.id': e.user } : {}), ...e.attributes },
  });
}

/** A processor with `alerts` over the quiet defaults; `feed` returns one label a record: `reason[:rule]` or ''. */
export function alerting(alerts: Record<string, unknown>, storePath = ':memory:') {
  const host = testHost();
  const out = new Collect();
  const config = fingerprintConfig.parse({ store: { path: storePath }, alerts: { ...QUIET, ...alerts } });
  const processor = fingerprintFactory.create({ id: 'fingerprint', config, host }, out) as FingerprintProcessor;
  let t = T0 - 1000;
  return {
    host,
    processor,
    records: out.records,
    feed(events: Ev[]): string[] {
      const from = out.records.length;
      for (const e of events) {
        t = e.at !== undefined ? T0 + e.at : t + 1000;
        processor.onEmit(record(e, t));
      }
      return out.records.slice(from).map(label);
    },
    /** The labels of the records that raised an alert. */
    alerts(events: Ev[]): string[] {
      return this.feed(events).filter((l) => l !== '');
    },
    close: () => processor.shutdown(),
  };
}

export function label(r: PipelineRecord | { attributes: Attributes }): string {
  const a = r.attributes;
  const reason = a[ATTR_ALERT_REASON];
  if (reason === undefined) return '';
  const rule = a['unitrack.alert.rule'];
  return rule !== undefined ? `${reason}:${rule}` : String(reason);
}

export const detail = (r: { attributes: Attributes }) => r.attributes[ATTR_ALERT_DETAIL];
export const fingerprint = (r: { attributes: Attributes }) => r.attributes[ATTR_FINGERPRINT];

/** n events, each built by `f(i)`. */
export const times = (n: number, f: (i: number) => Ev = () => ({})): Ev[] => Array.from({ length: n }, (_, i) => f(i));

/** What the tests read of a notification: the standard body's `data`, or a chat format's `text`. */
export interface Notification {
  data: { reason: string; rule?: string; detail?: string; event: { severity: string; message?: string } };
  text?: string;
}

/** A local webhook receiver: the JSON bodies it was sent, in order. */
export async function webhookReceiver(): Promise<{ url: string; bodies: Notification[]; close: () => void }> {
  const bodies: Notification[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    bodies.push(JSON.parse(body));
    res.writeHead(200).end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, close: () => server.close() };
}
