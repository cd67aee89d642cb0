import { parse as parseYaml } from 'yaml';
import { ConfigError } from './config-error.ts';

/** Configs nest a handful of levels; deeper input, or an alias that contains itself, is refused. */
const MAX_DEPTH = 64;

const REFERENCE = /\$\$|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

/**
 * Expands `${env:NAME}` and `${env:NAME:-default}` in every string of a parsed config, as otelcol
 * does: `$$` is a literal `$`, an unset variable without a default is empty, and a value that is
 * one whole reference is read as YAML so that numbers and booleans keep their type.
 */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv = process.env, depth = 0): unknown {
  if (typeof value === 'string') return expandString(value, env);
  if (depth > MAX_DEPTH)
    throw new ConfigError([{ path: '', message: `the config nests deeper than ${MAX_DEPTH} levels (or an alias contains itself)` }]);
  if (Array.isArray(value)) return value.map((v) => expandEnv(v, env, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    // defineProperty: a `__proto__` key in YAML stays a plain key, never a prototype.
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k, { value: expandEnv(v, env, depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

function expandString(text: string, env: NodeJS.ProcessEnv): unknown {
  const whole = WHOLE.exec(text);
  if (whole) {
    const raw = env[whole[1]] || whole[2] || '';
    if (raw === '') return '';
    try {
      const parsed = parseYaml(raw);
      return typeof parsed === 'number' || typeof parsed === 'boolean' ? parsed : raw;
    } catch {
      return raw;
    }
  }
  return text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) =>
    match === '$$' ? '$' : env[name as string] || fallback || '',
  );
}
