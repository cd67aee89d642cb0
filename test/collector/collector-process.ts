import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

export const repo = join(import.meta.dirname, '..', '..');
export const bin = join(repo, 'bin', 'unitrack.ts');
export const READY = 'Everything is ready';

/** A process under test, with what it printed so far and its exit. */
export interface Proc {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

export function startProcess(command: string, args: string[], options: SpawnOptions = {}): Proc {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c;
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** `unitrack collector --config FILE` run as an operator runs it: the bin on the project's Node. */
export function startCollector(config: string, options: SpawnOptions = {}): Proc {
  return startProcess(process.execPath, [bin, 'collector', '--config', config], {
    ...options,
    env: { ...process.env, UNITRACK_WEBHOOK_URL: '', ...options.env },
  });
}

/** Resolves once stderr holds the ready line; rejects with the output if the process exits first. */
export async function ready(p: Proc): Promise<void> {
  for (;;) {
    if (p.stderr().includes(READY)) return;
    if (p.child.exitCode !== null || p.child.signalCode !== null)
      throw new Error(`exited (${p.child.exitCode ?? p.child.signalCode}) before it was ready:\n${p.stderr()}\n${p.stdout()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The start-up block's rows: label → values (a label such as `config` may have several rows). */
export function startUpRows(stderr: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  const block = stderr.slice(stderr.indexOf('unitrack '), stderr.indexOf(READY));
  let last = '';
  for (const line of block.split('\n')) {
    if (!line.startsWith('  ')) continue;
    const rest = line.slice(2);
    // A row without a label continues the one above (several config files).
    const m = rest.startsWith(' ') ? ['', last, rest.trim()] : /^(.+?) {2,}(\S.*)$/.exec(rest);
    if (!m) continue;
    last = m[1];
    rows.set(m[1], [...(rows.get(m[1]) ?? []), m[2]]);
  }
  return rows;
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Holds a port, as another program would. */
export async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, server };
}

/** True when the port can be bound again (nothing holds it any more). */
export async function canBind(port: number): Promise<boolean> {
  const s = createServer();
  try {
    s.listen(port, '127.0.0.1');
    await once(s, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    if (s.listening) await new Promise((r) => s.close(r));
  }
}
