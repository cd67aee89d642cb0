import type { KeyClassifier } from './sensitive-keys.ts';

/** What a redaction found; the processor counts each kind. */
export const KINDS = ['key', 'bearer', 'jwt', 'card', 'email', 'query', 'key_value', 'provider_key', 'private_key'] as const;
export type Kind = (typeof KINDS)[number];

// One regex per kind of secret, each run only when a cheap test says it could match; numbered
// groups, since named ones double the cost of a replace in V8.
const PEM = String.raw`-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?-----END[A-Z ]*PRIVATE KEY-----`;
const JWT = String.raw`\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`;
/** 1 scheme, 2 credential. */
const BEARER = String.raw`\b(bearer|basic|digest)[ \t]+([A-Za-z0-9\-._~+/]{8,}=*)`;
const PROVIDER = String.raw`\b(?:(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}|xox[abprs]-[A-Za-z0-9-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9+/=]{16,})\b`;
/** 1 `?` or `&`, 2 name, 3 value. */
const QUERY = String.raw`([?&])([A-Za-z0-9_.\-]{1,64})=([^&#\s"'<>]+)`;
/**
 * 1 the key from its stem on, 2 separator, 3 value. It starts at the stem (cheap to find); the rest
 * of the key's name before it is read back from the text.
 */
const KV = String.raw`((?:pass|pwd|secret|token|auth|cookie|api[_-]?key|credential|session)[A-Za-z0-9_.\-]{0,40})("?\s*[=:]\s*)((?:(?:bearer|basic|digest)[ \t]+)?(?:"[^"\n]*"|'[^'\n]*'|[^\s,;&"']+))`;
const CARD = String.raw`\b[2-6](?:[ -]?\d){12,18}\b`;
const EMAIL = String.raw`\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b`;

/** Query parameters that carry secrets though their names do not say so to isSensitiveKey. */
const QUERY_NAMES = new Set(['key', 'sig', 'code', 'x-amz-signature', 'x-goog-signature']);

const STEMS = ['pass', 'pwd', 'secret', 'token', 'auth', 'cookie', 'apikey', 'api_key', 'api-key', 'credential', 'session'];
/** Thirteen digits, possibly grouped: the shortest card number. */
const DIGITS = /\d(?:[ -]?\d){12}/;

/**
 * A first look over the whole string: where none of these occur, no pattern can match, so most
 * strings (names, routes, IDs, plain messages) cost one scan.
 */
