/**
 * The group store's writes: one batch of plain rows a flush, applied in one transaction. A store on
 * a file runs them in a `node:worker_threads` worker (this module is its entry) that owns the write
 * connection, so SQLite's work leaves the processing thread; a `:memory:` store (one connection
 * only) applies them in-thread. The worker counts each batch committed in shared memory, so the
 * store can wait for its batches synchronously (reads, forceFlush, close).
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { FIRST_EVENT_SLOT, inTransaction, MAX_TAG_VALUES, OTHER_TAG } from './group-schema.ts';
import { addTagCount, type TagCount } from './tag-rows.ts';

/** Rows flattened into arrays of primitives (cheap to post): `g` 20 values a group, `e` 6 an event, `m` 4, `t` 3, `u` 2, `s` 4. */
export interface WriteBatch {
  g: (string | number | null)[];
  e: (string | number)[];
  m: (string | number)[];
  t: number[];
  u: (string | number)[];
  s: (string | number)[];
  /** Releases first seen: version, seq (2 values each). */
  r: (string | number)[];
  /** Tag counts: fingerprint, key, value, count, first seen, last seen (6 values each), added to the rows on disk. */
  tg: (string | number)[];
  /** The same, for groups new in this batch (no rows on disk yet, at most MAX_TAG_VALUES values a key): inserted as they are. */
  tn: (string | number)[];
  /** Alerts raised: fingerprint, at, reason, rule, detail (5 values each). */
  al: (string | number | null)[];
}

/** Int32 slots of the shared state. */
export const COMMITTED = 0;
export const FAILED = 1;
export const CLOSED = 2;

/** Per-connection settings: every connection to the file sets them. */
export const CONNECTION_PRAGMAS = `
  PRAGMA journal_mode = WAL;
  PRAGMA synchronous = NORMAL;
  PRAGMA busy_timeout = 10000;
  -- 16 MiB of page cache (the default is 2 MiB): new groups land on random pages of the indexes
  -- keyed by fingerprint, and a flush of thousands of them otherwise spills and re-reads pages.
  PRAGMA cache_size = -16384;`;

export type WriteStatements = Record<
  | 'group'
  | 'lastGid'
  | 'gidOf'
  | 'keepFirst'
  | 'event'
  | 'minute'
  | 'total'
  | 'user'
  | 'status'
  | 'release'
  | 'tagAdd'
  | 'tagList'
  | 'tagInsert'
  | 'tagOther'
  | 'alert',
  StatementSync
>;

export function prepareWrites(db: DatabaseSync): WriteStatements {
  const p = (sql: string) => db.prepare(sql);
  return {
    // A new group takes the gid offered (the next one); an existing one keeps its own: RETURNING says which.
    group: p(`INSERT INTO groups VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
        ON CONFLICT(fingerprint) DO UPDATE SET title=excluded.title, type=excluded.type, message=excluded.message,
        component=excluded.component, category=excluded.category, severity=excluded.severity, count=excluded.count,
        first_seen=excluded.first_seen, last_seen=excluded.last_seen, status=excluded.status, status_at=excluded.status_at,
        opened_at=excluded.opened_at, resolved_in_version=excluded.resolved_in_version, last_version=excluded.last_version,
        users=excluded.users, user_count=excluded.user_count, ignore_count=excluded.ignore_count,
        ignore_users=excluded.ignore_users, ignore_until=excluded.ignore_until RETURNING gid`),
    lastGid: p('SELECT coalesce(max(gid), 0) AS n FROM groups'),
    gidOf: p('SELECT gid FROM groups WHERE fingerprint = ?'),
    keepFirst: p(
      `INSERT OR IGNORE INTO events SELECT fingerprint, ${FIRST_EVENT_SLOT}, seq, time, is_error, json FROM events WHERE fingerprint = ? AND slot = 0 AND seq = 1`,
    ),
    event: p(
      'INSERT INTO events VALUES (?,?,?,?,?,?) ON CONFLICT(fingerprint, slot) DO UPDATE SET seq=excluded.seq, time=excluded.time, is_error=excluded.is_error, json=excluded.json',
    ),
    minute: p(
      'INSERT INTO minutes VALUES (?,?,?,?) ON CONFLICT(minute, fingerprint) DO UPDATE SET count = count + excluded.count, errors = errors + excluded.errors',
    ),
    total: p(
      'INSERT INTO totals VALUES (?,?,?) ON CONFLICT(minute) DO UPDATE SET events = events + excluded.events, errors = errors + excluded.errors',
    ),
    user: p('INSERT INTO users VALUES (?,?) ON CONFLICT(user) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)'),
    status: p('INSERT INTO status_changes VALUES (?,?,?,?)'),
    release: p('INSERT OR IGNORE INTO releases VALUES (?,?)'),
    tagAdd: p(
      'UPDATE tag_counts SET count = count + ?, first_seen = min(first_seen, ?), last_seen = max(last_seen, ?) WHERE gid = ? AND key = ? AND value = ?',
    ),
    tagList: p('SELECT value FROM tag_counts WHERE gid = ? AND key = ? AND value != ?'),
    tagInsert: p('INSERT INTO tag_counts VALUES (?,?,?,?,?,?)'),
    tagOther: p(
      'INSERT INTO tag_counts VALUES (?,?,?,?,?,?) ON CONFLICT(gid, key, value) DO UPDATE SET count = count + excluded.count, first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)',
    ),
    alert: p('INSERT INTO alerts VALUES (?,?,?,?,?)'),
  };
}

