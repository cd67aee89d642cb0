/**
 * A throwaway PostgreSQL cluster for tests: Debian's PostgreSQL 15 binaries, a data directory and a
 * socket directory in a temporary directory, a free port on loopback, trust authentication. We run
 * as root and initdb refuses root, so the cluster runs as the `postgres` user, who owns the
 * temporary directory. `stop()` ends it and deletes the directory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's PostgreSQL binaries: UNITRACK_PG_BIN, else the newest under /usr/lib/postgresql (15 on these machines). */
const BIN = process.env.UNITRACK_PG_BIN ?? newestInstalled() ?? '/usr/lib/postgresql/15/bin';

function newestInstalled(): string | undefined {
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    return versions.length ? join('/usr/lib/postgresql', versions[0], 'bin') : undefined;
  } catch {
    return undefined;
  }
}

/** Why the PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresMissing(): string | undefined {
  if (!existsSync(join(BIN, 'initdb')) || !existsSync(join(BIN, 'pg_ctl')))
    return `no PostgreSQL binaries in ${BIN} (apt-get install postgresql)`;
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0)
    return 'running as root and there is no postgres user to run the cluster as';
  return undefined;
}

/** A suite title's tail saying why it is skipped (empty when it runs); the reason is also warned once per file. */
export function skipped(missing: string | undefined): string {
  if (!missing) return '';
  console.warn(`PostgreSQL store tests skipped: ${missing}`);
  return ` (skipped: ${missing})`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export class PgCluster {
  readonly dir: string;
  readonly port: number;
  readonly #data: string;
  readonly #asRoot: boolean;
  #running = false;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.#data = join(dir, 'data');
    this.#asRoot = process.getuid?.() === 0;
  }

  /** `postgresql://…` for the `postgres` database of this cluster. */
  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Creates and starts a cluster. */
  static async start(): Promise<PgCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'unitrack-pg-'));
    const cluster = new PgCluster(dir, await freePort());
    if (cluster.#asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chownSync(dir, uid, gid);
    }
    cluster.#run('initdb', ['-D', cluster.#data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    cluster.resume();
    return cluster;
  }

  /** Starts the (stopped) cluster again on the same port. */
  resume(): void {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
    this.#run('pg_ctl', ['-D', this.#data, '-o', options, '-l', join(this.dir, 'log'), '-w', '-t', '30', 'start']);
    this.#running = true;
  }

  /** Stops the cluster at once (connections are cut), keeping its data. */
  pause(): void {
    this.#run('pg_ctl', ['-D', this.#data, '-m', 'immediate', '-w', 'stop']);
    this.#running = false;
  }

  stop(): void {
    try {
      if (this.#running) this.pause();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  #run(tool: string, args: string[]): void {
    const command = join(BIN, tool);
    const r = this.#asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
      : spawnSync(command, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${tool} failed (${r.status}): ${r.stderr || r.stdout}`);
  }
}
