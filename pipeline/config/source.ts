import { readFileSync } from 'node:fs';
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from './config-error.ts';

/** A config read from YAML files, merged in order, that can point back at lines. */
export interface ConfigSource {
  readonly raw: unknown;
  /** `file:line:col` of a dotted path, looked up in the last file that sets it. */
  locate(path: string): string | undefined;
}

interface Parsed {
  name: string;
  doc: Document;
  lines: LineCounter;
}

/** Reads one or more YAML files (later ones override earlier ones, maps merged, lists replaced). */
export function readConfigFiles(files: readonly string[]): ConfigSource {
  const parsed: Parsed[] = [];
  const issues: ConfigIssue[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      issues.push({ path: '', message: `cannot read ${file}: ${(error as Error).message}` });
      continue;
    }
    const p = parseYamlText(text, file, issues);
    if (p) parsed.push(p);
  }
  if (issues.length) throw new ConfigError(issues);
  return fromParsed(parsed);
}

/** Parses YAML text held in memory (tests, `--config` given inline). */
export function parseConfigText(text: string, name = '<inline>'): ConfigSource {
  const issues: ConfigIssue[] = [];
  const p = parseYamlText(text, name, issues);
  if (!p) throw new ConfigError(issues);
  return fromParsed([p]);
}

/** A config given as a plain object. */
export function objectSource(raw: unknown): ConfigSource {
  return { raw, locate: () => undefined };
}

function parseYamlText(text: string, name: string, issues: ConfigIssue[]): Parsed | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    for (const e of doc.errors) {
      const pos = lines.linePos(e.pos[0]);
      issues.push({ path: '', message: e.message.split('\n')[0], location: `${name}:${pos.line}:${pos.col}` });
    }
    return undefined;
  }
  return { name, doc, lines };
}

function fromParsed(parsed: Parsed[]): ConfigSource {
  let raw: unknown = {};
  for (const p of parsed) {
    let value: unknown;
    try {
      value = p.doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // Unresolved or runaway aliases surface here, not as parse errors.
      throw new ConfigError([{ path: '', message: (error as Error).message, location: p.name }]);
    }
    raw = merge(raw, value ?? {});
  }
  return {
    raw,
    locate(path) {
      const segments = splitPath(path);
      for (let i = parsed.length - 1; i >= 0; i--) {
        const node = nodeAt(parsed[i].doc, segments);
        if (node) {
          const pos = parsed[i].lines.linePos(node);
          return `${parsed[i].name}:${pos.line}:${pos.col}`;
        }
      }
      return undefined;
    },
  };
}

function merge(base: unknown, over: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
  }
  return over;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  // Component and pipeline ids contain '/', never '.', so a dot always separates segments.
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

function nodeAt(doc: Document, segments: (string | number)[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(seg));
      if (!pair) return offset;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0] ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}
