import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** One notification waiting for delivery. The id is the `webhook-id` on every attempt. */
export interface Notification {
  id: string;
  body: string;
  createdAt: number;
  attempts: number;
}

/**
 * Notifications on disk, one file each, written to a temporary name, fsynced, then renamed: a
 * crash leaves either a whole entry or none. Delivered entries are deleted.
 */
export class Spool {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = directory;
    mkdirSync(directory, { recursive: true });
  }

  write(n: Notification): void {
    const final = join(this.directory, `${n.id}.json`);
    const tmp = `${final}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(n));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, final);
  }

  remove(id: string): void {
    try {
      unlinkSync(join(this.directory, `${id}.json`));
    } catch {
      // Already gone.
    }
  }

  /** Entries left by an earlier run, oldest first; leftovers of interrupted writes are removed. */
  load(): Notification[] {
    const out: Notification[] = [];
    for (const name of readdirSync(this.directory)) {
      const path = join(this.directory, name);
      if (name.endsWith('.tmp')) {
        this.#unlink(path);
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        const n = JSON.parse(readFileSync(path, 'utf8')) as Notification;
        if (typeof n.id === 'string' && typeof n.body === 'string') out.push(n);
        else this.#unlink(path);
      } catch {
        this.#unlink(path);
      }
    }
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  #unlink(path: string): void {
    try {
      unlinkSync(path);
    } catch {
      // Nothing to do.
    }
  }
}
