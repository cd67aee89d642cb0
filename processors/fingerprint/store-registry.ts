import { resolve } from 'node:path';
import { GroupStore, type GroupStoreOptions } from './group-store.ts';

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
