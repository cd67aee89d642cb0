/**
 * The PostgreSQL group store's connection: the URL read and checked, named without its password,
 * and a small pool whose errors never crash the process (a lost server is a state, not a throw).
 */
import { createRequire } from 'node:module';
import type pg from 'pg';
import { StartError } from '../../../pipeline/start-up.ts';

const require = createRequire(import.meta.url);

/** The driver, loaded when a store or stream first connects: a process on SQLite never loads it. */
export function pgDriver(): typeof pg {
  return require('pg') as typeof pg;
}

/** A `postgresql://` or `postgres://` URL with a host, or a clear error naming what is wrong. */
export function checkStoreUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(redactUrl(url))} (expected postgresql://user:password@host:5432/database)`);
  }
  if (u.protocol !== 'postgresql:' && u.protocol !== 'postgres:')
    throw new Error(`the store URL must start with postgresql:// (got ${u.protocol}//); a SQLite file goes in store.path`);
  if (!u.hostname && !u.searchParams.get('host')) throw new Error('the store URL names no host (postgresql://host:5432/database)');
  return u;
}

/** The URL without its password, for start-up lines and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

export interface PgConnectionOptions {
  url: string;
  /** Connections this process opens at most (flushes, claims, reads and the listener share them). */
  max?: number;
  /** Told of each error the pool reports between queries (a server gone away). */
  onError?: (error: Error) => void;
}

/** A pool on the store's database; nothing connects until the first query. */
export function createPool(o: PgConnectionOptions): pg.Pool {
  const pool = new (pgDriver().Pool)({
    connectionString: o.url,
    max: o.max ?? 4,
    connectionTimeoutMillis: 5000,
    // A server that stops answering (a partition) must not hold records or flushes for long.
    query_timeout: 10_000,
    idleTimeoutMillis: 10_000,
    // Idle connections must not keep an application alive.
    allowExitOnIdle: true,
    application_name: 'unitrack',
  });
  pool.on('error', (error) => o.onError?.(error));
  return pool;
}

/** Proves the database answers; a StartError naming it (without the password) when it does not. */
export async function checkReachable(pool: pg.Pool, url: string): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    throw new StartError('cannot connect to the group store', redactUrl(url), error);
  }
}

/**
 * A client of the pool for one transaction. A checked-out client whose server goes away emits
 * `error` (with no listener: an uncaught exception that would end the process): it is listened
 * to here, and the failed query rejects on its own. A client that failed is destroyed, not reused.
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (error) {
    broken ??= error as Error;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
