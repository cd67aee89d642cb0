import { extname } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { diag } from '@opentelemetry/api';
import { workerStartOptions } from '../../pipeline/worker-options.ts';
import { applyBatch, CLOSED, COMMITTED, FAILED, prepareWrites, type WriteBatch, type WriteStatements } from './group-writer.ts';

/** Inline batches slower than this, SLOW_BATCHES in a row, or one slower than VERY_SLOW_BATCH_MS, hand the writes over to a worker. */
const INLINE_BUDGET_MS = 10;
const SLOW_BATCHES = 3;
const VERY_SLOW_BATCH_MS = 150;
/** Batches posted to the worker and not yet finished, at most: past it, post() waits for the oldest (the writer's queue is bounded). */
export const MAX_IN_FLIGHT = 4;
/**
 * The page cache of the store's own connection once a worker writes: it then only reads (groups
 * coming back into memory, the dashboard's queries), and 16 MiB in each thread was RSS for little.
 */
const READ_ONLY_CACHE = 'PRAGMA cache_size = -2048';

/**
 * The group store's side of its writer (group-writer.ts): posts each batch to the worker that owns
 * the write connection of a file, or applies it in-thread for `:memory:` (one connection only), and
 * waits for the worker's commits through counters in shared memory.
 */
export class GroupWriterChannel {
  readonly #path: string;
  readonly #db: DatabaseSync;
  /** The writer: a worker owning the write connection (a file), or statements run in-thread (`:memory:`). */
  #worker: Worker | undefined;
  /** Batches are applied in-thread, committed when post() returns (`:memory:`, and `inline` until it is too slow). */
  #inThread: boolean;
  readonly #inlineBudgetMs: number;
  readonly #writes: WriteStatements | undefined;
  /** Shared with the worker: batches committed, batches failed, closed. */
  readonly #state = new Int32Array(new SharedArrayBuffer(12));
  /** Batches posted to the worker. */
  #posted = 0;
  /** Failed batches already reported. */
  #failedSeen = 0;
  #workerError: unknown;
  /** settle() calls waiting (the worker is ref'd while any is). */
  #asyncWaits = 0;

  /**
   * `db` is the store's connection, with the schema created: `:memory:`, `inline` and `auto`
   * batches are applied on it. `auto` writes on this thread while batches stay within
   * `inlineBudgetMs`; once they do not, a worker takes them over (an application's usual rate
   * costs no thread; a burst of new groups does not stall its event loop).
   */
  constructor(path: string, db: DatabaseSync, mode: 'worker' | 'inline' | 'auto' = 'worker', inlineBudgetMs = INLINE_BUDGET_MS) {
    this.#path = path;
    this.#db = db;
    this.#inThread = mode !== 'worker' || path === ':memory:';
    this.#inlineBudgetMs = path === ':memory:' || mode === 'inline' ? Number.POSITIVE_INFINITY : inlineBudgetMs;
    // The worker starts with the first batch it is given: a store that has not flushed yet costs no thread.
    if (this.#inThread) this.#writes = prepareWrites(db);
    else db.exec(READ_ONLY_CACHE);
  }

  /** Inline batches in a row over the budget (one alone may be a GC pause). */
  #slowBatches = 0;

  /** Whether batches are committed on this thread when post() returns. */
  get inThread(): boolean {
    return this.#inThread;
  }

  /** Batches posted to the worker so far: the number of the last one. */
  get posted(): number {
    return this.#posted;
  }

  /** Batches the worker has finished (committed or failed) so far. */
  get committed(): number {
    return Atomics.load(this.#state, COMMITTED);
  }

  /** Hands one batch (one transaction) to the writer; does not wait for a worker. */
  post(b: WriteBatch): void {
    if (!this.#inThread) {
      this.#worker ??= this.#startWorker();
      // Groups opening faster than SQLite takes them: the thread waits rather than queueing without bound.
      // (A worker that stopped answering is reported by wait(); its batches are not held up here for more than 30 s.)
      this.#block(this.#posted - MAX_IN_FLIGHT + 1);
      this.#worker.postMessage(b);
      this.#posted++;
      return;
    }
    const started = performance.now();
    applyBatch(this.#db, this.#writes as WriteStatements, b);
    const took = performance.now() - started;
    this.#slowBatches = took > this.#inlineBudgetMs ? this.#slowBatches + 1 : 0;
    if (this.#slowBatches >= SLOW_BATCHES || took > Math.max(VERY_SLOW_BATCH_MS, this.#inlineBudgetMs)) {
      // Committed here; the next batches go to a worker.
      this.#inThread = false;
      this.#db.exec(READ_ONLY_CACHE);
      diag.debug(`unitrack: the group store's writes to ${this.#path} move to a worker thread (a batch took ${took.toFixed(0)} ms)`);
    }
  }

  #startWorker(): Worker {
    // The built package runs group-writer.js, the checkout group-writer.ts: same name as this module's.
    const worker = new Worker(new URL(`./group-writer${extname(fileURLToPath(import.meta.url))}`, import.meta.url), {
      // Not the application's --import/--require or NODE_OPTIONS: they would run its start-up again in the worker.
      ...workerStartOptions(),
      workerData: { groupWriter: true, path: this.#path, state: this.#state.buffer },
    });
    if (this.#asyncWaits === 0) worker.unref();
    worker.on('error', (error) => {
      this.#workerError = error;
    });
    return worker;
  }

  /** Resolves when the worker has finished every batch posted, or after 30 s, without blocking the thread; wait() then says which. */
  async settle(): Promise<void> {
    const state = this.#state;
    const deadline = Date.now() + 30_000;
    // A pending Atomics.waitAsync does not keep the event loop alive: the worker (unref'd otherwise) does meanwhile.
    if (this.#asyncWaits++ === 0) this.#worker?.ref();
    try {
      for (let done = Atomics.load(state, COMMITTED); done < this.#posted && Date.now() < deadline; done = Atomics.load(state, COMMITTED)) {
        const r = Atomics.waitAsync(state, COMMITTED, done, 1000);
        if (r.async) await r.value;
      }
    } finally {
      if (--this.#asyncWaits === 0) this.#worker?.unref();
    }
  }

  /** Blocks until the worker has committed every batch posted; throws once for each batch it failed to write. */
  wait(): void {
    const state = this.#state;
    this.#block(this.#posted);
    if (this.#workerError) throw new Error(`group store: the writer of ${this.#path} failed: ${String(this.#workerError)}`);
    const failed = Atomics.load(state, FAILED);
    if (failed > this.#failedSeen) {
      this.#failedSeen = failed;
      throw new Error(`group store: ${failed} write batch(es) to ${this.#path} failed`);
    }
    if (Atomics.load(state, COMMITTED) < this.#posted) throw new Error(`group store: the writer of ${this.#path} did not commit in 30 s`);
  }

  /** Blocks the thread until the worker has finished `batches` batches, it failed, or 30 s went by. */
  #block(batches: number): void {
    const state = this.#state;
    const deadline = Date.now() + 30_000;
    for (let done = Atomics.load(state, COMMITTED); done < batches; done = Atomics.load(state, COMMITTED)) {
      if (Date.now() > deadline || this.#workerError) break;
      Atomics.wait(state, COMMITTED, done, 1000);
    }
  }

  /** Stops the worker, once everything posted is finished (call wait() first). */
  close(): void {
    if (this.#worker) {
      this.#worker.postMessage('close');
      Atomics.wait(this.#state, CLOSED, 0, 5000);
    }
  }
}
