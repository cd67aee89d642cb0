import { closeSync, fstatSync, fsync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, statSync, write } from 'node:fs';
import { dirname } from 'node:path';
import { type BackupNaming, backupNaming, compressBackup, housekeep, pruneBackups } from './rotation.ts';

export interface RotationOptions {
  /** Rotate before the file would grow past this many bytes (0: never). */
  maxBytes: number;
  /** Rotate the active file once it has been open this long (0: never). */
  intervalMs: number;
  /** Delete backups older than this, by the time in their name (0: keep). */
  maxAgeMs: number;
  /** Backups kept, newest first (0: all). */
  maxBackups: number;
  /** Gzip backups in the background. */
  compress: boolean;
  /** Backup names in local time instead of UTC. */
  localTime: boolean;
}

/** Why a write failed: the errno code (ENOSPC, EFBIG, EROFS, EACCES, ENOENT, ENOTDIR…) and message. */
export interface WriteFailure {
  code: string;
  message: string;
}

/** After a failure, the file is tried again this much later; writes in between fail at once. */
const RETRY_MS = 1000;
/** How often the path is checked for having been deleted or moved away under the open descriptor. */
const CHECK_MS = 1000;

/** What `appendLines` resolves with: the failure, if any, and the bytes the lines took. */
export interface LinesWritten {
  failure: WriteFailure | undefined;
  bytes: number;
}

interface Pending {
  /** Bytes that end with a newline, or lines to which the writer adds one each. */
  data: Buffer | readonly string[];
  /** The bytes `data` took, once encoded. */
  bytes: number;
  done: (failure: WriteFailure | undefined, bytes: number) => void;
}

/**
 * The scratch buffer the lines of one write are encoded into is kept for the next write up to
 * this size; a larger write gets a buffer of its own, released when it is done.
 */
const KEPT_SCRATCH_BYTES = 4 * 1024 * 1024;
const MIN_SCRATCH_BYTES = 64 * 1024;

/**
 * Appends whole lines to one file through one descriptor, for every exporter that names the file.
 * Appends that arrive while a write is in flight are joined into the next write (one `write` per
 * batch, no interleaving). A line is written whole or not at all: a write that fails part way (a
 * full disk, a size limit) is cut back to the last whole batch, and on open a torn tail left by a
 * kill is cut off. After a failure the descriptor is dropped and the path reopened on a later
 * write, so writing resumes once the disk has room or the directory is back.
 */
export class JsonLinesWriter {
  readonly path: string;
  readonly rotation: RotationOptions;
  readonly #naming: BackupNaming;
  #fd: number | undefined;
  #ino = 0;
  #size = 0;
  #openedAt = 0;
  #checkedAt = 0;
  #retryAt = 0;
  #queue: Pending[] = [];
  #writing = false;
  /** Where the lines of a write are encoded: one buffer reused write after write, not one per batch. */
  #scratch: Buffer | undefined;
  #idle: (() => void)[] = [];
  #housekept = false;
  /** Background gzip and pruning, one after another. */
  #background: Promise<void> = Promise.resolve();
  /** Backups still being compressed: never pruned from under the compressor. */
  readonly #compressing = new Set<string>();
  /** Bytes written and rotations done, for the exporter's counters. */
  bytesWritten = 0;
  rotations = 0;

  constructor(path: string, rotation: RotationOptions) {
    this.path = path;
    this.rotation = rotation;
    this.#naming = backupNaming(path, rotation.localTime);
  }

  /** Appends whole lines (the text ends with a newline). Resolves with the failure, never rejects. */
  append(data: Buffer): Promise<WriteFailure | undefined> {
    return new Promise((done) => this.#push({ data, bytes: data.length, done }));
  }

  /**
   * Appends `lines`, a newline after each (none may contain one). They are encoded straight into
   * the writer's scratch buffer when their write starts: no joined string, no Buffer per batch.
   */
  appendLines(lines: readonly string[]): Promise<LinesWritten> {
    return new Promise((resolve) => this.#push({ data: lines, bytes: 0, done: (failure, bytes) => resolve({ failure, bytes }) }));
  }

  #push(p: Pending): void {
    this.#queue.push(p);
    if (!this.#writing) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      const data = this.#encode(batch);
      const failure = await this.#write(data);
      for (const p of batch) p.done(failure, p.bytes);
    }
    this.#writing = false;
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  }

  /** The batch's bytes, in the scratch buffer (one Buffer given alone is written as it is). */
  #encode(batch: readonly Pending[]): Buffer {
    if (batch.length === 1 && Buffer.isBuffer(batch[0].data)) return batch[0].data;
    let buf = this.#scratch ?? Buffer.allocUnsafeSlow(MIN_SCRATCH_BYTES);
    let at = 0;
    // Room for what comes next, keeping what is written: at most 3 bytes of UTF-8 per UTF-16
    // unit, so a line is never measured first.
    const room = (n: number) => {
      if (at + n <= buf.length) return;
      let size = buf.length * 2;
      while (size < at + n) size *= 2;
      const bigger = Buffer.allocUnsafeSlow(size);
      buf.copy(bigger, 0, 0, at);
      buf = bigger;
    };
    for (const p of batch) {
      const start = at;
      if (Buffer.isBuffer(p.data)) {
        room(p.data.length);
        at += p.data.copy(buf, at);
      } else
        for (const line of p.data) {
          room(line.length * 3 + 1);
          at += buf.write(line, at);
          buf[at++] = 0x0a;
        }
      p.bytes = at - start;
    }
    // Kept for the next write unless this one was unusually large.
    this.#scratch = buf.length <= KEPT_SCRATCH_BYTES ? buf : undefined;
    return buf.subarray(0, at);
  }

