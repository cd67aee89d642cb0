import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { type BoolNode, type CompareOp, OttlError, parseCondition, statementCondition, type ValueNode, valueText } from './ottl-parser.ts';

/** Which record a table entry's condition sees: the resource only, or the whole log record. */
export type RoutingContext = 'resource' | 'log';

export type Predicate = (record: ReadableLogRecord) => boolean;
type Getter = (record: ReadableLogRecord) => unknown;

/** IsMatch looks at no more than this much of its input: a regex cannot be fed megabytes. */
export const MAX_MATCH_INPUT = 16_384;

/** OpenTelemetry's severity numbers, as OTTL names them. */
export const SEVERITY_ENUMS: Readonly<Record<string, number>> = (() => {
  const out: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
  ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((name, i) => {
    out[`SEVERITY_NUMBER_${name}`] = i * 4 + 1;
    for (let k = 2; k <= 4; k++) out[`SEVERITY_NUMBER_${name}${k}`] = i * 4 + k;
  });
  return out;
})();

const LOG_PATHS =
  'severity_number, severity_text, body, event_name, attributes["…"], resource.attributes["…"], trace_id, span_id, instrumentation_scope.name';

/** Parses and compiles a condition into a predicate; throws OttlError for anything it cannot run. */
export function compileCondition(text: string, context: RoutingContext): Predicate {
  return compileBool(parseCondition(text), context);
}

/** Compiles a routing `statement`: `route()` (always) or `route() where <condition>`. */
export function compileStatement(text: string, context: RoutingContext): Predicate {
  const { condition, offset } = statementCondition(text);
  if (condition === undefined) return () => true;
  try {
    return compileCondition(condition, context);
  } catch (error) {
    if (error instanceof OttlError && error.column > 0)
      throw new OttlError(error.message.replace(/ \(at column \d+\)$/, ''), error.column + offset);
    throw error;
  }
}

function compileBool(node: BoolNode, context: RoutingContext): Predicate {
  switch (node.kind) {
    case 'or': {
      const a = compileBool(node.left, context);
      const b = compileBool(node.right, context);
      return (r) => a(r) || b(r);
    }
    case 'and': {
      const a = compileBool(node.left, context);
      const b = compileBool(node.right, context);
      return (r) => a(r) && b(r);
    }
    case 'not': {
      const a = compileBool(node.operand, context);
      return (r) => !a(r);
    }
    case 'compare': {
      const left = compileValue(node.left, context);
      const right = compileValue(node.right, context);
      const op = node.op;
      return (r) => compare(left(r), right(r), op);
    }
    case 'value': {
      const v = node.value;
      if (v.kind === 'literal') {
        const b = v.value === true;
        return () => b;
      }
      const get = compileValue(v, context);
      return (r) => get(r) === true;
    }
  }
}

function compileValue(node: ValueNode, context: RoutingContext): Getter {
  switch (node.kind) {
    case 'literal': {
      const value = node.value;
      return () => value;
    }
    case 'enum': {
      const n = SEVERITY_ENUMS[node.name];
      if (n === undefined)
        throw new OttlError(
          `unknown enum "${node.name}" (known: SEVERITY_NUMBER_TRACE … SEVERITY_NUMBER_FATAL4, SEVERITY_NUMBER_UNSPECIFIED)`,
          node.pos,
        );
      return () => n;
    }
    case 'path':
      return compilePath(node, context);
    case 'call':
      return compileCall(node, context);
  }
}

function compilePath(node: Extract<ValueNode, { kind: 'path' }>, context: RoutingContext): Getter {
  let parts = node.parts;
  const keys = node.keys;
  const name = parts.join('.');
  if (context === 'log' && parts[0] === 'log' && parts.length > 1) parts = parts.slice(1);
  const whole = parts.join('.');

  let base: Getter | undefined;
  let indexable = false;
  if (whole === 'resource.attributes' || (context === 'resource' && whole === 'attributes')) {
    base = (r) => r.resource.attributes;
    indexable = true;
  } else if (context === 'resource') {
    throw new OttlError(
      `"${name}" is not available in the resource context, which sees only the resource's attributes (resource.attributes["…"]); set "context: log" on this entry to route on log fields`,
      node.pos,
    );
  } else {
    switch (whole) {
      case 'attributes':
        base = (r) => r.attributes;
        indexable = true;
        break;
      case 'body':
        base = (r) => r.body;
        indexable = true;
        break;
      case 'severity_number':
        base = (r) => r.severityNumber ?? 0;
        break;
      case 'severity_text':
        base = (r) => r.severityText ?? '';
        break;
      case 'event_name':
        base = (r) => r.eventName ?? '';
        break;
      case 'trace_id':
      case 'trace_id.string':
        base = (r) => r.spanContext?.traceId ?? '';
        break;
      case 'span_id':
      case 'span_id.string':
        base = (r) => r.spanContext?.spanId ?? '';
        break;
      case 'instrumentation_scope.name':
        base = (r) => r.instrumentationScope.name;
        break;
      case 'instrumentation_scope.version':
        base = (r) => r.instrumentationScope.version ?? '';
        break;
      default:
        throw new OttlError(`unknown path "${name}" (log context paths: ${LOG_PATHS})`, node.pos);
    }
  }
  if (keys.length === 0) return base;
  if (!indexable) throw new OttlError(`"${name}" cannot be indexed with [ ]`, node.pos);
  const get = base;
  if (keys.length === 1) {
    const k = keys[0];
    return (r) => index(get(r), k);
  }
  return (r) => {
    let v = get(r);
    for (const k of keys) v = index(v, k);
    return v;
  };
}