/** A group and key's values with their own rows, and what this batch counts under OTHER_TAG. */
interface KnownValues {
  gid: number;
  key: string;
  values: Set<string>;
  other?: TagCount;
}

/** Applies one batch in one transaction (rolled back whole on failure). */
export function applyBatch(db: DatabaseSync, s: WriteStatements, b: WriteBatch): void {
  // IMMEDIATE: the next gid is read under the write lock (another connection to the file cannot take it meanwhile).
  inTransaction(db, () => writeBatch(s, b), 'BEGIN IMMEDIATE');
}

/** The batch's rows, in the order its gids and first events need. */
function writeBatch(s: WriteStatements, b: WriteBatch): void {
  const { g, e, m, t, u } = b;
  let next = Number((s.lastGid.get() as { n: number }).n) + 1;
  /** This batch's groups' gids: its tag rows are keyed by them. */
  const gids = new Map<string, number>();
  for (let i = 0; i < g.length; i += 20) {
    const { gid } = s.group.get(
      g[i],
      g[i + 1],
      g[i + 2],
      g[i + 3],
      g[i + 4],
      g[i + 5],
      g[i + 6],
      g[i + 7],
      g[i + 8],
      g[i + 9],
      g[i + 10],
      g[i + 11],
      g[i + 12],
      g[i + 13],
      g[i + 14],
      g[i + 15],
      g[i + 16],
      g[i + 17],
      g[i + 18],
      g[i + 19],
      next,
    ) as { gid: number };
    if (gid === next) next++;
    gids.set(g[i] as string, gid);
  }
  const gidOf = (fp: string): number => gids.get(fp) ?? Number((s.gidOf.get(fp) as { gid: number }).gid);
  for (let i = 0; i < e.length; i += 6) {
    // The ring's slot 0 holds event 1 until event 11: the first event moves to its own slot before it is overwritten.
    if (e[i + 1] === 0 && (e[i + 2] as number) > 1) s.keepFirst.run(e[i]);
    s.event.run(e[i], e[i + 1], e[i + 2], e[i + 3], e[i + 4], e[i + 5]);
  }
  for (let i = 0; i < m.length; i += 4) s.minute.run(m[i], m[i + 1], m[i + 2], m[i + 3]);
  for (let i = 0; i < t.length; i += 3) s.total.run(t[i], t[i + 1], t[i + 2]);
  for (let i = 0; i < u.length; i += 2) s.user.run(u[i], u[i + 1]);
  for (let i = 0; i < b.s.length; i += 4) s.status.run(b.s[i], b.s[i + 1], b.s[i + 2], b.s[i + 3]);
  for (let i = 0; i < b.r.length; i += 2) s.release.run(b.r[i], b.r[i + 1]);
  const tg = b.tg;
  /**
   * Each group and key's values on disk, read once a batch (`${fp}\0${key}`): a value counted
   * there is added to its row; a new one gets its own row while the key has fewer than
   * MAX_TAG_VALUES, else counts under OTHER_TAG, summed over the batch into one write.
   */
  let known: Map<string, KnownValues> | undefined;
  for (let i = 0; i < tg.length; i += 6) {
    const [fp, key, value, count, first, last] = [tg[i], tg[i + 1], tg[i + 2], tg[i + 3], tg[i + 4], tg[i + 5]] as [
      string,
      string,
      string,
      number,
      number,
      number,
    ];
    const k = `${fp}\0${key}`;
    known ??= new Map();
    let kv = known.get(k);
    if (kv === undefined) {
      const gid = gidOf(fp);
      const values = new Set((s.tagList.all(gid, key, OTHER_TAG) as { value: string }[]).map((r) => r.value));
      known.set(k, (kv = { gid, key, values }));
    }
    if (kv.values.has(value)) s.tagAdd.run(count, first, last, kv.gid, key, value);
    else if (kv.values.size < MAX_TAG_VALUES) {
      s.tagInsert.run(kv.gid, key, value, count, first, last);
      kv.values.add(value);
    } else kv.other = addTagCount(kv.other, count, first, last);
  }
  if (known)
    for (const { gid, key, other } of known.values()) if (other) s.tagOther.run(gid, key, OTHER_TAG, other.count, other.first, other.last);
  const tn = b.tn;
  for (let i = 0; i < tn.length; i += 6) s.tagInsert.run(gidOf(tn[i] as string), tn[i + 1], tn[i + 2], tn[i + 3], tn[i + 4], tn[i + 5]);
  for (let i = 0; i < b.al.length; i += 5) s.alert.run(b.al[i], b.al[i + 1], b.al[i + 2], b.al[i + 3], b.al[i + 4]);
}

if (!isMainThread && parentPort && (workerData as { groupWriter?: boolean } | undefined)?.groupWriter) {
  const { path, state: buffer } = workerData as { path: string; state: SharedArrayBuffer };
  const state = new Int32Array(buffer);
  const port = parentPort;
  const db = new DatabaseSync(path);
  db.exec(CONNECTION_PRAGMAS);
  const s = prepareWrites(db);
  port.on('message', (message: WriteBatch | 'close') => {
    if (message === 'close') {
      db.close();
      Atomics.store(state, CLOSED, 1);
      Atomics.notify(state, CLOSED);
      port.close();
      return;
    }
    try {
      applyBatch(db, s, message);
    } catch (error) {
      Atomics.add(state, FAILED, 1);
      port.postMessage({ error: String(error) });
    }
    Atomics.add(state, COMMITTED, 1);
    Atomics.notify(state, COMMITTED);
  });
}