const TRIGGER =
  /bearer|basic|digest|eyJ|PRIVATE KEY|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abprs]-|[sr]k_(?:live|test)_|whsec_|[?&][^=&#\s]{1,64}=|pass|pwd|secret|token|auth|cookie|api[_-]?key|credential|session|\d(?:[ -]?\d){12}/i;

/** Attribute values repeat (components, routes, user IDs): strings found clean are remembered. */
const CLEAN_MAX_LENGTH = 256;
const CLEAN_MAX_ENTRIES = 8192;

interface Pass {
  readonly re: RegExp;
  /** A cheap test on the text and its lowercase form: false means the pattern cannot match. */
  readonly when: (text: string, lower: string) => boolean;
  // biome-ignore lint/suspicious/noExplicitAny: String.prototype.replace's callback arguments
  readonly replace: (match: string, ...args: any[]) => string;
}

const FILE_NAME = /\.[A-Za-z]{1,5}$/;
const DIGIT = /^\d/;

/** The Luhn checksum of a digit string. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** 13–19 digits, a card network's leading digit (2–6), and a valid Luhn checksum. */
export function isCardNumber(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && digits.charCodeAt(0) >= 50 && digits.charCodeAt(0) <= 54 && luhn(digits);
}

/** A credential after `Bearer`/`Basic`, not an English word ("Basic information"). */
function looksLikeCredential(s: string): boolean {
  return /[0-9+/=\-._~]|.[A-Z]/.test(s);
}

/** The key-name characters just before `offset` (at most 40): `client_` of `client_secret`. */
function namePrefix(text: string, offset: number): string {
  let i = offset;
  while (i > 0 && offset - i < 40 && NAME_CHAR.test(text[i - 1])) i--;
  return text.slice(i, offset);
}
const NAME_CHAR = /[A-Za-z0-9_.-]/;

/** Finds secrets inside strings and masks them. */
export class SecretScanner {
  readonly #mask: string;
  readonly #keys: KeyClassifier;
  readonly #passes: Pass[];
  readonly #emails: boolean;
  readonly #clean = new Set<string>();
  readonly #count: (kind: Kind) => void;

  constructor(options: { mask: string; emails: boolean; keys: KeyClassifier; count: (kind: Kind) => void }) {
    this.#mask = options.mask;
    this.#keys = options.keys;
    this.#count = options.count;
    const mask = this.#mask;
    const pass = (source: string, when: Pass['when'], replace: Pass['replace']): Pass => ({ re: new RegExp(source, 'gi'), when, replace });
    this.#passes = [
      pass(
        PEM,
        (t) => t.includes('PRIVATE KEY'),
        () => this.#hit('private_key', mask),
      ),
      pass(
        JWT,
        (t) => t.includes('eyJ'),
        () => this.#hit('jwt', mask),
      ),
      pass(
        PROVIDER,
        (t) => t.includes('_') || t.includes('AKIA') || t.includes('ASIA') || t.includes('xox'),
        () => this.#hit('provider_key', mask),
      ),
      // Before the key=value pass, which takes `Authorization: Bearer x` whole.
      pass(
        BEARER,
        (_t, l) => l.includes('bearer') || l.includes('basic') || l.includes('digest'),
        (m: string, scheme: string, cred: string) => (looksLikeCredential(cred) ? this.#hit('bearer', `${scheme} ${mask}`) : m),
      ),
      pass(
        QUERY,
        (t) => (t.includes('?') || t.includes('&')) && t.includes('='),
        (_m: string, p: string, name: string, value: string) =>
          this.#keys.classify(name) === 'mask' || QUERY_NAMES.has(name.toLowerCase())
            ? this.#hit('query', `${p}${name}=${mask}`)
            : `${p}${name}=${this.scan(value)}`,
      ),
      pass(
        KV,
        (t, l) => (t.includes('=') || t.includes(':')) && STEMS.some((s) => l.includes(s)),
        (_m: string, head: string, sep: string, value: string, offset: number, text: string) => {
          const name = namePrefix(text, offset) + head;
          // `auth.js:10:5` in a stack trace is a file and a line, not a key and a value.
          const fileLine = FILE_NAME.test(name) && DIGIT.test(value);
          if (fileLine || this.#keys.classify(name) !== 'mask') return `${head}${sep}${this.scan(value)}`;
          const q = value[0] === '"' || value[0] === "'" ? value[0] : '';
          return this.#hit('key_value', `${head}${sep}${q}${mask}${q}`);
        },
      ),
      pass(
        CARD,
        (t) => DIGITS.test(t),
        (m: string) => (isCardNumber(m.replace(/[ -]/g, '')) ? this.#hit('card', mask) : m),
      ),
    ];
    this.#emails = options.emails;
    if (options.emails)
      this.#passes.push(
        pass(
          EMAIL,
          (t) => t.includes('@'),
          () => this.#hit('email', mask),
        ),
      );
  }

  /**
   * The text with secrets masked; the same string when there were none. `remember`: whether a
   * clean text is worth caching (attribute values repeat; a message body seldom does, and a
   * lookup and insert for each would cost more than the scan they save).
   */
  scan(text: string, remember = true): string {
    if (text.length < 5) return text;
    const short = remember && text.length <= CLEAN_MAX_LENGTH;
    if (short && this.#clean.has(text)) return text;
    if (!TRIGGER.test(text) && !(this.#emails && text.includes('@'))) {
      if (short) this.#remember(text);
      return text;
    }
    let lower: string | undefined;
    let out = text;
    for (const p of this.#passes) {
      lower ??= out.toLowerCase();
      if (!p.when(out, lower)) continue;
      // test() is a fast path; replace() with a callback has a high fixed cost even without a match.
      p.re.lastIndex = 0;
      if (!p.re.test(out)) continue;
      const next = out.replace(p.re, p.replace);
      if (next !== out) {
        out = next;
        lower = undefined;
      }
    }
    if (out === text && short) this.#remember(text);
    return out;
  }

  #remember(text: string): void {
    if (this.#clean.size >= CLEAN_MAX_ENTRIES) this.#clean.clear();
    this.#clean.add(text);
  }

  #hit(kind: Kind, replacement: string): string {
    this.#count(kind);
    return replacement;
  }
}
