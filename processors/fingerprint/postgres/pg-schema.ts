/**
 * The PostgreSQL group store's tables, in their own schema (`unitrack`), created on first use and
 * migrated forward: each migration runs once, in order, in one transaction under an advisory lock,
 * so instances starting together do not race; `unitrack.schema_version` says how far a database is.
 */
import type pg from 'pg';
import { withClient } from './pg-connection.ts';

export const SCHEMA = 'unitrack';
/** The advisory lock key migrations take (any constant; "unitrack" in ASCII). */
const MIGRATION_LOCK = 0x756e6974;
/** The advisory lock key the shared stream's appends take, so its ids commit in order. */
export const STREAM_LOCK = 0x756e6975;

/** Migrations, oldest first: index + 1 is the version a database has once it ran. Never edit one; add one. */
export const MIGRATIONS: readonly string[] = [
  // 1: groups, recent events, minute counts, totals, users, status changes, releases.
  `CREATE TABLE ${SCHEMA}.groups (
     fingerprint text PRIMARY KEY, title text NOT NULL, type text, message text NOT NULL, component text, category text,
     severity text NOT NULL, severity_rank smallint NOT NULL, count bigint NOT NULL, first_seen bigint NOT NULL,
     last_seen bigint NOT NULL, status text NOT NULL, status_at bigint NOT NULL, opened_at bigint NOT NULL,
     resolved_in_version text, last_version text,
     -- distinct users: the exact ids while at most 64 (null beyond), and HyperLogLog registers (always)
     users_exact jsonb, users_registers bytea, user_count integer NOT NULL DEFAULT 0,
     ignore_count bigint, ignore_users integer, ignore_until bigint,
     -- the highest alert threshold claimed so far, fleet-wide
     alerted_threshold bigint NOT NULL DEFAULT 0,
     -- from status_seq at each status or ignore change: instances read the changes since the last they saw
     status_version bigint NOT NULL DEFAULT 0);
   CREATE INDEX groups_last_seen ON ${SCHEMA}.groups (last_seen);
   CREATE SEQUENCE ${SCHEMA}.status_seq;
   CREATE INDEX groups_status_version ON ${SCHEMA}.groups (status_version);
   CREATE TABLE ${SCHEMA}.events (fingerprint text NOT NULL, slot smallint NOT NULL, seq bigint NOT NULL, time bigint NOT NULL,
     is_error boolean NOT NULL, json text NOT NULL, PRIMARY KEY (fingerprint, slot));
   CREATE INDEX events_errors ON ${SCHEMA}.events (time) WHERE is_error;
   CREATE TABLE ${SCHEMA}.minutes (minute bigint NOT NULL, fingerprint text NOT NULL, count bigint NOT NULL, errors bigint NOT NULL,
     PRIMARY KEY (minute, fingerprint));
   CREATE TABLE ${SCHEMA}.totals (minute bigint PRIMARY KEY, events bigint NOT NULL, errors bigint NOT NULL);
   CREATE TABLE ${SCHEMA}.users (user_id text PRIMARY KEY, last_seen bigint NOT NULL);
   CREATE TABLE ${SCHEMA}.status_changes (id bigserial PRIMARY KEY, fingerprint text NOT NULL, status text NOT NULL,
     at bigint NOT NULL, opened_at bigint NOT NULL);
   CREATE INDEX status_changes_fp ON ${SCHEMA}.status_changes (fingerprint);
   CREATE SEQUENCE ${SCHEMA}.release_seq;
   CREATE TABLE ${SCHEMA}.releases (version text PRIMARY KEY, seq bigint NOT NULL);
   -- max of two HyperLogLog register arrays, byte by byte (null is empty)
   CREATE FUNCTION ${SCHEMA}.hll_merge(a bytea, b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
     SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a ELSE
       (SELECT string_agg(set_byte('\\x00'::bytea, 0, greatest(get_byte(a, i), get_byte(b, i))), ''::bytea ORDER BY i)
          FROM generate_series(0, least(length(a), length(b)) - 1) AS i) END $$;
   -- the estimate user-counter.ts makes from the same registers (linear counting while small)
   CREATE FUNCTION ${SCHEMA}.hll_count(r bytea) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$
     DECLARE m integer := length(r); s double precision := 0; zeros integer := 0; e double precision; v integer;
     BEGIN
       IF r IS NULL OR m = 0 THEN RETURN 0; END IF;
       FOR i IN 0 .. m - 1 LOOP
         v := get_byte(r, i); s := s + power(2, -v); IF v = 0 THEN zeros := zeros + 1; END IF;
       END LOOP;
       e := (0.7213 / (1 + 1.079 / m)) * m * m / s;
       IF e <= 2.5 * m AND zeros > 0 THEN RETURN round(m * ln(m::double precision / zeros)); END IF;
       RETURN round(e);
     END $$;
   -- the union of two exact user lists; null once it holds more than 64 (or either is null)
   CREATE FUNCTION ${SCHEMA}.users_union(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
     SELECT CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE
       (SELECT CASE WHEN count(*) > 64 THEN NULL ELSE coalesce(jsonb_agg(u ORDER BY u), '[]'::jsonb) END
          FROM (SELECT jsonb_array_elements_text(a) AS u UNION SELECT jsonb_array_elements_text(b)) AS x) END $$;`,
  // 2: the fleet's shared stream: ids from one sequence, recent events bounded by the writers.
  `CREATE SEQUENCE ${SCHEMA}.stream_seq;
   CREATE TABLE ${SCHEMA}.stream_events (id bigint PRIMARY KEY, time text NOT NULL, severity smallint NOT NULL,
     category text, component text, trace_id text, json text NOT NULL);
   CREATE INDEX stream_events_trace ON ${SCHEMA}.stream_events (trace_id);`,
  // 3: exact tag counts per group (the issue page's distributions, the list's filters) and the alerts each group raised.
  `CREATE TABLE ${SCHEMA}.group_tags (fingerprint text NOT NULL, key text NOT NULL, value text NOT NULL, count bigint NOT NULL,
     first_seen bigint NOT NULL, last_seen bigint NOT NULL, PRIMARY KEY (fingerprint, key, value));
   CREATE INDEX group_tags_value ON ${SCHEMA}.group_tags (key, value);
   CREATE TABLE ${SCHEMA}.alerts (id bigserial PRIMARY KEY, fingerprint text NOT NULL, at bigint NOT NULL, reason text NOT NULL,
     rule text, detail text);
   CREATE INDEX alerts_fp ON ${SCHEMA}.alerts (fingerprint, at);`,
  // 4: the batches each instance has written, so a batch tried again after a lost COMMIT answer is not counted twice.
  `CREATE TABLE ${SCHEMA}.applied_batches (instance text NOT NULL, seq bigint NOT NULL, at bigint NOT NULL, PRIMARY KEY (instance, seq));
   CREATE INDEX applied_batches_at ON ${SCHEMA}.applied_batches (at);`,
];

/** Brings a database to the newest schema; returns the version it had before (0: empty). */
export async function migrate(pool: pg.Pool, upTo = MIGRATIONS.length): Promise<number> {
  return withClient(pool, async (client) => {
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.schema_version (version integer NOT NULL)`);
      const r = await client.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.schema_version`);
      const had = r.rows[0]?.version ?? 0;
      if (had > MIGRATIONS.length)
        throw new Error(
          `the database's unitrack schema is version ${had}, newer than this unitrack knows (${MIGRATIONS.length}): upgrade unitrack`,
        );
      for (let v = had; v < upTo; v++) await client.query(MIGRATIONS[v]);
      if (r.rows.length === 0) await client.query(`INSERT INTO ${SCHEMA}.schema_version VALUES ($1)`, [Math.max(had, upTo)]);
      else if (upTo > had) await client.query(`UPDATE ${SCHEMA}.schema_version SET version = $1`, [upTo]);
      await client.query('COMMIT');
      return had;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}
