import { closeSync, existsSync, mkdirSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * What a component could not do at start, where (an address or a path), and why: every
 * component reports the same way, so the collector can name it and exit, and embedded mode can
 * warn once.
 */
export class StartError extends Error {
  /** The address or path. */
  readonly where: string;

  constructor(action: string, where: string, cause: unknown) {
    super(`${action} ${where}: ${causeOf(cause)}`, { cause });
    this.name = 'StartError';
    this.where = where;
  }
}

const PHRASES: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this machine',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTFOUND: 'host name not found',
};

/** A short cause with its code: "address already in use (EADDRINUSE)". */
export function causeOf(error: unknown): string {
  const e = error as { code?: string; errstr?: string; message?: string } | undefined;
  if (e?.code && PHRASES[e.code]) return `${PHRASES[e.code]} (${e.code})`;
  if (e?.code === 'ERR_SQLITE_ERROR' && e.errstr) return `${e.errstr} (SQLite)`;
  return error instanceof Error ? error.message : String(error);
}

/** Creates the directory if needed and proves a file can be written in it. */
export function checkWritableDirectory(directory: string): void {
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    throw new StartError('cannot create directory', directory, error);
  }
  const probe = join(directory, `.unitrack-write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (error) {
    throw new StartError('cannot write in directory', directory, error);
  }
}

/** Creates the file's directory and the file if needed, and opens it for appending. */
export function checkWritableFile(path: string): void {
  checkWritableDirectory(dirname(path));
  try {
    closeSync(openSync(path, 'a'));
  } catch (error) {
    throw new StartError('cannot write', path, error);
  }
}

/** A store's file can be created in its directory, or, when it exists, written (`:memory:` always can). */
export function checkWritableStore(path: string, what: string): void {
  if (path === ':memory:') return;
  checkWritableDirectory(dirname(path));
  if (!existsSync(path)) return;
  try {
    closeSync(openSync(path, 'r+'));
  } catch (error) {
    throw new StartError(`cannot open ${what}`, path, error);
  }
}

/**
 * Opens a SQLite file (its directory and the file writable, and the file a database), or
 * `:memory:`. A file that is not a database fails on the first read, so one is made here.
 */
export function openDatabase(path: string, what: string): DatabaseSync {
  checkWritableStore(path, what);
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path);
    db.prepare('PRAGMA schema_version').get();
    return db;
  } catch (error) {
    db?.close();
    throw new StartError(`cannot open ${what}`, path, error);
  }
}
