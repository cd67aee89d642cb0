import { parse as parseYaml } from 'yaml';

const REFERENCE = /\$\$|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

/**
 * Expands `${env:NAME}` and `${env:NAME:-default}` in every string of a parsed config, as otelcol
 * does: `$$` is a literal `$`, an unset variable without a default is empty, and a value that is
 * one whole reference is read as YAML so that numbers and booleans keep their type.
 */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv = process.env): unknown {
  if (typeof value === 'string') return expandString(value, env);
  if (Array.isArray(value)) return value.map((v) => expandEnv(v, env));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, env);
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
