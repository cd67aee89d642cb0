// The severity floor (alerts.min_severity, default high) holds back every alert reason below it;
// the groups below it are still counted.
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../cli/components.ts';
import { GROUPS, type IgnoreCondition } from '../../model/groups.ts';
import { SEVERITIES, type Severity } from '../../model/severity.ts';
import { DEFAULT_CONFIG_PATH } from '../../pipeline/config/load-config.ts';
import { resolveConfig } from '../../pipeline/config/service-config.ts';
import { readConfigFiles } from '../../pipeline/config/source.ts';
import { Service } from '../../pipeline/service.ts';
import { AlertPolicy, type AlertPolicyOptions } from '../../processors/fingerprint/alert-policy.ts';
import { fingerprintConfig, groupStoreOptions } from '../../processors/fingerprint/fingerprint-factory.ts';
import { GroupStore, type Observation } from '../../processors/fingerprint/group-store.ts';
import { tempDir } from '../helpers/tmp.ts';
import { record, webhookReceiver } from './alert-harness.ts';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

/** Every built-in reason off, the floor at high; each test turns one reason on. */
const OFF: AlertPolicyOptions = {
  newGroup: false,
  thresholds: [],
  window: { count: 0, intervalMs: 60_000 },
  users: { count: 0, intervalMs: 60_000 },
  regression: false,
  minSeverity: 'high',
  severity: false,
  cooldownMs: 0,
};

interface Step {
  severity?: Severity;
  user?: string;
  version?: string;
  time?: number;
  /** Resolve the group (in this version) before this event. */
  resolveIn?: string;
  /** Ignore the group until this, before this event. */
  ignore?: IgnoreCondition;
}

/** Feeds events of one group through a store and a policy, as the processor does; returns the reasons raised. */
async function run(options: Partial<AlertPolicyOptions>, steps: Step[]): Promise<{ reasons: string[]; store: GroupStore }> {
  const policy = new AlertPolicy({ ...OFF, ...options });
  const store = new GroupStore(groupStoreOptions(fingerprintConfig.parse({}), ':memory:'));
  const reasons: string[] = [];
  for (const [i, s] of steps.entries()) {
    const time = s.time ?? T0 + i * 1000;
    if (s.resolveIn) await store.setStatus('grp', 'resolved', time - 1, s.resolveIn);
    if (s.ignore) await store.ignore('grp', s.ignore, time - 1);
    const severity = s.severity ?? 'high';
    const o: Observation = {
      fingerprint: 'grp',
      title: 'E: grp',
      message: 'grp',
      severity,
      isError: severity === 'high' || severity === 'critical',
      user: s.user,
      version: s.version,
      time,
      event: () => JSON.stringify({ time: new Date(time).toISOString(), severity, event: 'e' }),
    };
    const before = store.peek('grp');
    const regressed = before !== undefined && policy.isRegression(before, o.version);
    if (regressed) store.reopen('grp', time);
    const { group, isNew, escalated } = store.observe(o);
    const d = policy.decide(group, { isNew, regressed, escalated, severity, user: o.user, time });
    if (d) reasons.push(d.reason);
  }
  return { reasons, store };
}

const at = (severity: Severity, n: number, extra: (i: number) => Step = () => ({})): Step[] =>
  Array.from({ length: n }, (_, i) => ({ severity, ...extra(i) }));

/** [reason, its options, the events that raise it once at high] */
const REASONS: [string, Partial<AlertPolicyOptions>, (s: Severity) => Step[]][] = [
  ['new_group', { newGroup: true }, (s) => at(s, 3)],
  ['threshold', { thresholds: [3] }, (s) => at(s, 4)],
  ['window', { window: { count: 2, intervalMs: 60_000 } }, (s) => at(s, 4)],
  ['users', { users: { count: 1, intervalMs: 60_000 } }, (s) => at(s, 3, (i) => ({ user: `u${i}` }))],
  [
    'regression',
    { regression: true },
    (s) => [
      { severity: s, version: '1.0.0' },
      { severity: s, version: '1.1.0', resolveIn: '1.0.0' },
    ],
  ],
  // Ignored until 2 more events: the second of them reopens the group.
  ['escalating', {}, (s) => [{ severity: s }, { severity: s, ignore: { events: 2 } }, { severity: s }]],
];

