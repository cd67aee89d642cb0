import { createReadStream, createWriteStream, existsSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/**
 * Backup files as otelcol's file exporter (lumberjack) names them: `events-2026-11-22T18-03-12.123.jsonl`,
 * in UTC unless `localtime`, with `-1`, `-2`… when two rotations fall in one millisecond; gzipped
 * backups add `.gz`. Age and order come from the time in the name, not from mtimes.
 */
export interface BackupNaming {
  readonly dir: string;
  /** A free backup path for a rotation at `now`. */
  next(now: number): string;
  /** The backups in the directory, newest first. */
  list(): Backup[];
  /** Whether a file name is one of this file's backups. */
  isBackup(name: string): boolean;
}

export interface Backup {
  path: string;
  /** Milliseconds since the epoch, from the name. */
  time: number;
  compressed: boolean;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function stamp(now: number, localTime: boolean): string {
  const d = new Date(now);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return localTime
    ? `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
    : d.toISOString().slice(0, 23).replace(/:/g, '-');
}

export function backupNaming(path: string, localTime: boolean): BackupNaming {
  const dir = dirname(path);
  const ext = extname(path);
  const stem = basename(path, ext);
  const pattern = new RegExp(
    `^${escapeRegExp(stem)}-(\\d{4})-(\\d\\d)-(\\d\\d)T(\\d\\d)-(\\d\\d)-(\\d\\d)\\.(\\d{3})(?:-(\\d+))?${escapeRegExp(ext)}(\\.gz)?$`,
  );
  return {
    dir,
    next(now) {
      const base = join(dir, `${stem}-${stamp(now, localTime)}`);
      for (let n = 0; ; n++) {
        const candidate = `${base}${n ? `-${n}` : ''}${ext}`;
        if (!existsSync(candidate) && !existsSync(`${candidate}.gz`)) return candidate;
      }
    },
    isBackup: (name) => pattern.test(name),
    list() {
      const out: (Backup & { seq: number })[] = [];
      for (const name of readdirSync(dir)) {
        const m = pattern.exec(name);
        if (!m) continue;
        const [y, mo, d, h, mi, s, ms] = m.slice(1, 8).map(Number);
        const time = localTime ? new Date(y, mo - 1, d, h, mi, s, ms).getTime() : Date.UTC(y, mo - 1, d, h, mi, s, ms);
        out.push({ path: join(dir, name), time, compressed: m[9] === '.gz', seq: Number(m[8] ?? 0) });
      }
      return out.sort((a, b) => b.time - a.time || b.seq - a.seq);
    },
  };
}

/** Gzips a backup to `<path>.gz` (through a temporary name, so a kill leaves no half `.gz`), then deletes it. */
export async function compressBackup(path: string): Promise<void> {
  const tmp = `${path}.gz.tmp`;
  await pipeline(createReadStream(path), createGzip(), createWriteStream(tmp));
  renameSync(tmp, `${path}.gz`);
  unlinkSync(path);
}

/** Deletes backups beyond `maxBackups` and older than `maxAgeMs`; files being compressed are left alone. */
export function pruneBackups(
  naming: BackupNaming,
  rotation: { maxBackups: number; maxAgeMs: number },
  busy: ReadonlySet<string>,
  now: number,
): void {
  const backups = naming.list().filter((b) => !busy.has(b.path) && !busy.has(b.path.replace(/\.gz$/, '')));
  backups.forEach((b, i) => {
    const tooMany = rotation.maxBackups > 0 && i >= rotation.maxBackups;
    const tooOld = rotation.maxAgeMs > 0 && now - b.time > rotation.maxAgeMs;
    if (tooMany || tooOld) {
      try {
        unlinkSync(b.path);
      } catch {
        // Already gone.
      }
    }
  });
}

/** On the first open in a process: drop partial `.gz.tmp` files, compress what an earlier run left, prune. */
export async function housekeep(
  naming: BackupNaming,
  rotation: { maxBackups: number; maxAgeMs: number; compress: boolean },
  busy: Set<string>,
): Promise<void> {
  for (const name of readdirSync(naming.dir)) {
    if (name.endsWith('.gz.tmp') && naming.isBackup(name.slice(0, -4))) {
      try {
        unlinkSync(join(naming.dir, name));
      } catch {
        // Already gone.
      }
    }
  }
  if (rotation.compress) {
    for (const b of naming.list()) {
      if (b.compressed || busy.has(b.path)) continue;
      busy.add(b.path);
      await compressBackup(b.path)
        .catch(() => undefined)
        .finally(() => busy.delete(b.path));
    }
  }
  pruneBackups(naming, rotation, busy, Date.now());
}
