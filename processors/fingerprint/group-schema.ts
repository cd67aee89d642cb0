/**
 * The group store's tables (groups, a ring of recent events per group and its first event,
 * per-minute counts, totals, users, status changes, exact tag counts, alerts raised), the conversion of files written by older versions, and the deletes that
 * span tables. The rows are written by group-writer.ts and read by group-queries.ts.
 */
import type { DatabaseSync } from 'node:sqlite';

/** The minutes and totals tables count per minute: `minute` is `Math.floor(time / MINUTE)`. */
export const MINUTE = 60_000;
/** Events kept per group. */
export const RECENT_EVENTS = 10;
/** The events table's slot of a group's first event (the ring's slots are 0..RECENT_EVENTS-1). */
export const FIRST_EVENT_SLOT = -1;
/** Distinct values counted exactly per group and tag key; events with later values count under OTHER_TAG. */
export const MAX_TAG_VALUES = 50;
/** The tag_counts value that counts the events whose value came after the first MAX_TAG_VALUES (an empty value is never counted). */
export const OTHER_TAG = '';
/** Alerts kept per group (older ones go at a sweep). */
export const MAX_ALERTS = 50;

const TABLES = ['groups', 'events', 'minutes', 'totals', 'users', 'status_changes', 'tag_counts', 'alerts'];
/** Tables whose rows belong to one group by its fingerprint (deleted with it; tag_counts goes by gid, first). */
const GROUP_TABLES = ['groups', 'events', 'status_changes', 'alerts'];

/**
 * An ignored group's condition, last in the groups row (null when none): the count and distinct
 * users at which it reopens, and the time (ms) after which its next event reopens it.
 */
const IGNORE_COLUMNS = ['ignore_count INTEGER', 'ignore_users INTEGER', 'ignore_until INTEGER'];

/** An ignore condition made absolute when set: the first target reached ends it (group-store.ts, reached()). */
export interface IgnoreTargets {
  count?: number;
  users?: number;
  time?: number;
}

/** An ignored group's targets from its row; undefined when it has none. */
export function ignoreTargets(r: {
  status?: unknown;
  ignore_count?: unknown;
  ignore_users?: unknown;
  ignore_until?: unknown;
}): IgnoreTargets | undefined {
  if (r.status !== 'ignored' || (r.ignore_count == null && r.ignore_users == null && r.ignore_until == null)) return undefined;
  const t: IgnoreTargets = {};
  if (r.ignore_count != null) t.count = Number(r.ignore_count);
  if (r.ignore_users != null) t.users = Number(r.ignore_users);
  if (r.ignore_until != null) t.time = Number(r.ignore_until);
  return t;
}

/** Creates the tables a file lacks, converting an older file first. */
export function createSchema(db: DatabaseSync): void {
  migrateEvents(db);
  migrateIgnore(db);
  migrateGid(db);
  db.exec(`
    CREATE TABLE IF NOT EXISTS groups (
      fingerprint TEXT PRIMARY KEY, title TEXT NOT NULL, type TEXT, message TEXT NOT NULL, component TEXT,
      category TEXT, severity TEXT NOT NULL, count INTEGER NOT NULL, first_seen INTEGER NOT NULL,
      last_seen INTEGER NOT NULL, status TEXT NOT NULL, status_at INTEGER NOT NULL, opened_at INTEGER NOT NULL,
      resolved_in_version TEXT, last_version TEXT, users TEXT, user_count INTEGER NOT NULL DEFAULT 0,
      ${IGNORE_COLUMNS.join(', ')}, ${GID_COLUMN});
    CREATE INDEX IF NOT EXISTS groups_last_seen ON groups(last_seen);
    CREATE UNIQUE INDEX IF NOT EXISTS groups_gid ON groups(gid);
    CREATE TABLE IF NOT EXISTS events (${EVENTS_COLUMNS});
    -- Only error events are read by time (the dashboard's recent errors): a partial index spares
    -- the other events' rows an index entry (files with the older full index have it dropped).
    DROP INDEX IF EXISTS events_time;
    CREATE INDEX IF NOT EXISTS events_errors ON events(time) WHERE is_error = 1;
    CREATE TABLE IF NOT EXISTS minutes (minute INTEGER NOT NULL, fingerprint TEXT NOT NULL, count INTEGER NOT NULL,
      errors INTEGER NOT NULL, PRIMARY KEY (minute, fingerprint));
    CREATE TABLE IF NOT EXISTS totals (minute INTEGER PRIMARY KEY, events INTEGER NOT NULL, errors INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS users (user TEXT PRIMARY KEY, last_seen INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS status_changes (fingerprint TEXT NOT NULL, status TEXT NOT NULL, at INTEGER NOT NULL, opened_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS status_fp ON status_changes(fingerprint);
    -- Releases (service.version) in the order first seen: regressions order non-semver versions by it.
    -- Not deleted with the groups: the order of releases stays true.
    CREATE TABLE IF NOT EXISTS releases (version TEXT PRIMARY KEY, seq INTEGER NOT NULL);
    -- Exact tag counts per group (service, environment, release, component, user): the issue page's
    -- distributions and the list's filters. Files from before them start counting at open. Keyed by
    -- the group's gid, not its fingerprint: a new group's rows then land on the B-tree's last pages
    -- (random fingerprints made each insert cost more as the table grew: bench/README.md).
    CREATE TABLE IF NOT EXISTS tag_counts (gid INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
      count INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, PRIMARY KEY (gid, key, value)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS tag_counts_value ON tag_counts(key, value);
    CREATE TABLE IF NOT EXISTS alerts (fingerprint TEXT NOT NULL, at INTEGER NOT NULL, reason TEXT NOT NULL, rule TEXT, detail TEXT);
    CREATE INDEX IF NOT EXISTS alerts_fp ON alerts(fingerprint, at);
  `);
  migrateTags(db);
}

