// Alert rules and their clocks: each built-in reason and each configured rule keeps its own action
// interval per group; a rule fires when every condition it gives holds at once.
import { afterEach, describe, expect, it } from 'vitest';
import { alerting, times } from './alert-harness.ts';

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
  it('50 errors of one group in five minutes (the default alerts): the new group at 1, the threshold at 10', () => {
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

  it('a threshold does not hold back the window, nor the window the users', () => {
    const p = processor({ thresholds: [3], window: { count: 3, interval: '1m' }, users: { count: 4, interval: '1h' }, cooldown: '5m' });
    const labels = p.feed(times(6, (i) => ({ user: `u${i}` })));
    expect(labels).toEqual(['', '', 'threshold', 'window', 'users', '']);
  });

  it('one clock holds back its own reason for the cooldown, and fires again after it', () => {
    const p = processor({ window: { count: 1, interval: '1m' }, cooldown: '5m' });
    // Windows of 2 events each minute: the window crosses every minute, fires at 0 and after 5 minutes.
    const events = times(14, (i) => ({ at: Math.floor(i / 2) * 60_000 + (i % 2) }));
    const fired = p.feed(events).flatMap((l, i) => (l ? [`${Math.floor(i / 2)}m:${l}`] : []));
    expect(fired).toEqual(['0m:window', '5m:window']);
  });

  it('severity is the reminder: it waits a cooldown after any alert of the group', () => {
    const p = processor({ new_group: true, severity: true, cooldown: '1m' });
    const labels = p.feed([{ at: 0 }, { at: 1000 }, { at: 59_000 }, { at: 61_000 }, { at: 62_000 }, { at: 200_000 }]);
    expect(labels).toEqual(['new_group', '', '', 'severity', '', 'severity']);
  });

  it('each group has its own clocks', () => {
    const p = processor({ thresholds: [2], cooldown: '1h' });
    const labels = p.feed([{ body: 'a' }, { body: 'b' }, { body: 'a' }, { body: 'b' }]);
    expect(labels).toEqual(['', '', 'threshold', 'threshold']);
  });
});
