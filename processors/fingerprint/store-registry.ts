import { resolve } from 'node:path';
import { GroupStore, type GroupStoreOptions } from './group-store.ts';
import { PgGroupStore, type PgGroupStoreOptions } from './postgres/pg-group-store.ts';

const open = new Map<string, { store: GroupStore; refs: number }>();

/** One store per file in a process: every fingerprint processor (one per pipeline) shares it. */
export function acquireGroupStore(options: GroupStoreOptions): GroupStore {
  const key = options.path === ':memory:' ? `:memory:${Math.random()}` : resolve(options.path);
  const existing = open.get(key);
  if (existing) {
    existing.refs++;
    return existing.store;
  }
  const store = new GroupStore(options);
  open.set(key, { store, refs: 1 });
  return store;
}

export function releaseGroupStore(store: GroupStore): void {
  for (const [key, entry] of open) {
    if (entry.store !== store) continue;
    if (--entry.refs === 0) {
      open.delete(key);
      store.close();
    }
    return;
  }
}

/**
 * One PostgreSQL store per database and service: the pipelines of one service share it (one
 * instance of the fleet), and two services in one process are two instances, each with its own
 * groups held and claims made (as two collectors would be).
 */
const shared = new WeakMap<object, Map<string, { store: PgGroupStore; refs: number }>>();

export function acquirePgGroupStore(options: PgGroupStoreOptions, service: object): PgGroupStore {
  let stores = shared.get(service);
  if (!stores) shared.set(service, (stores = new Map()));
  const existing = stores.get(options.url);
  if (existing) {
    existing.refs++;
    return existing.store;
  }
  const store = new PgGroupStore(options);
  stores.set(options.url, { store, refs: 1 });
  return store;
}

export async function releasePgGroupStore(store: PgGroupStore, service: object): Promise<void> {
  const stores = shared.get(service);
  const entry = [...(stores?.entries() ?? [])].find(([, e]) => e.store === store);
  if (!stores || !entry) return;
  if (--entry[1].refs > 0) return;
  stores.delete(entry[0]);
  await store.close();
}
