import { join } from 'node:path';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { z } from 'zod';
import { EVENT_LOG } from '../../model/event-log.ts';
import { GROUPS } from '../../model/groups.ts';
import { compileCondition } from '../../model/ottl/ottl-evaluator.ts';
import { OttlError } from '../../model/ottl/ottl-parser.ts';
import { SEVERITIES } from '../../model/severity.ts';
import type { Description, Host, Lifecycle, ProcessorFactory, RecordHolder } from '../../pipeline/component.ts';
import { duration } from '../../pipeline/config/duration.ts';
import { AlertPolicy, type AlertPolicyOptions } from './alert-policy.ts';
import type { AlertRule } from './alert-rules.ts';
import { FingerprintProcessor } from './fingerprint-processor.ts';
import type { GroupStoreOptions } from './group-store.ts';
import { MessageNormalizer } from './message-normalizer.ts';
import { checkStoreUrl } from './postgres/pg-connection.ts';
import { acquireGroupStore, acquirePgGroupStore, releaseGroupStore, releasePgGroupStore } from './store-registry.ts';

/** Records a fingerprint processor on a shared store holds at most while the database answers its claims. */
const MAX_HELD = 10_000;

const windowed = (count: number, interval: string) =>
  z.strictObject({ count: z.number().int().nonnegative().default(count), interval: duration.prefault(interval) }).prefault({});

/** At least `count` inside `window`. */
const atLeast = z.strictObject({ count: z.number().int().positive(), window: duration });

/** One configured rule (DESIGN.md, Alerts): every condition given must hold at once. */
const rule = z
  .strictObject({
    /** Carried by its records as `unitrack.alert.rule`, and by its notifications as `data.rule`. */
    name: z.string().min(1),
    /** `group`: conditions and action interval per group; `all`: over the whole stream. */
    scope: z.enum(['group', 'all']).default('group'),
    /** OTTL, log context (as the routing connector's): only the events it matches count and fire. */
    condition: z.string().optional(),
    /** At least `count` matching events (of the group; with scope all, of the stream) inside `window`. */
    events: atLeast.optional(),
    /** At least `count` distinct users among the group's matching events inside `window`. */
    users: atLeast.optional(),
    /** Only on a group's first event. */
    new_group: z.boolean().default(false),
    /** Only on the event that reopens a resolved group. */
    regression: z.boolean().default(false),
    /** Scope all: errors (an exception, or severity high or above) ÷ events inside `window` above this; counted before sampling. */
    error_rate: z.strictObject({ above: z.number().min(0).max(1), window: duration }).optional(),
    /** The rule fires at most once per group (scope all: at all) per interval. */
    action_interval: duration.prefault('5m'),
  })
  .superRefine((r, ctx) => {
    const issue = (message: string, path: string[] = []) => ctx.addIssue({ code: 'custom', path, message });
    if (r.condition !== undefined) {
      try {
        compileCondition(r.condition, 'log');
      } catch (error) {
        if (!(error instanceof OttlError)) throw error;
        issue(error.message, ['condition']);
      }
    }
    if (r.scope === 'all') {
      for (const key of ['users', 'new_group', 'regression'] as const)
        if (r[key]) issue(`a rule with scope all sees the whole stream, not a group: remove ${key}`, [key]);
      if (!r.error_rate && !r.events) issue('a rule with scope all needs error_rate or events');
    } else {
      if (r.error_rate) issue('error_rate is a rule over the whole stream: add scope: all', ['error_rate']);
      else if (r.condition === undefined && !r.events && !r.users && !r.new_group && !r.regression)
        issue('a rule needs at least one of condition, events, users, new_group, regression');
    }
  });

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
      /**
       * PostgreSQL (`postgresql://user:password@host:5432/database`), shared by every instance that names it: one set
       * of groups for a fleet. Empty (an unset `${env:UNITRACK_STORE_URL}`): the SQLite file.
       */
      url: z.string().optional(),
      /** How often batched writes happen. */
      flush_interval: duration.prefault('1s'),
      /**
       * Where the SQLite file is written: `worker` (a thread owning the write connection), `inline`
       * (on the pipeline's thread), or `auto`: the collector a worker; embedded, inline until its
       * batches get slow, then a worker (no thread for an application's usual rate).
       */
      writer: z.enum(['auto', 'worker', 'inline']).default('auto'),
    })
    .superRefine((s, ctx) => {
      if (!s.url) return;
      if (s.path !== undefined)
        ctx.addIssue({ code: 'custom', path: ['url'], message: 'give path (a SQLite file) or url (PostgreSQL), not both' });
      try {
        checkStoreUrl(s.url);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['url'], message: (error as Error).message });
      }
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
      /** Configured rules, each on its own clock; tried in order before the built-in reasons. */
      rules: z
        .array(rule)
        .default([])
        .superRefine((rules, ctx) => {
          const seen = new Set<string>();
          rules.forEach((r, i) => {
            if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `two rules are named "${r.name}"` });
            seen.add(r.name);
          });
        }),
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
    rules: a.rules.map(
      (r): AlertRule => ({
        name: r.name,
        scope: r.scope,
        match: r.condition !== undefined ? compileCondition(r.condition, 'log') : undefined,
        events: r.events && { count: r.events.count, intervalMs: r.events.window },
        users: r.users && { count: r.users.count, intervalMs: r.users.window },
        newGroup: r.new_group,
        regression: r.regression,
        errorRate: r.error_rate && { above: r.error_rate.above, intervalMs: r.error_rate.window },
        actionIntervalMs: r.action_interval,
      }),
    ),
  };
}