describe('the severity floor', () => {
  it.each(REASONS)('%s fires at high', async (reason, options, steps) => {
    expect((await run(options, steps('high'))).reasons).toEqual([reason]);
  });

  it.each(REASONS)('%s is held back at medium, and its group still counted', async (_reason, options, steps) => {
    const { reasons, store } = await run(options, steps('medium'));
    expect(reasons).toEqual([]);
    expect(store.peek('grp')?.count).toBe(steps('medium').length);
  });

  it.each(REASONS)('%s fires at medium with the floor at medium, not with it at critical', async (reason, options, steps) => {
    expect((await run({ ...options, minSeverity: 'medium' }, steps('medium'))).reasons).toEqual([reason]);
    expect((await run({ ...options, minSeverity: 'critical' }, steps('high'))).reasons).toEqual([]);
  });

  it('severity fires for each event at or above the floor (on its cooldown), never below it', async () => {
    const steps: Step[] = [
      { severity: 'medium', time: T0 },
      { severity: 'high', time: T0 + 1 },
      { severity: 'high', time: T0 + 2 },
      { severity: 'debug', time: T0 + 120_000 },
      { severity: 'critical', time: T0 + 120_001 },
    ];
    expect((await run({ severity: true, cooldownMs: 60_000 }, steps)).reasons).toEqual(['severity', 'severity']);
  });

  it('`none` (undefined) is no floor: a debug event alerts, and there is no severity reason', async () => {
    expect((await run({ newGroup: true, thresholds: [2], minSeverity: undefined, severity: true }, at('debug', 3))).reasons).toEqual([
      'new_group',
      'threshold',
    ]);
  });

  it('a window crossed below the floor does not fire; the count went on', async () => {
    // Window of 2: the 3rd event crosses it; medium ones are held back, the window keeps counting.
    const steps: Step[] = [{ severity: 'medium' }, { severity: 'medium' }, { severity: 'medium' }, { severity: 'high' }];
    const { reasons, store } = await run({ window: { count: 2, intervalMs: 60_000 } }, steps);
    expect(reasons).toEqual([]);
    expect(store.peek('grp')?.count).toBe(4);
  });

  it('defaults to high in the schema', async () => {
    expect(fingerprintConfig.parse({}).alerts.min_severity).toBe('high');
  });
});

describe('the default config, end to end', () => {
  it('events of every severity, through a Service and its webhook: only high and critical notify', async () => {
    const hook = await webhookReceiver();
    const dir = tempDir();
    const env = { UNITRACK_WEBHOOK_URL: hook.url, UNITRACK_DATA_DIR: dir, UNITRACK_DASHBOARD_ENDPOINT: '127.0.0.1:0' };
    const service = new Service(resolveConfig(readConfigFiles([DEFAULT_CONFIG_PATH]), defaultRegistry(), env), { dataDir: dir });
    try {
      // Each severity its own group, 12 events each: a new group, then the threshold at 10.
      const records = SEVERITIES.flatMap((severity) =>
        Array.from({ length: 12 }, (_, i) => record({ severity, body: `${severity} thing broke` }, Date.now() + i)),
      );
      expect(service.ingest(records)).toBe(true);
      await service.forceFlush();
      const got = hook.bodies.map((b) => `${b.data.event.severity}:${b.data.reason}`).sort();
      expect(got).toEqual(['critical:new_group', 'critical:threshold', 'high:new_group', 'high:threshold']);
      // The groups below the floor are still counted.
      const groups = await (service.host.shared.get(GROUPS) as GroupStore).list();
      expect(groups.map((g) => g.count)).toEqual(SEVERITIES.map(() => 12));
    } finally {
      await service.shutdown();
      hook.close();
    }
  });
});