/**
 * Deletes the groups last seen before `groupsBefore` with their events and status changes, and
 * the minute counts, totals and users older than `historyBefore`, in one transaction; returns how
 * many groups went.
 */
export function deleteBefore(db: DatabaseSync, groupsBefore: number, historyBefore: number): number {
  const old = db.prepare('SELECT fingerprint FROM groups WHERE last_seen < ?').all(groupsBefore) as { fingerprint: string }[];
  inTransaction(db, () => {
    const deletes = [
      db.prepare('DELETE FROM tag_counts WHERE gid = (SELECT gid FROM groups WHERE fingerprint = ?)'),
      ...GROUP_TABLES.map((table) => db.prepare(`DELETE FROM ${table} WHERE fingerprint = ?`)),
    ];
    for (const { fingerprint } of old) for (const d of deletes) d.run(fingerprint);
    // Each group's newest MAX_ALERTS alerts stay.
    db.prepare(
      `DELETE FROM alerts WHERE rowid IN (SELECT rowid FROM (SELECT rowid, ROW_NUMBER() OVER (PARTITION BY fingerprint ORDER BY at DESC) AS n FROM alerts) WHERE n > ${MAX_ALERTS})`,
    ).run();
    const horizon = Math.floor(historyBefore / MINUTE);
    db.prepare('DELETE FROM minutes WHERE minute < ?').run(horizon);
    db.prepare('DELETE FROM totals WHERE minute < ?').run(horizon);
    db.prepare('DELETE FROM users WHERE last_seen < ?').run(historyBefore);
  });
  return old.length;
}

/** Runs `work` in one transaction: committed when it returns, rolled back whole when it throws. */
export function inTransaction(db: DatabaseSync, work: () => void, begin = 'BEGIN'): void {
  db.exec(begin);
  try {
    work();
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

/** Deletes every row of every table, in one transaction. */
export function deleteAll(db: DatabaseSync): void {
  inTransaction(db, () => {
    for (const table of TABLES) db.exec(`DELETE FROM ${table}`);
  });
}

/** Columns of the events table: a ring of RECENT_EVENTS slots per group; `seq` is the event's number in its group. */
const EVENTS_COLUMNS =
  'fingerprint TEXT NOT NULL, slot INTEGER NOT NULL, seq INTEGER NOT NULL, time INTEGER NOT NULL, is_error INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (fingerprint, slot)';

/** The slot of the ring that the event numbered `seq` in its group takes. */
export function slotOf(seq: number): number {
  return (((seq - 1) % RECENT_EVENTS) + RECENT_EVENTS) % RECENT_EVENTS;
}

/**
 * Files written before the ring (an append-only events table trimmed per group) are converted on
 * open: each group's last 10 events keep their order, numbered back from the group's count.
 */
function migrateEvents(db: DatabaseSync): void {
  const columns = db.prepare('PRAGMA table_info(events)').all() as { name: string }[];
  if (columns.length === 0 || columns.some((c) => c.name === 'seq')) return;
  inTransaction(db, () => {
    db.exec(`
      ALTER TABLE events RENAME TO events_old;
      CREATE TABLE events (${EVENTS_COLUMNS});
      INSERT INTO events
        SELECT fingerprint, (((seq - 1) % ${RECENT_EVENTS}) + ${RECENT_EVENTS}) % ${RECENT_EVENTS}, seq, time, is_error, json FROM (
          SELECT e.fingerprint, g.count - ROW_NUMBER() OVER (PARTITION BY e.fingerprint ORDER BY e.rowid DESC) + 1 AS seq,
            e.time, e.is_error, e.json, ROW_NUMBER() OVER (PARTITION BY e.fingerprint ORDER BY e.rowid DESC) AS rn
          FROM events_old e JOIN groups g ON g.fingerprint = e.fingerprint)
        WHERE rn <= ${RECENT_EVENTS};
      DROP TABLE events_old;`);
  });
}

/**
 * A group's own number, assigned by the writer in order of creation (group-writer.ts): what its
 * tag counts are keyed by. An explicit column, not the implicit rowid, which VACUUM may renumber.
 */
const GID_COLUMN = 'gid INTEGER';

/** Files from before the gid get it (their rowid, numbered as they were created), appended as a new file has it. */
function migrateGid(db: DatabaseSync): void {
  const columns = db.prepare('PRAGMA table_info(groups)').all() as { name: string }[];
  if (columns.length === 0 || columns.some((c) => c.name === 'gid')) return;
  inTransaction(db, () => {
    db.exec(`ALTER TABLE groups ADD COLUMN ${GID_COLUMN}; UPDATE groups SET gid = rowid;`);
  });
}

/** Tag counts of files from before the gid (group_tags, keyed by fingerprint) move to tag_counts. */
function migrateTags(db: DatabaseSync): void {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'group_tags'").get()) return;
  inTransaction(db, () => {
    db.exec(`
      INSERT OR IGNORE INTO tag_counts SELECT g.gid, t.key, t.value, t.count, t.first_seen, t.last_seen
        FROM group_tags t JOIN groups g ON g.fingerprint = t.fingerprint;
      DROP TABLE group_tags;`);
  });
}

/** Files from before ignore-until get its columns (null: no condition), appended as a new file has them. */
function migrateIgnore(db: DatabaseSync): void {
  const columns = db.prepare('PRAGMA table_info(groups)').all() as { name: string }[];
  if (columns.length === 0) return;
  for (const column of IGNORE_COLUMNS)
    if (!columns.some((c) => c.name === column.split(' ')[0])) db.exec(`ALTER TABLE groups ADD COLUMN ${column}`);
}
