// The package as a user gets it: `npm pack` (prepack builds dist/), then `npm install` of the
// tarball into a fresh application directory. Packing and installing take seconds, so one test
// run does it once: the first test file that asks takes a lock, the others wait for its result.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPO = join(import.meta.dirname, '..', '..');
// Under `npm test` npm says where its CLI is; run it on this Node (the project's Node 24).
const NPM_CLI = process.env.npm_execpath;

/** Runs npm: the one that started the tests when there is one, else the one on PATH. */
export function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const [file, pre] = NPM_CLI && /npm-cli\.js$/.test(NPM_CLI) ? [process.execPath, [NPM_CLI]] : ['npm', []];
  return execFileSync(file, [...pre, ...args], {
    cwd,
    env: { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

export interface PackedApp {
  /** The application directory: `node_modules/unitrack` is the installed tarball. */
  dir: string;
  tarball: string;
}

/**
 * What the app has beside unitrack: Node's types for a TypeScript consumer, pino for the pino
 * example, the NodeSDK and http instrumentation for the README's instrumentation block.
 */
const APP_EXTRAS = ['@types/node@^24', 'pino@^10', '@opentelemetry/sdk-node@^0.301.0', '@opentelemetry/instrumentation-http@^0.301.0'];

/**
 * The packed tarball installed into a fresh app (ESM, `"type": "module"`) with APP_EXTRAS beside
 * it. One per vitest run (keyed by the vitest process).
 */
export async function packedApp(): Promise<PackedApp> {
  const dir = join(tmpdir(), `unitrack-packed-${process.ppid}`);
  const lock = `${dir}.lock`;
  const ready = join(dir, '.ready');
  for (;;) {
    if (existsSync(ready)) return JSON.parse(readFileSync(ready, 'utf8')) as PackedApp;
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is packing; a lock older than 5 minutes is from a run that died.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      await sleep(200);
    }
  }
  try {
    removeStale();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const out = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], REPO)) as { filename: string }[];
    const tarball = join(dir, out[0].filename);
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'packed-app', private: true, type: 'module' }, null, 2)}\n`);
    npm(['install', '--prefer-offline', '--no-package-lock', tarball, ...APP_EXTRAS], dir);
    const app: PackedApp = { dir, tarball };
    writeFileSync(ready, JSON.stringify(app));
    return app;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Apps left by earlier runs (their vitest process is gone). */
function removeStale(): void {
  for (const name of readdirSync(tmpdir())) {
    const m = /^unitrack-packed-(\d+)/.exec(name);
    if (!m || Number(m[1]) === process.ppid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/**
 * A Node of the given version, installed once per machine as the `node` package of that version
 * (the npm registry serves it); returns the path of its binary.
 */
export function nodeBinary(version: string): string {
  const dir = join(homedir(), '.cache', 'unitrack', `node-${version}`);
  const bin = join(dir, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
  npm(['install', '--prefer-offline', '--no-package-lock', `node@${version}`], dir);
  return bin;
}

/** The oldest Node that `engines.node` admits (`^24.15.0` → `24.15.0`). */
export function oldestAdmittedNode(): string {
  const range = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  const m = /^\^?(\d+\.\d+\.\d+)$/.exec(range.trim());
  if (!m) throw new Error(`engines.node "${range}" is not of the form ^X.Y.Z: teach oldestAdmittedNode() the new form`);
  return m[1];
}
