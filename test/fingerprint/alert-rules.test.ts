// Alert rules and their clocks: each built-in reason and each configured rule keeps its own action
// interval per group; a rule fires when every condition it gives holds at once.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../cli/components.ts';
import { routingConfig, routingFactory } from '../../connectors/routing/routing-factory.ts';
import { GROUPS } from '../../model/groups.ts';
import { resolveConfig } from '../../pipeline/config/service-config.ts';
import { readConfigFiles } from '../../pipeline/config/source.ts';
import { Service } from '../../pipeline/service.ts';
import { fingerprintConfig } from '../../processors/fingerprint/fingerprint-factory.ts';
import type { GroupStore } from '../../processors/fingerprint/group-store.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { testHost } from '../processors/harness.ts';
import { alerting, record, T0, times, webhookReceiver } from './alert-harness.ts';

const open: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const p of open.splice(0)) await p.close();
});
function processor(alerts: Record<string, unknown>) {
  const p = alerting(alerts);
  open.push(p);
  return p;
}

describe('each reason its own clock', () => {
  it('50 errors of one group in five minutes (the default alerts): the new group at 1, the threshold at 10', async () => {
    const p = processor({
      new_group: true,
      thresholds: [10, 100, 1000],
      window: { count: 100 },
      users: { count: 20 },
      severity: true,
      cooldown: '5m',
    });
    const labels = p.feed(times(50, (i) => ({ at: i * 6000 })));
    expect(labels.map((l, i) => (l ? `${i + 1}:${l}` : '')).filter(Boolean)).toEqual(['1:new_group', '10:threshold']);
  });

  it('a threshold does not hold back the window, nor the window the users', async () => {
    const p = processor({ thresholds: [3], window: { count: 3, interval: '1m' }, users: { count: 4, interval: '1h' }, cooldown: '5m' });
    const labels = p.feed(times(6, (i) => ({ user: `u${i}` })));
    expect(labels).toEqual(['', '', 'threshold', 'window', 'users', '']);
  });

  it('one clock holds back its own reason for the cooldown, and fires again after it', async () => {
    const p = processor({ window: { count: 1, interval: '1m' }, cooldown: '5m' });
    // Windows of 2 events each minute: the window crosses every minute, fires at 0 and after 5 minutes.
    const events = times(14, (i) => ({ at: Math.floor(i / 2) * 60_000 + (i % 2) }));
    const fired = p.feed(events).flatMap((l, i) => (l ? [`${Math.floor(i / 2)}m:${l}`] : []));
    expect(fired).toEqual(['0m:window', '5m:window']);
  });

  it('severity is the reminder: it waits a cooldown after any alert of the group', async () => {
    const p = processor({ new_group: true, severity: true, cooldown: '1m' });
    const labels = p.feed([{ at: 0 }, { at: 1000 }, { at: 59_000 }, { at: 61_000 }, { at: 62_000 }, { at: 200_000 }]);
    expect(labels).toEqual(['new_group', '', '', 'severity', '', 'severity']);
  });

  it('each group has its own clocks', async () => {
    const p = processor({ thresholds: [2], cooldown: '1h' });
    const labels = p.feed([{ body: 'a' }, { body: 'b' }, { body: 'a' }, { body: 'b' }]);
    expect(labels).toEqual(['', '', 'threshold', 'threshold']);
  });
});

const checkout = { 'unitrack.component': 'checkout' };
const outage = {
  name: 'checkout outage',
  condition: 'attributes["unitrack.component"] == "checkout"',
  events: { count: 5, window: '1m' },
  users: { count: 2, window: '1m' },
  action_interval: '10m',
};

