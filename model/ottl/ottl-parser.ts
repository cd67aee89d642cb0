/**
 * The lexer and parser of the OTTL subset used to route logs: boolean conditions over paths
 * (`severity_number`, `attributes["k"]`, `resource.attributes["k"]`, …), literals, `SEVERITY_NUMBER_*`
 * enums, comparisons, `and`/`or`/`not`, parentheses and converter calls such as `IsMatch`.
 * Grammar (as OTTL's): or := and ("or" and)* ; and := term ("and" term)* ;
 * term := "not" term | "(" or ")" | value (op value)? — a bare value must be boolean.
 */

export class OttlError extends Error {
  /** 1-based column in the condition text. */
  readonly column: number;

  constructor(message: string, column: number) {
    super(column > 0 ? `${message} (at column ${column})` : message);
    this.name = 'OttlError';
    this.column = column;
  }
}

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type Literal = string | number | boolean | null;

export type ValueNode =
  | { readonly kind: 'literal'; readonly value: Literal; readonly pos: number }
  | { readonly kind: 'enum'; readonly name: string; readonly pos: number }
  /** `resource.attributes["k"]` → parts ["resource", "attributes"], keys ["k"]. */
  | { readonly kind: 'path'; readonly parts: readonly string[]; readonly keys: readonly (string | number)[]; readonly pos: number }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly ValueNode[]; readonly pos: number };

export type BoolNode =
  | { readonly kind: 'or' | 'and'; readonly left: BoolNode; readonly right: BoolNode }
  | { readonly kind: 'not'; readonly operand: BoolNode }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: ValueNode; readonly right: ValueNode; readonly pos: number }
  /** A value used as a condition on its own: a boolean literal or a converter call. */
  | { readonly kind: 'value'; readonly value: ValueNode };

type TokenType = 'ident' | 'string' | 'number' | 'op' | '(' | ')' | '[' | ']' | ',' | '.' | 'eof';

interface Token {
  readonly type: TokenType;
  readonly text: string;
  /** 1-based column. */
  readonly pos: number;
  /** The decoded value of string and number tokens. */
  readonly value?: string | number;
}

/** Conditions are short; a bound keeps hostile configs from costing much. */
const MAX_LENGTH = 8192;

export function tokenize(text: string): Token[] {
  if (text.length > MAX_LENGTH) throw new OttlError(`a condition is limited to ${MAX_LENGTH} characters`, 0);
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const pos = i + 1;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_]/.test(text[j])) j++;
      tokens.push({ type: 'ident', text: text.slice(i, j), pos });
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= text.length) throw new OttlError('unterminated string', pos);
        const d = text[j];
        if (d === '"') break;
        if (d === '\\') {
          const e = text[j + 1];
          if (e === undefined) throw new OttlError('unterminated string', pos);
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
          j += 2;
        } else {
          value += d;
          j++;
        }
      }
      tokens.push({ type: 'string', text: text.slice(i, j + 1), pos, value });
      i = j + 1;
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? '') && !endsValue(tokens))) {
      const m = /^-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i)) as RegExpExecArray;
      if (m[0].includes('x'))
        throw new OttlError(
          'bytes literals are not supported; compare trace_id and span_id with hex strings, e.g. trace_id == "4bf9…"',
          pos,
        );
      tokens.push({ type: 'number', text: m[0], pos, value: Number(m[0]) });
      i += m[0].length;
    } else if (c === '=' || c === '!' || c === '<' || c === '>') {
      const two = text.slice(i, i + 2);
      if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
        tokens.push({ type: 'op', text: two, pos });
        i += 2;
      } else if (c === '<' || c === '>') {
        tokens.push({ type: 'op', text: c, pos });
        i++;
      } else throw new OttlError(c === '=' ? 'unexpected "=" (compare with "==")' : `unexpected "${c}"`, pos);
    } else if (c === '(' || c === ')' || c === '[' || c === ']' || c === ',' || c === '.') {
      tokens.push({ type: c, text: c, pos });
      i++;
    } else if (c === "'") {
      throw new OttlError('strings take double quotes in OTTL', pos);
    } else {
      throw new OttlError(`unexpected character "${c}"`, pos);
    }
  }
  tokens.push({ type: 'eof', text: 'end of condition', pos: text.length + 1 });
  return tokens;
}

/** A '-' after a value is an operator (not supported), not a sign. */
function endsValue(tokens: Token[]): boolean {
  const last = tokens[tokens.length - 1];
  return (
    last !== undefined &&
    (last.type === 'ident' || last.type === 'number' || last.type === 'string' || last.type === ')' || last.type === ']')
  );
}

const KEYWORDS = new Set(['and', 'or', 'not', 'true', 'false', 'nil']);
const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>=']);

