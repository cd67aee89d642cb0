import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';

/** The repository root. */
export const repo = join(import.meta.dirname, '..', '..', '..');
const unitrackBin = join(repo, 'bin', 'unitrack.ts');

/** What `scripts/build-otelcol.sh` gave: the binary, a reason to skip (exit 2: no Go), or a build failure. */
export type OtelcolBuild = { bin: string } | { skip: string } | { error: string };

let build: OtelcolBuild | undefined;

/** Builds (or finds in the cache) the otelcol distribution; call it from `beforeAll`, it may take minutes once. */
export function otelcolBinary(): OtelcolBuild {
  if (build) return build;
  const r = spawnSync('bash', [join(repo, 'scripts', 'build-otelcol.sh')], { encoding: 'utf8', timeout: 1_150_000 });
  const stderr = (r.stderr ?? '').trim();
  const bin = (r.stdout ?? '').trim().split('\n').pop();
  if (r.status === 2) build = { skip: stderr || 'Go is not installed' };
  else if (r.status !== 0 || !bin) {
    build = { error: `scripts/build-otelcol.sh exited ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}:\n${stderr}` };
  } else build = { bin };
  return build;
}

/** True when Go is on this machine (the build script's exit 2 is decided by the same test). */
export function goAvailable(): boolean {
  const r = spawnSync('bash', ['-c', 'command -v go || test -x /usr/local/go/bin/go'], { encoding: 'utf8' });
  return r.status === 0;
}

/** A free loopback TCP port (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` every 50 ms until it returns true, or throws `describe()` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A child process with its output kept for failure messages. */
export class Child {
  readonly name: string;
  readonly process: ChildProcess;
  stdout = '';
  stderr = '';
  exitCode: number | null | undefined;
  readonly exited: Promise<void>;

  constructor(name: string, command: string, args: string[], env: Record<string, string> = {}, cwd = repo) {
    this.name = name;
    this.process = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout?.on('data', (c: Buffer) => {
      this.stdout += String(c);
    });
    this.process.stderr?.on('data', (c: Buffer) => {
      this.stderr += String(c);
    });
    this.exited = new Promise((resolve) => {
      this.process.once('error', (error) => {
        this.stderr += `\nspawn error: ${error.message}`;
        this.exitCode = null;
        resolve();
      });
      this.process.once('exit', (code) => {
        this.exitCode = code;
        resolve();
      });
    });
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The last part of stdout and stderr, for an assertion message. */
  output(max = 4000): string {
    const tail = (s: string) => (s.length > max ? `…${s.slice(-max)}` : s);
    return `--- ${this.name} (exit ${this.exitCode === undefined ? 'still running' : this.exitCode}) stderr:\n${tail(this.stderr)}\n--- stdout:\n${tail(this.stdout)}`;
  }

  /** Waits until the child accepts TCP connections on `port` (throws with its output if it dies). */
  async waitForPort(port: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      async () => {
        if (!this.running) throw new Error(`${this.name} exited before listening on ${port}\n${this.output()}`);
        return portOpen(port);
      },
      timeoutMs,
      () => `${this.name} never listened on ${port}\n${this.output()}`,
    );
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Every child and server a test file started, stopped together in `afterAll`. */
export class Processes {
  readonly #children: Child[] = [];
  readonly #servers: Server[] = [];

  add<T extends Child>(child: T): T {
    this.#children.push(child);
    return child;
  }

  addServer(server: Server): Server {
    this.#servers.push(server);
    return server;
  }

  /** Output of every child, for failure messages. */
  output(): string {
    return this.#children.map((c) => c.output()).join('\n');
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.#children.splice(0).map((c) => c.stop()));
    await Promise.all(
      this.#servers.splice(0).map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    );
  }
}

/**
 * Starts otelcol with `configPath`, plus a `yaml:` source that turns its own metrics off, so that
 * several collectors do not fight over the internal metrics port 8888.
 */
export function startOtelcol(bin: string, name: string, configPath: string, env: Record<string, string> = {}): Child {
  return new Child(name, bin, ['--config', `file:${configPath}`, '--config', 'yaml:service::telemetry::metrics::level: none'], env);
}

/** Runs `otelcol validate` on a config; never rejects. */
export function otelcolValidate(
  bin: string,
  configPath: string,
  env: Record<string, string> = {},
): { code: number | null; output: string } {
  const r = spawnSync(bin, ['validate', '--config', `file:${configPath}`], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** Writes `yaml` to `dir/name` and starts `unitrack collector --config` on it (Node 24 of this process). */
export function startUnitrack(name: string, dir: string, yaml: string, env: Record<string, string> = {}): Child {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, yaml);
  return new Child(name, process.execPath, [unitrackBin, 'collector', '--config', path], {
    UNITRACK_DATA_DIR: join(dir, `${name}-data`),
    ...env,
  });
}

/** Starts a Node script (TypeScript runs directly on Node 24) as a child process. */
export function startNode(name: string, script: string, env: Record<string, string> = {}): Child {
  return new Child(name, process.execPath, [script], env);
}

/** A received HTTP request, body read whole. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/**
 * A local HTTP server that keeps every request; `respond` decides the answer (default 200 `{}`),
 * and may be async to make a slow destination.
 */
export async function httpSink(
  processes: Processes,
  respond?: (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>,
): Promise<{ url: string; port: number; requests: ReceivedRequest[] }> {
  const requests: ReceivedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
    requests.push(received);
    if (respond) await respond(received, res);
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  processes.addServer(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, requests };
}

/** Log records of an otelcol `file` exporter (format json: one OTLP/JSON request per line). */
export interface OtlpJsonLogRecord {
  timeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  eventName?: string;
  body?: { stringValue?: string };
  attributes?: { key: string; value: { stringValue?: string; intValue?: string; boolValue?: boolean; doubleValue?: number } }[];
  traceId?: string;
  spanId?: string;
}

interface OtlpJsonLine {
  resourceLogs?: { scopeLogs?: { logRecords?: OtlpJsonLogRecord[] }[] }[];
}

/** Every log record in an otelcol file exporter's output (JSON lines of ExportLogsServiceRequest). */
export function otlpJsonRecords(text: string): OtlpJsonLogRecord[] {
  const out: OtlpJsonLogRecord[] = [];
  // A line still being written (no newline yet) is left for the next read.
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  for (const line of complete.split('\n')) {
    if (!line.trim()) continue;
    const parsed = JSON.parse(line) as OtlpJsonLine;
    for (const rl of parsed.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) out.push(...(sl.logRecords ?? []));
  }
  return out;
}

/** A string attribute of an OTLP/JSON log record. */
export function otlpAttr(record: OtlpJsonLogRecord, key: string): string | undefined {
  const v = record.attributes?.find((a) => a.key === key)?.value;
  if (!v) return undefined;
  return (
    v.stringValue ??
    v.intValue ??
    (v.boolValue !== undefined ? String(v.boolValue) : v.doubleValue !== undefined ? String(v.doubleValue) : undefined)
  );
}
