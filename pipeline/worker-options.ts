/**
 * Start-up options for unitrack's own worker threads. A Worker inherits the application's
 * `execArgv` and reads `NODE_OPTIONS` again, so `--import ./instrumentation.mjs` or `--require …`
 * would run the application's start-up (a second NodeSDK, tens of MB) inside every worker. A
 * worker keeps only the flags that decide how its module loads and what it may print. V8 flags
 * such as `--max-old-space-size` need not be passed: they are process-wide and hold in workers too.
 */

/** Flags kept as they are. */
const KEEP = new Set([
  // The checkout runs the worker's `.ts` source: it must load as the parent's modules do.
  '--experimental-strip-types',
  '--no-experimental-strip-types',
  '--experimental-transform-types',
  '--no-experimental-transform-types',
  '--experimental-sqlite',
  '--no-experimental-sqlite',
  // A worker warns no more than the application allowed.
  '--no-warnings',
  '--no-deprecation',
  '--enable-source-maps',
]);
/** Kept flags that may take their value as the next argument. */
const KEEP_WITH_VALUE = new Set(['--disable-warning']);

export interface WorkerStartOptions {
  execArgv: string[];
  /** The process environment without `NODE_OPTIONS` (its kept flags moved to `execArgv`). */
  env: Record<string, string>;
  resourceLimits: { maxYoungGenerationSizeMb: number };
}

/**
 * A worker's young generation, MB. V8 grows it to its maximum (64 MiB semi-spaces on Node 24)
 * under any sustained load, while unitrack's workers keep nothing between batches: a small one
 * costs a few more scavenges of short-lived objects. Only the old generation may need room.
 */
export const WORKER_YOUNG_GENERATION_MB = 8;

/** What to pass to `new Worker(…)` so that it starts with only the flags it needs. */
export function workerStartOptions(
  execArgv: readonly string[] = process.execArgv,
  env: NodeJS.ProcessEnv = process.env,
): WorkerStartOptions {
  const { NODE_OPTIONS, ...rest } = env;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) out[k] = v;
  return {
    execArgv: [...keptFlags(execArgv), ...keptFlags(splitNodeOptions(NODE_OPTIONS ?? ''))],
    env: out,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  };
}

/** The allowed flags of an argument list. An argument without a leading `-` is the previous flag's value. */
export function keptFlags(args: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const name = arg.split('=', 1)[0];
    if (KEEP.has(name)) kept.push(arg);
    else if (KEEP_WITH_VALUE.has(name)) {
      kept.push(arg);
      if (name === arg && i + 1 < args.length && !args[i + 1].startsWith('-')) kept.push(args[++i]);
    }
  }
  return kept;
}

/** `NODE_OPTIONS` split as Node splits it: on spaces, with double quotes grouping and `\` escaping inside them. */
export function splitNodeOptions(value: string): string[] {
  const args: string[] = [];
  let current: string | undefined;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    let c = value[i];
    if (c === '\\' && quoted && i + 1 < value.length) c = value[++i];
    else if (c === '"') {
      quoted = !quoted;
      current ??= '';
      continue;
    } else if (c === ' ' && !quoted) {
      if (current !== undefined) args.push(current);
      current = undefined;
      continue;
    }
    current = (current ?? '') + c;
  }
  if (current !== undefined) args.push(current);
  return args;
}
