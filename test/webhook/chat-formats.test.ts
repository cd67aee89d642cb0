import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterEach, describe, expect, it } from 'vitest';
import { type PayloadFormat, renderBody } from '../../exporters/webhook/payload.ts';
import { retryAfterBodyMs, WebhookExporter, type WebhookExporterOptions } from '../../exporters/webhook/webhook-exporter.ts';
import { webhookConfig } from '../../exporters/webhook/webhook-factory.ts';
import * as A from '../../model/attributes.ts';
import { PipelineRecord } from '../../model/record.ts';
import { Telemetry } from '../../model/telemetry.ts';
import { tempDir } from '../helpers/tmp.ts';
import { loadFixture, violations } from './fixture-rules.ts';

type Chat = 'slack' | 'discord' | 'teams';
const CHATS: Chat[] = ['slack', 'discord', 'teams'];
const FP = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const DASHBOARD = 'https://unitrack.example.com/';
/** Text that would ping, link or format in a chat service if it were not escaped. */
const HOSTILE = 'card <!everyone> & <@U024BE7LH> <#C123> @everyone @here **bold** [x](https://evil.example) ```';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}
type Behaviour = (req: IncomingMessage, res: ServerResponse, attempt: number) => void;

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A local chat service: records every request and answers as told (200 by default). */
async function chatReceiver(behaviour: Behaviour = (_q, res) => void res.writeHead(200).end('ok')) {
  const got: Received[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    got.push({ headers: req.headers, body, at: Date.now() });
    behaviour(req, res, got.length);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?wait=true`, got };
}

function exporter(format: PayloadFormat, endpoint: string, over: Partial<WebhookExporterOptions> = {}) {
  return new WebhookExporter({
    id: `webhook/${format}`,
    endpoint,
    format,
    dashboardUrl: DASHBOARD,
    headers: {},
    timeoutMs: 2000,
    retry: { initialIntervalMs: 10, maxIntervalMs: 40, maxElapsedMs: 60_000 },
    spool: { directory: tempDir(), maxItems: 100 },
    circuitBreaker: { failureThreshold: 1000, resetTimeoutMs: 20 },
    concurrency: 2,
    flushTimeoutMs: 20_000,
    telemetry: new Telemetry(),
    ...over,
  });
}

interface Spec {
  title?: string;
  message?: string;
  stack?: string;
  rule?: string;
  user?: string;
}

/** A record as the fingerprint processor leaves an alert: group facts, reason, and a rule's name. */
function alertRecord(s: Spec = {}) {
  return new PipelineRecord({
    hrTime: [1_763_834_592, 0],
    resource: resourceFromAttributes({ 'service.name': 'shop', 'deployment.environment.name': 'production', 'service.version': '2.4.1' }),
    instrumentationScope: { name: 't' },
    body: s.message ?? `Payment 7 failed: ${HOSTILE}`,
    eventName: 'payment_failed',
    severityNumber: 21,
    spanContext: { traceId: TRACE, spanId: '00f067aa0ba902b7', traceFlags: 1 },
    attributes: {
      [A.ATTR_FINGERPRINT]: FP,
      [A.ATTR_GROUP_COUNT]: 42,
      [A.ATTR_GROUP_USERS]: 17,
      [A.ATTR_ALERT_REASON]: s.rule ? 'rule' : 'threshold',
      ...(s.rule
        ? { [A.ATTR_ALERT_RULE]: s.rule, [A.ATTR_ALERT_DETAIL]: '5 events in 60s, 2 users in 60s' }
        : { [A.ATTR_ALERT_DETAIL]: '10' }),
      [A.ATTR_GROUP_TITLE]: s.title ?? `PaymentError: Payment <NUM> failed & <!channel>`,
      [A.ATTR_GROUP_FIRST_SEEN]: '2026-11-22T18:03:12.000Z',
      [A.ATTR_GROUP_LAST_SEEN]: '2026-11-22T18:09:40.000Z',
      [A.ATTR_COMPONENT]: 'checkout',
      [A.ATTR_USER_ID]: s.user ?? 'u-1001',
      [A.ATTR_EXCEPTION_TYPE]: 'PaymentError',
      [A.ATTR_EXCEPTION_MESSAGE]: `declined ${HOSTILE}`,
      [A.ATTR_EXCEPTION_STACKTRACE]:
        s.stack ?? 'PaymentError: declined\n    at charge (/srv/app/pay.js:10:5)\n    at ```nested``` (/srv/app/x.js:1:1)',
    },
  });
}

function send(e: WebhookExporter, records: PipelineRecord[]) {
  return new Promise<void>((resolve, reject) => e.export(records, (r) => (r.code === 0 ? resolve() : reject(r.error))));
}

/** Delivers one record in `format` to a local receiver and returns what arrived. */
async function deliver(format: Chat, record = alertRecord(), over: Partial<WebhookExporterOptions> = {}) {
  const r = await chatReceiver();
  const e = exporter(format, r.url, over);
  await send(e, [record]);
  await e.forceFlush();
  await e.shutdown();
  expect(r.got).toHaveLength(1);
  return r.got[0];
}

/** Every text of a body, joined: what a reader can see. */
function texts(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(texts).join('\n');
  if (v && typeof v === 'object') return Object.values(v).map(texts).join('\n');
  return String(v);
}

describe('chat formats against fixtures written from each service documentation', () => {
  it.each(CHATS)('%s: the body keeps the documented shape and limits, sent as plain unsigned JSON', async (format) => {
    const got = await deliver(format, alertRecord({ rule: 'checkout outage' }), {
      secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
    });
    expect(violations(loadFixture(format), got.body)).toEqual([]);
    expect(got.headers['content-type']).toBe('application/json');
    // Only `standard` (and `plain`) carry Standard Webhooks headers; a chat service verifies none.
    for (const h of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) expect(got.headers[h]).toBeUndefined();
  });

  it.each(CHATS)(
    '%s: says severity, title, count, user, first and last seen, service, environment, reason, rule and links',
    async (format) => {
      const body = JSON.parse((await deliver(format, alertRecord({ rule: 'checkout outage' }))).body);
      const seen = texts(body);
      for (const want of [
        'CRITICAL',
        'PaymentError: Payment',
        'failed',
        '42',
        'u-1001',
        'shop',
        'production',
        '2.4.1',
        'checkout outage',
        '5 events in 60s',
      ])
        expect(seen).toContain(want);
      expect(seen).toContain(`https://unitrack.example.com/#/group/${FP}`);
      expect(seen).toContain(`https://unitrack.example.com/#/trace/${TRACE}`);
      // First and last seen: Slack and Discord markup shows them in the reader's zone, Teams as ISO.
      const first = Date.parse('2026-11-22T18:03:12.000Z') / 1000;
      const last = Date.parse('2026-11-22T18:09:40.000Z') / 1000;
      if (format === 'slack') expect(seen).toMatch(new RegExp(`<!date\\^${first}\\^.*<!date\\^${last}\\^`, 's'));
      if (format === 'discord') expect(seen).toMatch(new RegExp(`<t:${first}:f>.*<t:${last}:f>`, 's'));
      if (format === 'teams') expect(seen).toMatch(/2026-11-22T18:03:12\.000Z[\s\S]*2026-11-22T18:09:40\.000Z/);
    },
  );

  it.each(CHATS)('%s: no links when no dashboard_url is set', async (format) => {
    const body = (await deliver(format, alertRecord(), { dashboardUrl: undefined })).body;
    expect(body).not.toContain('#/group/');
    expect(violations(loadFixture(format), body)).toEqual([]);
    if (format === 'teams') expect(JSON.parse(body).attachments[0].content.actions).toBeUndefined();
  });

  it('slack: &, < and > are escaped, so an event writes no mention, channel link or markup of its own', async () => {
    const body = JSON.parse((await deliver('slack')).body);
    const seen = texts(body);
    expect(seen).toContain('&lt;!everyone&gt; &amp; &lt;@U024BE7LH&gt;');
    expect(seen).toContain('&amp; &lt;!channel&gt;'); // the title too
    expect(body.text).toMatch(/^\[CRITICAL\] PaymentError: Payment &lt;NUM&gt; failed/);
    // The stack's own ``` cannot close the code block early.
    const stack = body.blocks.find((b: { text?: { text: string } }) => b.text?.text.startsWith('```'));
    expect(stack.text.text.match(/```/g)).toHaveLength(2);
  });

  it('discord: parses no mention, and an event text cannot format, link or ping', async () => {
    const body = JSON.parse((await deliver('discord')).body);
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const seen = texts(body.embeds);
    expect(seen).toContain('\\@everyone');
    expect(seen).toContain('\\*\\*bold\\*\\*');
    expect(seen).toContain('\\[x\\](https://evil.example)');
    expect(seen).not.toMatch(/(^|[^\\])<@U024/);
    expect(body.embeds[0].color).toBe(0xb71c1c);
    expect(body.embeds[0].url).toBe(`https://unitrack.example.com/#/group/${FP}`);
    expect(body.content.length).toBeLessThanOrEqual(2000);
  });

  it('teams: a FactSet of the group facts and one Adaptive Card 1.4 without mention entities', async () => {
    const body = JSON.parse((await deliver('teams')).body);
    const card = body.attachments[0].content;
    const facts = card.body.find((b: { type: string }) => b.type === 'FactSet').facts as { title: string; value: string }[];
    expect(Object.fromEntries(facts.map((f) => [f.title, f.value]))).toMatchObject({
      Severity: 'CRITICAL',
      Events: '42',
      'Users affected': '17',
      User: 'u-1001',
      'First seen': '2026-11-22T18:03:12.000Z',
      'Last seen': '2026-11-22T18:09:40.000Z',
      Service: 'shop',
      Environment: 'production',
    });
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', color: 'Attention', weight: 'Bolder' });
    expect(card.actions[0]).toEqual({
      type: 'Action.OpenUrl',
      title: 'Open in unitrack',
      url: `https://unitrack.example.com/#/group/${FP}`,
    });
  });

  it.each(CHATS)('%s: a huge event is clipped to every limit, each cut text ending in …', async (format) => {
    const huge = alertRecord({
      title: `${'T&<'.repeat(3000)}😀`,
      message: `${'m<&>'.repeat(40_000)}`,
      stack: 'at frame (/srv/app/deep.js:1:1)\n'.repeat(10_000),
      user: 'u'.repeat(5000),
      rule: 'r'.repeat(2000),
    });
    const got = await deliver(format, huge);
    expect(violations(loadFixture(format), got.body)).toEqual([]);
    expect(Buffer.byteLength(got.body)).toBeLessThan(28_000);
    const body = JSON.parse(got.body);
    if (format === 'slack') {
      expect(body.blocks[0].text.text).toMatch(/…$/);
      // No entity is cut in half.
      for (const t of texts(body).split('\n')) expect(t).not.toMatch(/&(a|am|amp|l|lt|g|gt)?…/);
    }
    if (format === 'discord') {
      expect(body.embeds[0].title).toMatch(/…$/);
      expect(body.embeds[0].description).toContain('…');
    }
    if (format === 'teams') expect(body.attachments[0].content.body[0].text).toMatch(/…$/);
    // A surrogate pair is never split (the JSON would carry a lone surrogate).
    expect(got.body).not.toMatch(/\\ud83d(?!\\ude00)/i);
  });

  it('the fixtures catch what breaks them', () => {
    const good = (format: Chat) => JSON.parse(renderBody(format, alertRecord(), new Date(), { dashboardUrl: DASHBOARD }));
    const slack = good('slack');
    slack.blocks = Array.from({ length: 51 }, () => slack.blocks[1]);
    slack.text = '<!channel> deploy';
    expect(violations(loadFixture('slack'), JSON.stringify(slack))).toEqual([
      'a text contains "<!channel>": <!channel> deploy',
      '$.blocks has 51 items, over 50',
    ]);
    const discord = good('discord');
    discord.content = 'x'.repeat(2001);
    discord.embeds[0].description = 'd'.repeat(4096);
    discord.embeds.push({ ...discord.embeds[0], fields: [{ name: 'n', value: '' }] });
    delete discord.allowed_mentions;
    expect(violations(loadFixture('discord'), JSON.stringify(discord))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/over 6000$/),
        '$.content is 2001 characters, over 2000',
        '$.embeds[1].fields[0].value is shorter than 1',
        '$.allowed_mentions is required',
      ]),
    );
    const teams = good('teams');
    teams.attachments[0].content.version = '1.6';
    teams.attachments[0].content.body.push({ type: 'TextBlock', txt: 'typo' });
    expect(violations(loadFixture('teams'), JSON.stringify(teams))).toEqual([
      '$.attachments[0].content.version is "1.6", not "1.4"',
      `$.attachments[0].content.body[${teams.attachments[0].content.body.length - 1}] has an undocumented key txt`,
      `$.attachments[0].content.body[${teams.attachments[0].content.body.length - 1}].text is required`,
    ]);
  });
});

