// Where the group store's batches are written: a worker, this thread, or this thread until batches get slow.

import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createSchema } from '../../processors/fingerprint/group-schema.ts';
import { CONNECTION_PRAGMAS, type WriteBatch } from '../../processors/fingerprint/group-writer.ts';
import { GroupWriterChannel, MAX_IN_FLIGHT } from '../../processors/fingerprint/group-writer-channel.ts';
import { tempDir } from '../helpers/tmp.ts';

const empty = (): WriteBatch => ({ g: [], e: [], m: [], t: [], u: [], s: [], r: [], tg: [], tn: [], al: [] });

function open(): { db: DatabaseSync; path: string } {
  const path = join(tempDir(), 'groups.db');
  const db = new DatabaseSync(path);
  db.exec(CONNECTION_PRAGMAS);
  createSchema(db);
  return { db, path };
}

describe('the group store’s writer', () => {
  it('auto: writes on this thread, and hands over to a worker after 3 batches in a row over its budget', async () => {
    const { db, path } = open();
    // A budget of 0 ms: every batch is over it.
    const channel = new GroupWriterChannel(path, db, 'auto', 0);
    channel.post(empty());
    channel.post(empty());
    expect(channel.inThread).toBe(true);
    expect(channel.posted).toBe(0);
    expect(db.prepare('PRAGMA cache_size').get()).toEqual({ cache_size: -16384 });
    channel.post(empty());
    expect(channel.inThread).toBe(false);
    // This connection only reads from now on: its page cache shrinks.
    expect(db.prepare('PRAGMA cache_size').get()).toEqual({ cache_size: -2048 });
    channel.post(empty());
    expect(channel.posted).toBe(1);
    await channel.settle();
    channel.wait();
    expect(channel.committed).toBe(1);
    channel.close();
    db.close();
  });

  it('auto within its budget, and inline, never start a thread', () => {
    const { db, path } = open();
    const auto = new GroupWriterChannel(path, db, 'auto', 60_000);
    const inline = new GroupWriterChannel(path, db, 'inline', 0);
    for (let i = 0; i < 5; i++) {
      auto.post(empty());
      inline.post(empty());
    }
    expect([auto.inThread, inline.inThread]).toEqual([true, true]);
    expect([auto.posted, inline.posted]).toEqual([0, 0]);
    db.close();
  });

  it('holds at most MAX_IN_FLIGHT batches for a worker that is behind: the next post waits for the oldest', async () => {
    const { db, path } = open();
    // Another connection holds the write lock for 400 ms, so the worker's first batch waits for it.
    const locker = new Worker(
      `const { DatabaseSync } = require('node:sqlite'); const { parentPort, workerData } = require('node:worker_threads');
       const db = new DatabaseSync(workerData); db.exec('BEGIN IMMEDIATE'); parentPort.postMessage('locked');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400); db.exec('COMMIT'); db.close();`,
      { eval: true, workerData: path },
    );
    await new Promise((resolve) => locker.once('message', resolve));
    const channel = new GroupWriterChannel(path, db, 'worker');
    for (let i = 0; i < MAX_IN_FLIGHT; i++) channel.post(empty());
    expect(channel.posted - channel.committed).toBe(MAX_IN_FLIGHT);
    channel.post(empty());
    expect(channel.posted).toBe(MAX_IN_FLIGHT + 1);
    expect(channel.posted - channel.committed).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    await channel.settle();
    channel.wait();
    channel.close();
    await locker.terminate();
    db.close();
  });
});
