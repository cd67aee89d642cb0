import { join } from 'node:path';
import { z } from 'zod';
import { GROUPS } from '../../model/groups.ts';
import { SEVERITIES } from '../../model/severity.ts';
import type { Description, ProcessorFactory } from '../../pipeline/component.ts';
import { duration } from '../../pipeline/config/duration.ts';
import { AlertPolicy, type AlertPolicyOptions } from './alert-policy.ts';
import { FingerprintProcessor } from './fingerprint-processor.ts';
import type { GroupStoreOptions } from './group-store.ts';
import { MessageNormalizer } from './message-normalizer.ts';
import { acquireGroupStore, releaseGroupStore } from './store-registry.ts';

const windowed = (count: number, interval: string) =>
  z.strictObject({ count: z.number().int().nonnegative().default(count), interval: duration.prefault(interval) }).prefault({});

export const fingerprintConfig = z.strictObject({
  /** Groups unseen this long are deleted. */
  group_ttl: duration.prefault('24h'),
  /** Groups held in memory (the rest stay in the store's file). */
  max_groups: z.number().int().positive().default(20_000),
  /** Distinct messages whose normalized form is cached. */
  normalizer_cache: z.number().int().positive().default(10_000),
  store: z
    .strictObject({
      /** SQLite file; `:memory:` keeps nothing across restarts. Default `<data dir>/groups.db`. */
      path: z.string().optional(),
      /** How often batched writes happen. */
      flush_interval: duration.prefault('1s'),
    })
    .prefault({}),
  alerts: z
    .strictObject({
      new_group: z.boolean().default(true),
      thresholds: z.array(z.number().int().positive()).default([10, 100, 1000]),
      /** More than `count` events of a group inside `interval` (count 0 turns it off). */
      window: windowed(100, '1m'),
      /** More than `count` distinct users of a group inside `interval` (count 0 turns it off). */
      users: windowed(20, '1h'),
      regression: z.boolean().default(true),
      /**
       * The floor of every reason: an event below it raises no alert of any reason (its group is
       * still counted and shown). `none`: no floor (and no `severity` reason).
       */
      min_severity: z.enum([...SEVERITIES, 'none']).default('high'),
      /** Each event at or above `min_severity` alerts (reason `severity`), at most once per group per cooldown. */
      severity: z.boolean().default(true),
      /** A group alerts at most once per cooldown, except for new groups and regressions. */
      cooldown: duration.prefault('5m'),
    })
    .prefault({}),
});

/** The group store's options from a parsed config (the schema holds their defaults) and the store's file. */
export function groupStoreOptions(config: z.output<typeof fingerprintConfig>, path: string): GroupStoreOptions {
  return { path, maxGroups: config.max_groups, groupTtlMs: config.group_ttl, flushIntervalMs: config.store.flush_interval };
}

/** The alert policy's options from a parsed config (the schema holds their defaults). */
export function alertPolicyOptions(config: z.output<typeof fingerprintConfig>): AlertPolicyOptions {
  const a = config.alerts;
  return {
    newGroup: a.new_group,
    thresholds: a.thresholds,
    window: { count: a.window.count, intervalMs: a.window.interval },
    users: { count: a.users.count, intervalMs: a.users.interval },
    regression: a.regression,
    minSeverity: a.min_severity === 'none' ? undefined : a.min_severity,
    severity: a.severity,
    cooldownMs: a.cooldown,
  };
}

export const fingerprintFactory: ProcessorFactory<typeof fingerprintConfig> = {
  kind: 'processor',
  type: 'fingerprint',
  config: fingerprintConfig,
  create({ config, host }, next) {
    const path = config.store.path ?? join(host.dataDir, 'groups.db');
    // Throws a StartError naming the file when it cannot be opened: the collector does not start.
    const store = acquireGroupStore(groupStoreOptions(config, path));
    if (!host.shared.has(GROUPS)) host.shared.set(GROUPS, store);
    const policy = new AlertPolicy(alertPolicyOptions(config));
    const processor = new FingerprintProcessor({
      next,
      store,
      normalizer: new MessageNormalizer(config.normalizer_cache),
      policy,
      telemetry: host.telemetry,
      release: () => releaseGroupStore(store),
    });
    const described: Description = path === ':memory:' ? {} : { paths: [{ name: 'group store', path }] };
    return Object.assign(processor, { describe: () => described });
  },
};