describe('a rule over a group', () => {
  it('fires once, under its own name, when events and users hold at once', async () => {
    const p = processor({ rules: [outage] });
    const labels = p.feed(times(8, (i) => ({ at: i * 1000, user: `u${i % 2}`, attributes: checkout })));
    expect(labels).toEqual(['', '', '', '', 'rule:checkout outage', '', '', '']);
    const fired = p.records[4];
    expect(fired.attributes['unitrack.alert.reason']).toBe('rule');
    expect(fired.attributes['unitrack.alert.rule']).toBe('checkout outage');
    expect(fired.attributes['unitrack.alert.detail']).toBe('5 events in 60s, 2 users in 60s');
  });

  it('holds back with enough events and one user, or enough users and too few events', async () => {
    const p = processor({ rules: [outage] });
    expect(p.alerts(times(10, (i) => ({ at: i * 1000, user: 'u0', attributes: checkout })))).toEqual([]);
    const q = processor({ rules: [outage] });
    expect(q.alerts(times(4, (i) => ({ at: i * 1000, user: `u${i}`, attributes: checkout })))).toEqual([]);
  });

  it('holds back when the events are not inside one window', async () => {
    const p = processor({ rules: [outage] });
    expect(p.alerts(times(10, (i) => ({ at: i * 20_000, user: `u${i % 2}`, attributes: checkout })))).toEqual([]);
  });

  it('counts only what its condition matches', async () => {
    const p = processor({ rules: [outage] });
    const events = times(10, (i) => ({
      at: i * 1000,
      user: `u${i % 2}`,
      attributes: i % 2 ? checkout : { 'unitrack.component': 'search' },
    }));
    expect(p.alerts(events)).toEqual([]);
  });

  it('fires at most once per group per action interval, and again after it', async () => {
    const p = processor({ rules: [outage] });
    // Ten events a minute for 25 minutes: held back for 10 minutes after each alert.
    const events = times(250, (i) => ({ at: Math.floor(i / 10) * 60_000 + (i % 10) * 1000, user: `u${i % 2}`, attributes: checkout }));
    const minutes = p.feed(events).flatMap((l, i) => (l ? [Math.floor(i / 10)] : []));
    expect(minutes).toEqual([0, 10, 20]);
  });

  it('new_group: fires on a matching group’s first event only', async () => {
    const p = processor({ rules: [{ name: 'new checkout', condition: outage.condition, new_group: true }] });
    const labels = p.feed([
      { body: 'a', attributes: checkout },
      { body: 'a', attributes: checkout },
      { body: 'b' },
      { body: 'c', attributes: checkout },
    ]);
    expect(labels).toEqual(['rule:new checkout', '', '', 'rule:new checkout']);
  });

  it('regression: fires on the event that reopens the group, not on one from an older release', async () => {
    const p = processor({ rules: [{ name: 'reopened', regression: true, action_interval: 0 }] });
    expect(p.alerts([{ version: '2.0.0' }])).toEqual([]);
    const fp = p.records[0].attributes['unitrack.fingerprint'] as string;
    (p.host.shared.get(GROUPS) as GroupStore).setStatus(fp, 'resolved');
    expect(p.alerts([{ version: '1.9.0' }])).toEqual([]);
    expect(p.alerts([{ version: '2.1.0' }, { version: '2.1.0' }])).toEqual(['rule:reopened']);
  });

  it('a condition alone: every matching event, once per action interval', async () => {
    const p = processor({ rules: [{ name: 'checkout', condition: outage.condition, action_interval: '1m' }] });
    const labels = p.feed([
      { at: 0, attributes: checkout },
      { at: 1000, attributes: checkout },
      { at: 2000 },
      { at: 61_000, attributes: checkout },
    ]);
    expect(labels).toEqual(['rule:checkout', '', '', 'rule:checkout']);
  });

  it('each rule its own clock: two rules that hold on one group both fire', async () => {
    const p = processor({
      rules: [
        { name: 'five', events: { count: 5, window: '1m' }, action_interval: '1h' },
        { name: 'three', events: { count: 3, window: '1m' }, action_interval: '1h' },
      ],
    });
    // One alert a record, rules in order: "three" holds at 3 (fires), "five" at 5 (fires).
    expect(p.feed(times(7))).toEqual(['', '', 'rule:three', '', 'rule:five', '', '']);
  });

  it('comes before the built-in reasons, which keep their own clocks', async () => {
    const p = processor({
      new_group: true,
      thresholds: [3],
      cooldown: '1h',
      rules: [{ name: 'second', events: { count: 2, window: '1m' }, action_interval: '1h' }],
    });
    expect(p.feed(times(4))).toEqual(['new_group', 'rule:second', 'threshold', '']);
  });

  it('is held back below the floor (min_severity), its events still counted', async () => {
    const p = processor({ rules: [{ name: 'three', events: { count: 3, window: '1m' }, action_interval: 0 }] });
    expect(p.feed(times(4, (i) => ({ severity: i < 3 ? 'medium' : 'high' })))).toEqual(['', '', '', 'rule:three']);
    const q = processor({ min_severity: 'critical', rules: [{ name: 'three', events: { count: 3, window: '1m' }, action_interval: 0 }] });
    expect(q.alerts(times(5))).toEqual([]);
  });

  it('counts a raised alert under its rule', async () => {
    const p = processor({ rules: [{ name: 'three', events: { count: 3, window: '1m' } }] });
    p.feed(times(3));
    expect(p.host.telemetry.value('unitrack_alerts_total', { reason: 'rule', rule: 'three' })).toBe(1);
  });
});

