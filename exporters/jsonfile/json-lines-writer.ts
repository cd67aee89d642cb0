import {
  closeSync,
  createReadStream,
  createWriteStream,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export interface RotationOptions {
  /** Rotate when the file would grow past this many bytes (0: never). */
  maxBytes: number;
  /** Rotate a file this old, and delete backups older than this (0: never). */
  maxAgeMs: number;
  /** Rotated files kept (0: all). */
  maxBackups: number;
  /** Gzip rotated files. */
  compress: boolean;
}

/** Why a write failed, for counting: disk full, read-only, no permission, or missing directory. */
export type WriteFailure = { code: string; message: string };

/**
 * Appends whole lines to one file through one descriptor. A batch is one `write`; if the write
 * fails part way (a full disk), the file is truncated back so no torn line remains. On open, a
 * torn tail left by a kill is cut off. After a failure the file is reopened on the next write, so
 * writing resumes once the problem clears.
 */
export class JsonLinesWriter {
  readonly path: string;
  readonly #rotation: RotationOptions;
  #fd: number | undefined;
  #size = 0;
  #openedAt = 0;
  #retryAt = 0;
  #checkedAt = 0;
  #rotations = 0;
  /** Rotated files still waiting to be compressed: never pruned from under the compressor. */
  readonly #pendingGzip = new Set<string>();
  #ino = 0;
  #compressing: Promise<void> = Promise.resolve();

  constructor(path: string, rotation: RotationOptions) {
    this.path = path;
    this.#rotation = rotation;
  }

  #open(): number {
    mkdirSync(dirname(this.path), { recursive: true });
    const fd = openSync(this.path, 'a+');
    const stat = fstatSync(fd);
    let size = stat.size;
    if (size > 0) size = this.#repairTail(fd, size);
    this.#fd = fd;
    this.#ino = stat.ino;
    this.#checkedAt = Date.now();
    this.#size = size;
    this.#openedAt = size > 0 ? stat.birthtimeMs || stat.mtimeMs : Date.now();
    return fd;
  }

  /** Cuts an unterminated last line (a kill mid-write) so the file ends with a newline. */
  #repairTail(fd: number, size: number): number {
    const tail = Buffer.alloc(Math.min(size, 64 * 1024));
    let pos = size;
    while (pos > 0) {
      const len = Math.min(tail.length, pos);
      readSync(fd, tail, 0, len, pos - len);
      if (pos === size && tail[len - 1] === 0x0a) return size;
      const nl = tail.subarray(0, len).lastIndexOf(0x0a);
      if (nl !== -1) {
        const keep = pos - len + nl + 1;
        ftruncateSync(fd, keep);
        return keep;
      }
      pos -= len;
    }
    ftruncateSync(fd, 0);
    return 0;
  }

  /** Appends lines (each ending in a newline); returns a failure instead of throwing. */
  append(text: string): WriteFailure | undefined {
    const now = Date.now();
    if (this.#fd === undefined && now < this.#retryAt) return { code: 'EBACKOFF', message: 'waiting before trying the file again' };
    try {
      // A file deleted or moved away (its directory removed, an outside log rotation) would swallow
      // writes through the old descriptor: check now and then, and reopen at the path.
      if (this.#fd !== undefined && now - this.#checkedAt > 1000) {
        this.#checkedAt = now;
        let ino = -1;
        try {
          ino = statSync(this.path).ino;
        } catch {
          // Gone.
        }
        if (ino !== this.#ino) this.#close();
      }
      const fd = this.#fd ?? this.#open();
      const bytes = Buffer.byteLength(text);
      if (this.#shouldRotate(bytes, now)) this.#rotate();
      const buf = Buffer.from(text);
      let written = 0;
      try {
        while (written < buf.length) written += writeSync(this.#fd ?? fd, buf, written);
      } catch (error) {
        // Keep only whole lines: undo the part of the batch that made it.
        if (written > 0 && this.#fd !== undefined) ftruncateSync(this.#fd, this.#size);
        throw error;
      }
      this.#size += written;
      return undefined;
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      this.#close();
      this.#retryAt = now + 1000;
      return { code: e.code ?? 'EIO', message: e.message };
    }
  }

  #shouldRotate(incoming: number, now: number): boolean {
    if (this.#size === 0) return false;
    const r = this.#rotation;
    return (r.maxBytes > 0 && this.#size + incoming > r.maxBytes) || (r.maxAgeMs > 0 && now - this.#openedAt > r.maxAgeMs);
  }

  #rotate(): void {
    this.flush();
    this.#close();
    const ext = extname(this.path);
    const stamp = new Date().toISOString().replace(/:/g, '-').replace('Z', '');
    // A sequence number keeps two rotations within one millisecond apart.
    const rotated = join(dirname(this.path), `${basename(this.path, ext)}-${stamp}-${String(++this.#rotations).padStart(4, '0')}${ext}`);
    renameSync(this.path, rotated);
    if (this.#rotation.compress) {
      this.#pendingGzip.add(rotated);
      this.#compressing = this.#compressing
        .then(() => gzipFile(rotated))
        .catch(() => undefined)
        .then(() => {
          this.#pendingGzip.delete(rotated);
          this.#prune();
        });
    } else this.#prune();
    this.#open();
  }

  /** Deletes rotated files beyond `maxBackups` and older than `maxAgeMs`. */
  #prune(): void {
    const dir = dirname(this.path);
    const ext = extname(this.path);
    const stem = basename(this.path, ext);
    const backups = readdirSync(dir)
      .filter((n) => n.startsWith(`${stem}-`) && (n.endsWith(ext) || n.endsWith(`${ext}.gz`)) && !this.#pendingGzip.has(join(dir, n)))
      .map((n) => ({ path: join(dir, n), mtime: statSync(join(dir, n)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    const now = Date.now();
    backups.forEach((b, i) => {
      const tooMany = this.#rotation.maxBackups > 0 && i >= this.#rotation.maxBackups;
      const tooOld = this.#rotation.maxAgeMs > 0 && now - b.mtime > this.#rotation.maxAgeMs;
      if (tooMany || tooOld) {
        try {
          unlinkSync(b.path);
        } catch {
          // Already gone.
        }
      }
    });
  }

  flush(): void {
    if (this.#fd !== undefined) {
      try {
        fsyncSync(this.#fd);
      } catch {
        // Reported by the next write.
      }
    }
  }

  /** Waits for background compression of rotated files. */
  async settled(): Promise<void> {
    await this.#compressing;
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

  close(): void {
    this.flush();
    this.#close();
  }
}

async function gzipFile(path: string): Promise<void> {
  await pipeline(createReadStream(path), createGzip(), createWriteStream(`${path}.gz`));
  unlinkSync(path);
}