/** Parses a boolean condition into a syntax tree; throws OttlError with the column. */
export function parseCondition(text: string): BoolNode {
  const tokens = tokenize(text);
  if (tokens.length === 1) throw new OttlError('the condition is empty', 0);
  let at = 0;
  const peek = (): Token => tokens[at];
  const next = (): Token => tokens[at++];
  const isWord = (t: Token, w: string): boolean => t.type === 'ident' && t.text === w;
  const describe = (t: Token): string => (t.type === 'eof' ? 'end of condition' : `"${t.text}"`);
  const expect = (type: TokenType, what: string): Token => {
    const t = next();
    if (t.type !== type) throw new OttlError(`expected ${what}, found ${describe(t)}`, t.pos);
    return t;
  };

  const parseOr = (): BoolNode => {
    let left = parseAnd();
    while (isWord(peek(), 'or')) {
      next();
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): BoolNode => {
    let left = parseTerm();
    while (isWord(peek(), 'and')) {
      next();
      left = { kind: 'and', left, right: parseTerm() };
    }
    return left;
  };
  const parseTerm = (): BoolNode => {
    const t = peek();
    if (isWord(t, 'not')) {
      next();
      return { kind: 'not', operand: parseTerm() };
    }
    if (t.type === '(') {
      next();
      const inner = parseOr();
      expect(')', '")"');
      return inner;
    }
    const left = parseValue();
    const op = peek();
    if (op.type === 'op' && COMPARE.has(op.text)) {
      next();
      return { kind: 'compare', op: op.text as CompareOp, left, right: parseValue(), pos: op.pos };
    }
    if ((left.kind === 'literal' && typeof left.value === 'boolean') || left.kind === 'call') return { kind: 'value', value: left };
    throw new OttlError(`expected a comparison operator (==, !=, <, <=, >, >=) after ${valueText(left)}, found ${describe(op)}`, op.pos);
  };
  const parseValue = (): ValueNode => {
    const t = next();
    if (t.type === 'string') return { kind: 'literal', value: t.value as string, pos: t.pos };
    if (t.type === 'number') return { kind: 'literal', value: t.value as number, pos: t.pos };
    if (t.type !== 'ident') throw new OttlError(`expected a value, path or function, found ${describe(t)}`, t.pos);
    if (t.text === 'true' || t.text === 'false') return { kind: 'literal', value: t.text === 'true', pos: t.pos };
    if (t.text === 'nil') return { kind: 'literal', value: null, pos: t.pos };
    if (KEYWORDS.has(t.text)) throw new OttlError(`expected a value, found "${t.text}"`, t.pos);
    if (peek().type === '(') {
      next();
      const args: ValueNode[] = [];
      if (peek().type !== ')') {
        args.push(parseValue());
        while (peek().type === ',') {
          next();
          args.push(parseValue());
        }
      }
      expect(')', '")" or "," in the argument list');
      return { kind: 'call', name: t.text, args, pos: t.pos };
    }
    if (/^[A-Z][A-Z0-9_]*$/.test(t.text)) return { kind: 'enum', name: t.text, pos: t.pos };
    const parts = [t.text];
    while (peek().type === '.') {
      next();
      parts.push(expect('ident', 'a path segment after "."').text);
    }
    const keys: (string | number)[] = [];
    while (peek().type === '[') {
      next();
      const k = next();
      if (k.type !== 'string' && !(k.type === 'number' && Number.isInteger(k.value)))
        throw new OttlError(`expected a string key or an index inside [ ], found ${describe(k)}`, k.pos);
      keys.push(k.value as string | number);
      expect(']', '"]"');
    }
    return { kind: 'path', parts, keys, pos: t.pos };
  };

  const tree = parseOr();
  const rest = peek();
  if (rest.type !== 'eof') throw new OttlError(`unexpected ${describe(rest)} (join conditions with "and" or "or")`, rest.pos);
  return tree;
}

/** How a value reads in an error message. */
export function valueText(v: ValueNode): string {
  switch (v.kind) {
    case 'literal':
      return v.value === null ? 'nil' : JSON.stringify(v.value);
    case 'enum':
      return v.name;
    case 'call':
      return `${v.name}(…)`;
    case 'path':
      return v.parts.join('.') + v.keys.map((k) => `[${JSON.stringify(k)}]`).join('');
  }
}

const STATEMENT = /^\s*route\s*\(\s*\)\s*(?:where\s+([\s\S]*))?$/;

/**
 * The condition of a routing `statement` (`route() where <condition>`); undefined for a bare
 * `route()`, which matches everything.
 */
export function statementCondition(statement: string): { condition: string | undefined; offset: number } {
  const m = STATEMENT.exec(statement);
  if (!m) throw new OttlError('a routing statement is "route()" or "route() where <condition>"', 1);
  return { condition: m[1], offset: m[1] === undefined ? 0 : statement.length - m[1].length };
}
