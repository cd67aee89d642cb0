/**
 * Runs bench/lib/app.mjs, a small application in plain JavaScript, in a fresh process against the
 * package as built (`npm run build` into bench/.build/, rebuilt when a source is newer): RSS as an
 * application that installed unitrack sees it, with nothing of the benchmark harness loaded.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { fileURLToPath } from 'node:url';

const APP = fileURLToPath(new URL('./app.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = `${ROOT}bench/.build`;
/** The CLI as installed (`node_modules/.bin/unitrack` runs this file). */
export const BUILT_BIN = `${OUT}/bin/unitrack.js`;
const BUILT = `${OUT}/sdk/index.js`;
const SOURCES = ['model', 'pipeline', 'receivers', 'processors', 'connectors', 'exporters', 'sdk', 'cli', 'bin', 'collector-config'];

/** The newest modification time among the package's sources (ms). */
function newestSource(): number {
  let newest = 0;
  for (const dir of SOURCES)
    for (const f of readdirSync(`${ROOT}${dir}`, { recursive: true, withFileTypes: true }))
      if (f.isFile()) newest = Math.max(newest, statSync(`${f.parentPath}/${f.name}`).mtimeMs);
  return newest;
}

/** The package, and the benchmark's events (events.ts as JavaScript: the app strips no types), built when stale. */
export function ensureBuilt(): void {
  if (!existsSync(BUILT) || statSync(BUILT).mtimeMs < newestSource())
    execFileSync(process.execPath, [`${ROOT}scripts/build.ts`, '--out', OUT], { cwd: ROOT, stdio: 'ignore' });
  const events = fileURLToPath(new URL('./events.ts', import.meta.url));
  writeFileSync(`${OUT}/bench-events.js`, stripTypeScriptTypes(readFileSync(events, 'utf8')));
}

/** Runs the application once with `args`; its last stdout line is its JSON result. */
export function runApp(args: string[], tmpDir: string, timeoutMs = 900_000): Promise<Record<string, number>> {
  ensureBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [APP, ...args], {
      cwd: tmpDir,
      // Nothing of the caller's: no --import, no inherited diag level; a free dashboard port, files in tmpDir.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, UNITRACK_DATA_DIR: tmpDir, UNITRACK_DASHBOARD_ENDPOINT: '127.0.0.1:0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`app ${args.join(' ')} exited ${code}: ${err.trim().slice(-300)}`));
      }
    });
  });
}