describe('a rule over the whole stream (scope: all)', () => {
  const rate = { name: 'high error rate', scope: 'all', error_rate: { above: 0.05, window: '1m' }, action_interval: '5m' };
  /** `n` events a second apart from `at`, every `every`-th an error (high), the rest info; one group each (different bodies). */
  const stream = (from: number, n: number, every: number) =>
    times(n, (i) => ({ at: from + i * 1000, severity: i % every === 0 ? ('high' as const) : ('info' as const), body: `g${i % 7}` }));

  it('error_rate: fires when errors ÷ events over a whole window pass the rate, across groups', async () => {
    const p = processor({ rules: [rate] });
    // 1 in 10 errors: 0.1 > 0.05; nothing before a whole minute was seen.
    const labels = p.feed(stream(0, 120, 10));
    const fired = labels.flatMap((l, i) => (l ? [i] : []));
    expect(fired).toEqual([60]);
    expect(labels[60]).toBe('rule:high error rate');
    expect(p.records[60].attributes['unitrack.alert.detail']).toMatch(/^error rate 0\.1\d* \(6\/60\) in 60s$/);
  });

  it('error_rate: holds back at or below the rate', async () => {
    const p = processor({ rules: [rate] });
    expect(p.alerts(stream(0, 300, 25))).toEqual([]);
  });

  it('error_rate: at most once per action interval over the stream', async () => {
    const p = processor({ rules: [rate] });
    const fired = p.feed(stream(0, 900, 5)).flatMap((l, i) => (l ? [i] : []));
    expect(fired).toEqual([60, 360, 660]);
  });

  it('error_rate counts every event the condition matches, below the floor too (before sampling)', async () => {
    // 1 in 2 of the checkout events are errors; the search events (all info) are not counted.
    const p = processor({ rules: [{ ...rate, condition: outage.condition, error_rate: { above: 0.4, window: '1m' } }] });
    const events = times(200, (i) => ({
      at: i * 500,
      severity: i % 4 === 0 ? ('high' as const) : ('info' as const),
      attributes: i % 2 === 0 ? checkout : { 'unitrack.component': 'search' },
    }));
    expect(p.alerts(events)).toEqual(['rule:high error rate']);
    const all = processor({ rules: [{ ...rate, error_rate: { above: 0.4, window: '1m' } }] });
    expect(all.alerts(events)).toEqual([]);
  });

  it('events: at least N events of the stream inside the window', async () => {
    const p = processor({ rules: [{ name: 'busy', scope: 'all', events: { count: 30, window: '10s' }, action_interval: '1h' }] });
    expect(p.alerts(times(40, (i) => ({ at: i * 1000, body: `g${i}` })))).toEqual([]);
    const fired = p.feed(times(40, (i) => ({ at: 100_000 + i * 100, body: `g${i}` }))).flatMap((l, i) => (l ? [i] : []));
    expect(fired).toEqual([29]);
  });
});

