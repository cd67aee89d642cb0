import { readFileSync } from 'node:fs';

/** One rule of a fixture: what the nodes at `path` must be (`a.b[].c`, `blocks[type=header].text`). */
interface Rule {
  path: string;
  required?: boolean;
  type?: 'string' | 'array' | 'object' | 'integer' | 'number' | 'boolean';
  keys?: string[];
  one_of?: string[];
  const?: unknown;
  enum?: unknown[];
  min_length?: number;
  max_length?: number;
  min_items?: number;
  max_items?: number;
  min?: number;
  max?: number;
  pattern?: string;
}

/** A service's documented shape and limits (test/webhook/fixtures/*.json). */
export interface Fixture {
  service: string;
  one_of?: string[];
  forbidden?: string[];
  forbidden_keys?: string[];
  max_bytes?: number;
  sums?: { paths: string[]; max: number }[];
  rules: Rule[];
}

export function loadFixture(name: 'slack' | 'discord' | 'teams'): Fixture {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Fixture;
}

type Node = { at: string; exists: boolean; value?: unknown };
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The nodes a path names; the last segment's absence is kept (for `required`), earlier ones drop out. */
export function select(root: unknown, path: string): Node[] {
  let nodes: Node[] = [{ at: '$', exists: true, value: root }];
  if (path === '') return nodes;
  for (const segment of path.split(/\.(?![^[]*\])/)) {
    const m = /^([^[]*)(?:\[(?:([^=\]]+)=([^\]]+))?\])?$/.exec(segment);
    if (!m) throw new Error(`bad path segment ${segment}`);
    const [, key, filterKey, filterValue] = m;
    const iterate = segment.includes('[');
    const next: Node[] = [];
    for (const n of nodes) {
      if (!n.exists || !isObject(n.value)) continue;
      const present = Object.hasOwn(n.value, key);
      const v = n.value[key];
      if (!iterate) {
        next.push({ at: `${n.at}.${key}`, exists: present, value: v });
        continue;
      }
      if (!Array.isArray(v)) continue;
      v.forEach((item, i) => {
        if (filterKey === undefined || (isObject(item) && String(item[filterKey]) === filterValue))
          next.push({ at: `${n.at}.${key}[${i}]`, exists: true, value: item });
      });
    }
    nodes = next;
  }
  return nodes;
}

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return v === null ? 'null' : typeof v;
}

function* strings(v: unknown, keys: string[] = []): Generator<string> {
  if (typeof v === 'string') yield v;
  else if (Array.isArray(v)) for (const x of v) yield* strings(x, keys);
  else if (isObject(v))
    for (const [k, x] of Object.entries(v)) {
      keys.push(k);
      yield* strings(x, keys);
    }
}

/** Every way `body` breaks the fixture's rules; [] when it keeps them all. */
export function violations(fixture: Fixture, body: string): string[] {
  const out: string[] = [];
  const root = JSON.parse(body) as unknown;
  if (fixture.max_bytes !== undefined && Buffer.byteLength(body) > fixture.max_bytes)
    out.push(`body is ${Buffer.byteLength(body)} bytes, over ${fixture.max_bytes}`);
  if (fixture.one_of && isObject(root) && !fixture.one_of.some((k) => Object.hasOwn(root, k)))
    out.push(`needs one of ${fixture.one_of.join(', ')}`);
  const keys: string[] = [];
  for (const s of strings(root, keys))
    for (const f of fixture.forbidden ?? []) if (s.includes(f)) out.push(`a text contains ${JSON.stringify(f)}: ${s.slice(0, 120)}`);
  for (const k of fixture.forbidden_keys ?? []) if (keys.includes(k)) out.push(`key ${k} is present`);
  for (const sum of fixture.sums ?? []) {
    let total = 0;
    for (const p of sum.paths) for (const n of select(root, p)) if (typeof n.value === 'string') total += n.value.length;
    if (total > sum.max) out.push(`${sum.paths.join(' + ')} is ${total} characters, over ${sum.max}`);
  }
  for (const rule of fixture.rules) {
    for (const n of select(root, rule.path)) {
      const at = n.at;
      if (!n.exists) {
        if (rule.required) out.push(`${at} is required`);
        continue;
      }
      const v = n.value;
      const t = typeOf(v);
      if (rule.type && !(t === rule.type || (rule.type === 'number' && t === 'integer'))) out.push(`${at} is ${t}, not ${rule.type}`);
      if (rule.const !== undefined && JSON.stringify(v) !== JSON.stringify(rule.const))
        out.push(`${at} is ${JSON.stringify(v)}, not ${JSON.stringify(rule.const)}`);
      if (rule.enum && !rule.enum.includes(v)) out.push(`${at} is ${JSON.stringify(v)}, not one of ${rule.enum.join(', ')}`);
      if (rule.keys && isObject(v))
        for (const k of Object.keys(v)) if (!rule.keys.includes(k)) out.push(`${at} has an undocumented key ${k}`);
      if (rule.one_of && isObject(v) && !rule.one_of.some((k) => Object.hasOwn(v, k)))
        out.push(`${at} needs one of ${rule.one_of.join(', ')}`);
      if (typeof v === 'string') {
        if (rule.min_length !== undefined && v.length < rule.min_length) out.push(`${at} is shorter than ${rule.min_length}`);
        if (rule.max_length !== undefined && v.length > rule.max_length)
          out.push(`${at} is ${v.length} characters, over ${rule.max_length}`);
        if (rule.pattern && !new RegExp(rule.pattern).test(v)) out.push(`${at} does not match ${rule.pattern}`);
      }
      if (Array.isArray(v)) {
        if (rule.min_items !== undefined && v.length < rule.min_items) out.push(`${at} has fewer than ${rule.min_items} items`);
        if (rule.max_items !== undefined && v.length > rule.max_items) out.push(`${at} has ${v.length} items, over ${rule.max_items}`);
      }
      if (typeof v === 'number') {
        if (rule.min !== undefined && v < rule.min) out.push(`${at} is under ${rule.min}`);
        if (rule.max !== undefined && v > rule.max) out.push(`${at} is over ${rule.max}`);
      }
    }
  }
  return out;
}
