import { parse as parseYaml } from 'yaml';
import { setOwn } from '../../model/own-key.ts';
import { ConfigError, joinPath } from './config-error.ts';

/** Configs nest a handful of levels; deeper input, or an alias that contains itself, is refused. */
const MAX_DEPTH = 64;

const REFERENCE = /\$\$|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

/** A `${env:NAME}` without a default whose variable is unset (or empty): it expanded to ''. */
export interface UnsetVariable {
  /** The YAML path of the value that holds the reference. */
  readonly path: string;
  readonly name: string;
}

/**
 * Expands `${env:NAME}` and `${env:NAME:-default}` in every string of a parsed config, as otelcol
 * does: `$$` is a literal `$`, an unset variable without a default is empty (and listed in
 * `unset`, so that it can be warned about, or named where a value is required), and a value that
 * is one whole reference is read as YAML so that numbers and booleans keep their type.
 * `${env:NAME:-}` is empty on purpose: an optional value, never warned about.
 */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv = process.env, unset: UnsetVariable[] = []): unknown {
  return expandValue(value, env, unset, [], 0);
}

function expandValue(value: unknown, env: NodeJS.ProcessEnv, unset: UnsetVariable[], path: PropertyKey[], depth: number): unknown {
  if (typeof value === 'string') return expandString(value, env, (name) => unset.push({ path: joinPath('', path), name }));
  if (depth > MAX_DEPTH)
    throw new ConfigError([{ path: '', message: `the config nests deeper than ${MAX_DEPTH} levels (or an alias contains itself)` }]);
  if (Array.isArray(value)) return value.map((v, i) => expandValue(v, env, unset, [...path, i], depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, expandValue(v, env, unset, [...path, k], depth + 1));
    return out;
  }
  return value;
}

function expandString(text: string, env: NodeJS.ProcessEnv, onUnset: (name: string) => void): unknown {
  const lookup = (name: string, fallback: string | undefined): string => {
    const v = env[name] || fallback;
    if (v !== undefined) return v;
    onUnset(name);
    return '';
  };
  const whole = WHOLE.exec(text);
  if (whole) {
    const raw = lookup(whole[1], whole[2]);
    if (raw === '') return '';
    try {
      const parsed = parseYaml(raw);
      return typeof parsed === 'number' || typeof parsed === 'boolean' ? parsed : raw;
    } catch {
      return raw;
    }
  }
  return text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) =>
    match === '$$' ? '$' : lookup(name as string, fallback),
  );
}
