import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AnyValue } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_KEY } from '../../exporters/dashboard/dashboard-exporter.ts';
import { renderBody } from '../../exporters/webhook/payload.ts';
import { eventJsonText, eventView, eventViewsBuilt } from '../../model/event-json.ts';
import { setOwn } from '../../model/own-key.ts';
import { PipelineRecord } from '../../model/record.ts';
import { Service } from '../../pipeline/service.ts';
import { readStream, waitFor } from '../dashboard/helpers.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A record whose attributes JSON.stringify cannot take as they are: bytes, a bigint, nesting, `__proto__`. */
function awkward(i: number): PipelineRecord {
  const attributes: Record<string, AnyValue> = {
    raw: new Uint8Array([0, 1, 255]),
    big: (2n ** 62n + 1n) as unknown as AnyValue,
    'order.id': '4611686018427387905',
    nested: { list: [1, 'two', { deep: new Uint8Array([7]) }], map: { k: 'v' } },
    n: i,
  };
  setOwn(attributes, '__proto__', { polluted: true });
  return new PipelineRecord({
    hrTime: [1_763_834_592, i * 1_000_000],
    resource: resourceFromAttributes({ 'service.name': 'shop', 'host.id': 'h1' }),
    instrumentationScope: { name: 't' },
    body: `Payment ${i} failed`,
    eventName: 'payment_failed',
    severityNumber: 17,
    spanContext: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 },
    attributes,
  });
}

describe('the event view: one per record, the same bytes in every output', () => {
  const dir = tempDir();
  const bodies: string[] = [];
  const hook = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    bodies.push(body);
    res.writeHead(200).end('ok');
  });
  let service: Service;
  let url: string;

  beforeAll(async () => {
    hook.listen(0, '127.0.0.1');
    await once(hook, 'listening');
    service = new Service(
      loadServiceConfig({
        receivers: { otlp: {} },
        processors: { fingerprint: { store: { path: join(dir, 'groups.db') } } },
        exporters: {
          jsonfile: { path: join(dir, 'events.jsonl') },
          dashboard: { endpoint: '127.0.0.1:0', store: { path: join(dir, 'dashboard.db') } },
          webhook: {
            endpoint: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
            spool: { directory: join(dir, 'spool') },
          },
        },
        service: {
          pipelines: { logs: { receivers: ['otlp'], processors: ['fingerprint'], exporters: ['jsonfile', 'dashboard', 'webhook'] } },
        },
      }),
      { dataDir: dir },
    );
    await waitFor(() => service.host.shared.has(DASHBOARD_KEY), 'the dashboard');
    url = (service.host.shared.get(DASHBOARD_KEY) as { url: string }).url;
  });

  afterAll(async () => {
    await service.shutdown();
    hook.close();
  });

  it('writes the event byte for byte alike to events.jsonl, /api/events, /api/stream and the webhook, bytes as base64', async () => {
    const stream = readStream(`${url}/api/stream`, {}, (f) => f.some((x) => x.data && !x.event));
    await waitFor(() => service.telemetry.value('unitrack_dashboard_stream_clients') === 1, 'the stream client');
    const builtBefore = eventViewsBuilt();
    service.ingest([awkward(0)]);
    await service.forceFlush();
    await waitFor(() => bodies.length === 1, 'the webhook');

    const [line, ...more] = readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n');
    expect(more).toEqual(['']);
    const event = JSON.parse(line);
    expect(event.attributes.raw).toBe('AAH/');
    expect(event.attributes.big).toBe('4611686018427387905');
    expect(event.attributes['order.id']).toBe('4611686018427387905');
    expect(event.attributes.nested).toEqual({ list: [1, 'two', { deep: 'Bw==' }], map: { k: 'v' } });
    expect(Object.hasOwn(event.attributes, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(event.attributes)).toBe(Object.prototype);
    expect(event.resource).toEqual({ 'host.id': 'h1' });

    const frame = (await stream).find((x) => x.data && !x.event);
    expect(frame?.data).toBe(line);

    const api = await (await fetch(`${url}/api/events`)).text();
    expect(api).toBe(`{"events":[{"id":${frame?.id},${line.slice(1)}]}`);
    const traced = await (await fetch(`${url}/api/traces/4bf92f3577b34da6a3ce929d0e0e4736`)).text();
    expect(traced).toBe(`{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","events":[{"id":${frame?.id},${line.slice(1)}]}`);

    const body = bodies[0];
    expect(body.endsWith(`,"event":${line}}}`)).toBe(true);
    const payload = JSON.parse(body);
    expect(Object.keys(payload)).toEqual(['type', 'timestamp', 'data']);
    expect(Object.keys(payload.data)).toEqual(['reason', 'group', 'event']);
    expect(payload.data.group.fingerprint).toBe(event.fingerprint);

    // The file, the dashboard and the webhook shared one view.
    expect(eventViewsBuilt() - builtBefore).toBe(1);
  });

  it('builds the view once per record for a batch through every output', async () => {
    const sent = bodies.length;
    const builtBefore = eventViewsBuilt();
    service.ingest(Array.from({ length: 20 }, (_, i) => awkward(i + 1)));
    await service.forceFlush();
    await waitFor(() => bodies.length === sent + 20, 'the webhook');
    expect(eventViewsBuilt() - builtBefore).toBe(20);
  });
});

describe('a kept view never goes stale', () => {
  it('is made once, dropped by a setter, and not copied by a clone', () => {
    const r = awkward(1);
    const first = eventView(r);
    expect(eventView(r)).toBe(first);
    r.setAttribute('added', 'yes');
    expect(JSON.parse(eventJsonText(r)).attributes.added).toBe('yes');
    r.setBody('changed');
    expect(JSON.parse(eventJsonText(r)).message).toBe('changed');
    const view = eventView(r);
    const copy = r.clone();
    expect(copy.eventView).toBeUndefined();
    copy.setSeverityNumber(21);
    expect(JSON.parse(eventJsonText(copy)).severity).toBe('critical');
    expect(eventView(r)).toBe(view);
  });

  it('serializes a trimmed webhook event through the same serializer (bytes in the resource as base64)', () => {
    const r = awkward(1);
    r.setAttribute('huge', 'x'.repeat(30_000));
    // resourceFromAttributes keeps only attribute values; an OTLP resource can carry bytes.
    const withBytes = new PipelineRecord({ ...r, resource: { attributes: { blob: new Uint8Array([1, 2]) } } as never });
    const payload = JSON.parse(renderBody('standard', withBytes, new Date(0)));
    expect(payload.data.event.attributes).toBeUndefined();
    expect(payload.data.event.resource).toEqual({ blob: 'AQI=' });
    const plain = renderBody('plain', r, new Date(0));
    expect(JSON.parse(plain).event.message).toBe('Payment 1 failed');
  });
});