function index(v: unknown, k: string | number): unknown {
  if (v === null || v === undefined || typeof v !== 'object' || v instanceof Uint8Array) return null;
  if (Array.isArray(v)) return typeof k === 'number' ? (v[k] ?? null) : null;
  if (typeof k !== 'string' || !Object.hasOwn(v, k)) return null;
  return (v as Record<string, unknown>)[k] ?? null;
}

function compileCall(node: Extract<ValueNode, { kind: 'call' }>, context: RoutingContext): Getter {
  if (node.name !== 'IsMatch') throw new OttlError(`unknown function "${node.name}" (supported: IsMatch)`, node.pos);
  if (node.args.length !== 2) throw new OttlError(`IsMatch takes 2 arguments (target, "regex"), got ${node.args.length}`, node.pos);
  const pattern = node.args[1];
  if (pattern.kind !== 'literal' || typeof pattern.value !== 'string')
    throw new OttlError(`IsMatch's pattern must be a string literal, not ${valueText(pattern)}`, pattern.pos);
  const re = compileRegex(pattern.value, pattern.pos);
  const target = compileValue(node.args[0], context);
  return (r) => {
    const s = stringLike(target(r));
    if (s === undefined) return false;
    return re.test(s.length > MAX_MATCH_INPUT ? s.slice(0, MAX_MATCH_INPUT) : s);
  };
}

/** An RE2-style pattern as a JS RegExp; leading flag groups such as `(?i)` become flags. */
function compileRegex(pattern: string, pos: number): RegExp {
  let source = pattern;
  let flags = '';
  const m = /^\(\?([imsU]+)\)/.exec(source);
  if (m) {
    for (const f of m[1]) if (f !== 'U' && !flags.includes(f)) flags += f;
    source = source.slice(m[0].length);
  }
  if (/\\[1-9]/.test(source)) throw new OttlError('IsMatch: backreferences are not supported (OTTL patterns are RE2)', pos);
  if (hasNestedQuantifier(source)) {
    // OTTL's RE2 runs any pattern in linear time; JavaScript backtracks, and a quantified group that
    // itself repeats, such as (a+)+, can take exponential time on a short input.
    throw new OttlError(
      'IsMatch: a repeated group that itself repeats, such as (a+)+, can backtrack catastrophically; rewrite it without the nesting',
      pos,
    );
  }
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new OttlError(`IsMatch: invalid regular expression: ${(error as Error).message}`, pos);
  }
}

/** True when a group containing a quantifier is itself quantified without an upper bound of 1. */
export function hasNestedQuantifier(source: string): boolean {
  const stack: boolean[] = [];
  let inner = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') {
      // Skip a character class: quantifier characters inside it are literals.
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') {
        if (source[i] === '\\') i++;
        i++;
      }
      continue;
    }
    if (c === '(') {
      stack.push(inner);
      inner = false;
      continue;
    }
    const repeats = c === '*' || c === '+' || (c === '{' && /^\{\d*,\d*\}|^\{\d{2,}\}|^\{[2-9]\}/.test(source.slice(i)));
    if (c === ')') {
      const groupRepeats = inner;
      inner = stack.pop() ?? false;
      const next = source[i + 1];
      const quantified = next === '*' || next === '+' || (next === '{' && /^\{\d*,\d*\}|^\{\d{2,}\}|^\{[2-9]\}/.test(source.slice(i + 1)));
      if (groupRepeats && quantified) return true;
      if (groupRepeats) inner = true;
      continue;
    }
    if (repeats) inner = true;
  }
  return false;
}

/** OTTL's string-like conversion: strings as they are, numbers and booleans printed, maps and lists as JSON; nil is no match. */
function stringLike(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  try {
    return JSON.stringify(v);
  } catch {
    return undefined;
  }
}

/**
 * OTTL comparison rules: nil equals only nil; numbers compare numerically (ints and floats mix),
 * strings lexically, booleans and other values only for equality; values of different types are
 * never equal and never ordered.
 */
export function compare(a: unknown, b: unknown, op: CompareOp): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (typeof a === 'bigint') a = Number(a);
  if (typeof b === 'bigint') b = Number(b);
  let order: number | undefined;
  let equal: boolean;
  if (a === null || b === null) equal = a === b;
  else if (typeof a === 'number' && typeof b === 'number') {
    equal = a === b;
    order = a < b ? -1 : a > b ? 1 : 0;
  } else if (typeof a === 'string' && typeof b === 'string') {
    equal = a === b;
    order = a < b ? -1 : a > b ? 1 : 0;
  } else if (typeof a !== typeof b) equal = false;
  else if (typeof a === 'object') equal = deepEqual(a, b);
  else equal = a === b;
  switch (op) {
    case '==':
      return equal;
    case '!=':
      return !equal;
    case '<':
      return order !== undefined && order < 0;
    case '<=':
      return order !== undefined && order <= 0;
    case '>':
      return order !== undefined && order > 0;
    case '>=':
      return order !== undefined && order >= 0;
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
  }
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}