export const fingerprintFactory: ProcessorFactory<typeof fingerprintConfig> = {
  kind: 'processor',
  type: 'fingerprint',
  config: fingerprintConfig,
  create({ config, host }, next) {
    // UNITRACK_STORE_URL alone is enough when the config names no store.
    const url = config.store.url || (config.store.path === undefined ? process.env.UNITRACK_STORE_URL : undefined);
    if (url) return createFleetProcessor(config, host, next, url);
    const path = config.store.path ?? join(host.dataDir, 'groups.db');
    // Throws a StartError naming the file when it cannot be opened: the collector does not start.
    // Embedded, the store writes on the application's thread: no worker isolate in its process.
    const writer = config.store.writer === 'auto' && host.mode === 'collector' ? 'worker' : config.store.writer;
    const store = acquireGroupStore({ ...groupStoreOptions(config, path), writer });
    if (!host.shared.has(GROUPS)) host.shared.set(GROUPS, store);
    const policy = new AlertPolicy(alertPolicyOptions(config), store.releases);
    const processor = new FingerprintProcessor(next, {
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

/** The fingerprint processor on a PostgreSQL store shared by a fleet: its alerts once across the fleet are claims. */
function createFleetProcessor(
  config: z.output<typeof fingerprintConfig>,
  host: Host,
  next: LogRecordProcessor,
  url: string,
): LogRecordProcessor & Lifecycle & RecordHolder {
  checkStoreUrl(url);
  const options = { url, maxGroups: config.max_groups, groupTtlMs: config.group_ttl, flushIntervalMs: config.store.flush_interval };
  const store = acquirePgGroupStore({ ...options, telemetry: host.telemetry }, host.shared);
  if (!host.shared.has(GROUPS)) host.shared.set(GROUPS, store);
  // The dashboard streams the fleet's events from the same database (one stream, fleet-wide ids).
  if (!host.shared.has(EVENT_LOG)) host.shared.set(EVENT_LOG, store.eventLog);
  const alertOptions = alertPolicyOptions(config);
  // Thresholds are the store's claims (processor-store.ts): the policy is given none.
  const policy = new AlertPolicy({ ...alertOptions, thresholds: [] }, store.releases);
  const processor = new FingerprintProcessor(next, {
    store,
    normalizer: new MessageNormalizer(config.normalizer_cache),
    policy,
    telemetry: host.telemetry,
    release: () => releasePgGroupStore(store, host.shared),
    fleet: { store, thresholds: alertOptions.thresholds, minSeverity: alertOptions.minSeverity, maxHeld: MAX_HELD },
  });
  const described: Description = { paths: [{ name: 'group store', path: store.where }] };
  // Unreachable at start: a StartError naming the database (the collector exits 1).
  return Object.assign(processor, { describe: () => described, start: () => store.start() });
}