  async #write(data: Buffer): Promise<WriteFailure | undefined> {
    const now = Date.now();
    if (this.#fd === undefined && now < this.#retryAt) return { code: 'EBACKOFF', message: 'waiting before trying the file again' };
    try {
      // A file deleted or moved away (its directory removed, an outside rotation) would swallow
      // writes through the old descriptor: check now and then, and reopen at the path.
      if (this.#fd !== undefined && now - this.#checkedAt > CHECK_MS) {
        this.#checkedAt = now;
        if (!this.#stillAtPath()) this.#close();
      }
      if (this.#fd === undefined) this.#open(now);
      if (this.#shouldRotate(data.length, now)) await this.#rotate(now);
      const fd = this.#fd as number;
      let written = 0;
      try {
        while (written < data.length) written += await writeAsync(fd, data, written);
      } catch (error) {
        // Keep only whole lines: undo the part of this batch that made it.
        if (written > 0) {
          try {
            ftruncateSync(fd, this.#size);
          } catch {
            // The next open repairs the tail.
          }
        }
        throw error;
      }
      this.#size += written;
      this.bytesWritten += written;
      return undefined;
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      this.#close();
      this.#retryAt = now + RETRY_MS;
      return { code: e.code ?? 'EIO', message: e.message };
    }
  }

  #stillAtPath(): boolean {
    try {
      return statSync(this.path).ino === this.#ino;
    } catch {
      return false;
    }
  }

  #open(now: number): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const fd = openSync(this.path, 'a+');
    try {
      const stat = fstatSync(fd);
      this.#size = stat.size > 0 ? repairTail(fd, stat.size) : 0;
      this.#ino = stat.ino;
      this.#openedAt = this.#size > 0 ? stat.birthtimeMs || stat.mtimeMs : now;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    this.#fd = fd;
    this.#checkedAt = now;
    if (!this.#housekept) {
      // Once a process: finish what an earlier run left (uncompressed backups, partial .gz files).
      this.#housekept = true;
      this.#background = this.#background.then(() => housekeep(this.#naming, this.rotation, this.#compressing)).catch(() => undefined);
    }
  }

  #shouldRotate(incoming: number, now: number): boolean {
    if (this.#size === 0) return false;
    const r = this.rotation;
    return (r.maxBytes > 0 && this.#size + incoming > r.maxBytes) || (r.intervalMs > 0 && now - this.#openedAt >= r.intervalMs);
  }

  async #rotate(now: number): Promise<void> {
    const fd = this.#fd as number;
    await new Promise<void>((resolve) => fsync(fd, () => resolve()));
    this.#close();
    const backup = this.#naming.next(now);
    renameSync(this.path, backup);
    this.rotations++;
    this.#open(now);
    const { compress } = this.rotation;
    if (compress) this.#compressing.add(backup);
    this.#background = this.#background
      .then(async () => {
        if (compress) await compressBackup(backup).finally(() => this.#compressing.delete(backup));
        pruneBackups(this.#naming, this.rotation, this.#compressing, Date.now());
      })
      .catch(() => undefined);
  }

  /** Waits for queued writes, then fsyncs the file. */
  async flush(): Promise<void> {
    if (this.#writing) await new Promise<void>((resolve) => this.#idle.push(resolve));
    const fd = this.#fd;
    if (fd !== undefined) await new Promise<void>((resolve) => fsync(fd, () => resolve()));
  }

  /** Waits for background compression and pruning of backups. */
  settled(): Promise<void> {
    return this.#background;
  }

  #close(): void {
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
    } catch {
      // Nothing to do.
    }
    this.#fd = undefined;
  }

  /** Flushes, waits for background work, and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    await this.settled();
    this.#close();
    this.#scratch = undefined;
  }
}

function writeAsync(fd: number, data: Buffer, offset: number): Promise<number> {
  return new Promise((resolve, reject) =>
    write(fd, data, offset, data.length - offset, null, (error, n) => (error ? reject(error) : resolve(n))),
  );
}

/** Cuts an unterminated last line (a kill mid-write) so the file ends with a newline; returns the new size. */
export function repairTail(fd: number, size: number): number {
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  while (end > 0) {
    const len = Math.min(chunk.length, end);
    readSync(fd, chunk, 0, len, end - len);
    if (end === size && chunk[len - 1] === 0x0a) return size;
    const nl = chunk.subarray(0, len).lastIndexOf(0x0a);
    if (nl !== -1) {
      const keep = end - len + nl + 1;
      ftruncateSync(fd, keep);
      return keep;
    }
    end -= len;
  }
  ftruncateSync(fd, 0);
  return 0;
}