describe('rate limits', () => {
  it('discord: a 429 with retry_after in its JSON body is waited for, then retried and delivered once', async () => {
    const r = await chatReceiver((_req, res, attempt) => {
      if (attempt === 1)
        res
          .writeHead(429, { 'content-type': 'application/json' })
          .end('{"message":"You are being rate limited.","retry_after":0.4,"global":false}');
      else res.writeHead(204).end();
    });
    const telemetry = new Telemetry();
    const e = exporter('discord', r.url, { telemetry });
    await send(e, [alertRecord()]);
    await e.forceFlush();
    await e.shutdown();
    expect(r.got).toHaveLength(2);
    expect(r.got[1].body).toBe(r.got[0].body);
    // Backoff alone would retry after 5-10 ms; the body said 0.4 s (less a timer's early millisecond).
    expect(r.got[1].at - r.got[0].at).toBeGreaterThanOrEqual(395);
    expect(telemetry.value('unitrack_webhook_delivered_total', { exporter: 'webhook/discord' })).toBe(1);
    expect(e.pending).toBe(0);
  });

  it.each(['slack', 'teams', 'standard'] as PayloadFormat[])('%s: a 429 with Retry-After is waited for, then retried', async (format) => {
    const r = await chatReceiver((_req, res, attempt) => {
      if (attempt === 1) res.writeHead(429, { 'retry-after': '1' }).end('rate limited');
      else res.writeHead(200).end('ok');
    });
    const e = exporter(format, r.url);
    await send(e, [alertRecord()]);
    await e.forceFlush();
    await e.shutdown();
    expect(r.got).toHaveLength(2);
    expect(r.got[1].at - r.got[0].at).toBeGreaterThanOrEqual(995);
    if (format === 'standard') expect(r.got[1].headers['webhook-id']).toBe(r.got[0].headers['webhook-id']);
  });

  it('reads retry_after from a body, in milliseconds, capped at an hour', () => {
    expect(retryAfterBodyMs('{"retry_after":0.25,"global":true}')).toBe(250);
    expect(retryAfterBodyMs('{"retry_after":86400}')).toBe(3_600_000);
    expect(retryAfterBodyMs('{"retry_after":"soon"}')).toBeUndefined();
    expect(retryAfterBodyMs('retry_after: 3')).toBeUndefined();
    expect(retryAfterBodyMs(undefined)).toBeUndefined();
  });
});

describe('webhook config', () => {
  it('takes the chat formats and a dashboard_url', () => {
    for (const format of ['standard', 'slack', 'discord', 'teams', 'plain'])
      expect(webhookConfig.parse({ endpoint: 'https://hooks.example.com/x', format }).format).toBe(format);
    expect(webhookConfig.parse({ dashboard_url: 'https://unitrack.example.com' }).dashboard_url).toBe('https://unitrack.example.com');
    expect(webhookConfig.safeParse({ format: 'mattermost' }).success).toBe(false);
    expect(webhookConfig.safeParse({ dashboard_url: 'unitrack.example.com' }).success).toBe(false);
  });
});