describe('rule configuration', () => {
  const issues = (rules: unknown[]) => {
    const r = fingerprintConfig.safeParse({ alerts: { rules } });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('rejects a condition that is not OTTL, naming the column', async () => {
    expect(issues([{ name: 'x', condition: 'attributes["a"] ==' }])).toEqual([
      expect.stringMatching(/^alerts\.rules\.0\.condition: .*column/),
    ]);
  });

  it('rejects group conditions on a stream rule, error_rate on a group rule, a rule with no condition, two rules of one name', async () => {
    expect(issues([{ name: 'x', scope: 'all', users: { count: 2, window: '1m' }, events: { count: 1, window: '1m' } }])).toEqual([
      expect.stringMatching(/^alerts\.rules\.0\.users: a rule with scope all/),
    ]);
    expect(issues([{ name: 'x', scope: 'all' }])).toEqual([expect.stringMatching(/needs error_rate or events/)]);
    expect(issues([{ name: 'x', error_rate: { above: 0.1, window: '1m' } }])).toEqual([expect.stringMatching(/add scope: all/)]);
    expect(issues([{ name: 'x' }])).toEqual([expect.stringMatching(/needs at least one of/)]);
    expect(
      issues([
        { name: 'x', new_group: true },
        { name: 'x', regression: true },
      ]),
    ).toEqual([expect.stringMatching(/^alerts\.rules\.1\.name: two rules/)]);
  });

  it('takes the design’s example', async () => {
    const config = fingerprintConfig.parse({ alerts: { rules: [outage, { ...rateExample }] } });
    expect(config.alerts.rules.map((r) => [r.name, r.scope, r.action_interval])).toEqual([
      ['checkout outage', 'group', 600_000],
      ['high error rate', 'all', 300_000],
    ]);
  });
});

const rateExample = { name: 'high error rate', scope: 'all', error_rate: { above: 0.05, window: '1m' }, action_interval: '5m' };

describe('collector-config/examples/rule-routing.yaml', () => {
  const file = fileURLToPath(new URL('../../collector-config/examples/rule-routing.yaml', import.meta.url));

  it('routes the rule to its own pipeline (Slack) and the other alerts to the webhook, in a running service', async () => {
    const slack = await webhookReceiver();
    const hook = await webhookReceiver();
    const dir = tempDir();
    const env = { UNITRACK_SLACK_WEBHOOK_URL: slack.url, UNITRACK_WEBHOOK_URL: hook.url, UNITRACK_DATA_DIR: dir };
    const service = new Service(resolveConfig(readConfigFiles([file]), defaultRegistry(), env), { dataDir: dir });
    try {
      // One checkout group: 6 events of 2 users inside a minute (the rule holds at the 5th); then
      // 70 s of info events with a search error every 10 s: over 5% errors once a minute was seen.
      const now = Date.now();
      const records = times(6, (i) => ({ user: `u${i % 2}`, attributes: checkout })).map((e, i) => record(e, now + i));
      for (let i = 1; i <= 70; i++) {
        const search = { body: 'search index missing', attributes: { 'unitrack.component': 'search' } };
        records.push(record(i % 10 === 0 ? search : { severity: 'info', body: `cache warm ${i % 3}` }, now + i * 1000));
      }
      expect(service.ingest(records)).toBe(true);
      await service.forceFlush();
      expect(slack.bodies).toHaveLength(1);
      expect(slack.bodies[0].text).toMatch(/^\[HIGH\] payment failed \(rule, 5×\)/);
      expect(hook.bodies.map((b) => `${b.data.reason}:${b.data.rule ?? ''}:${b.data.event.message}`).sort()).toEqual([
        'new_group::payment failed',
        'new_group::search index missing',
        'rule:high error rate:search index missing',
      ]);
      expect(hook.bodies.find((b) => b.data.rule)?.data.detail).toMatch(/^error rate 0\.\d+ \(\d+\/\d+\) in 60s$/);
      // Everything is archived but what the sampler drops of the info events (errors counted before it).
      const archived = readJsonLines(join(dir, 'events.jsonl'));
      expect(archived.filter((l) => l.severity === 'high')).toHaveLength(13);
    } finally {
      await service.shutdown();
      slack.close();
      hook.close();
    }
  });

  it('routes by unitrack.alert.rule through the routing table', async () => {
    const raw = readConfigFiles([file]).raw as { connectors: { routing: unknown } };
    const config = routingConfig.parse(raw.connectors.routing);
    let hit: string[] = [];
    const routes = new Map<string, LogRecordProcessor>();
    for (const id of routingFactory.targets(config))
      routes.set(id, { onEmit: () => void hit.push(id), forceFlush: async () => {}, shutdown: async () => {} });
    const connector = routingFactory.create({ id: 'routing', config, host: testHost() }, routes);
    const route = (attributes: Record<string, string>) => {
      hit = [];
      connector.onEmit(record({ attributes }, T0));
      return hit.sort();
    };
    expect(route({ 'unitrack.alert.reason': 'rule', 'unitrack.alert.rule': 'checkout outage' })).toEqual(['logs/archive', 'logs/slack']);
    expect(route({ 'unitrack.alert.reason': 'rule', 'unitrack.alert.rule': 'high error rate' })).toEqual(['logs/archive', 'logs/notify']);
    expect(route({ 'unitrack.alert.reason': 'new_group' })).toEqual(['logs/archive', 'logs/notify']);
    expect(route({})).toEqual(['logs/archive']);
  });
});

describe("an alert's record", () => {
  it('carries the group facts a notification shows, the distinct users among them', async () => {
    const a = alerting({ thresholds: [3] });
    const labels = a.feed([{ user: 'u-1' }, { user: 'u-2' }, { user: 'u-2' }]);
    expect(labels).toEqual(['', '', 'threshold']);
    const fired = a.records[2];
    expect(fired.attributes['unitrack.group.users']).toBe(2);
    expect(fired.attributes['unitrack.group.title']).toBe('payment failed');
    await a.close();
  });
});
