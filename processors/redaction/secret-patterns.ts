import type { KeyClassifier } from './sensitive-keys.ts';

/** What a redaction found; the processor counts each kind. */
export const KINDS = ['key', 'bearer', 'jwt', 'card', 'email', 'query', 'key_value', 'provider_key', 'private_key'] as const;
export type Kind = (typeof KINDS)[number];

// One pass of one regex per string: the branches are alternatives of a single pattern, so a string
// without secrets costs one scan. Group names say which branch matched.
const PEM = String.raw`(?<pem>-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?-----END[A-Z ]*PRIVATE KEY-----)`;
const JWT = String.raw`(?<jwt>\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)`;
const BEARER = String.raw`\b(?<scheme>bearer|basic|digest)[ \t]+(?<cred>[A-Za-z0-9\-._~+/]{8,}=*)`;
const PROVIDER = String.raw`(?<provider>\b(?:(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}|xox[abprs]-[A-Za-z0-9-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9+/=]{16,})\b)`;
const QUERY = String.raw`(?<qp>[?&])(?<qname>[A-Za-z0-9_.\-]{1,64})=(?<qvalue>[^&#\s"'<>]+)`;
const KV = String.raw`\b(?<kname>[A-Za-z0-9_.\-]{0,40}(?:pass|pwd|secret|token|auth|cookie|api[_-]?key|credential|session)[A-Za-z0-9_.\-]{0,40})(?<ksep>"?\s*[=:]\s*)(?<kvalue>(?:(?:bearer|basic|digest)[ \t]+)?(?:"[^"\n]*"|'[^'\n]*'|[^\s,;&"']+))`;
const CARD = String.raw`(?<card>\b[2-6](?:[ -]?\d){12,18}\b)`;
const EMAIL = String.raw`(?<email>\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b)`;

/** Query parameters that carry secrets though their names do not say so to isSensitiveKey. */
const QUERY_NAMES = new Set(['key', 'sig', 'code', 'x-amz-signature', 'x-goog-signature']);

const FILE_NAME = /\.[A-Za-z]{1,5}$/;
const DIGIT = /^\d/;

interface Groups {
  pem?: string;
  jwt?: string;
  scheme?: string;
  cred?: string;
  provider?: string;
  qp?: string;
  qname?: string;
  qvalue?: string;
  kname?: string;
  ksep?: string;
  kvalue?: string;
  card?: string;
  email?: string;
}

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

/** Finds secrets inside strings and masks them. */
export class SecretScanner {
  readonly #mask: string;
  readonly #keys: KeyClassifier;
  readonly #re: RegExp;
  readonly #count: (kind: Kind) => void;

  constructor(options: { mask: string; emails: boolean; keys: KeyClassifier; count: (kind: Kind) => void }) {
    this.#mask = options.mask;
    this.#keys = options.keys;
    this.#count = options.count;
    const branches = [PEM, JWT, BEARER, PROVIDER, QUERY, KV, CARD];
    if (options.emails) branches.push(EMAIL);
    this.#re = new RegExp(branches.join('|'), 'gi');
  }

  /** The text with secrets masked; the same string when there were none. */
  scan(text: string): string {
    if (text.length < 5) return text;
    return text.replace(this.#re, this.#replace);
  }

  readonly #replace = (match: string, ...args: unknown[]): string => {
    const g = args[args.length - 1] as Groups;
    const mask = this.#mask;
    if (g.pem !== undefined) return this.#hit('private_key', mask);
    if (g.jwt !== undefined) return this.#hit('jwt', mask);
    if (g.cred !== undefined) return looksLikeCredential(g.cred) ? this.#hit('bearer', `${g.scheme} ${mask}`) : match;
    if (g.provider !== undefined) return this.#hit('provider_key', mask);
    if (g.qname !== undefined) {
      const name = g.qname;
      if (this.#keys.classify(name) === 'mask' || QUERY_NAMES.has(name.toLowerCase())) return this.#hit('query', `${g.qp}${name}=${mask}`);
      return `${g.qp}${name}=${this.scan(g.qvalue as string)}`;
    }
    if (g.kname !== undefined) {
      const value = g.kvalue as string;
      // `auth.js:10:5` in a stack trace is a file and a line, not a key and a value.
      const fileLine = FILE_NAME.test(g.kname) && DIGIT.test(value);
      if (fileLine || this.#keys.classify(g.kname) !== 'mask') return `${g.kname}${g.ksep}${this.scan(value)}`;
      const q = value[0] === '"' || value[0] === "'" ? value[0] : '';
      return this.#hit('key_value', `${g.kname}${g.ksep}${q}${mask}${q}`);
    }
    if (g.card !== undefined) return isCardNumber(g.card.replace(/[ -]/g, '')) ? this.#hit('card', mask) : match;
    if (g.email !== undefined) return this.#hit('email', mask);
    return match;
  };

  #hit(kind: Kind, replacement: string): string {
    this.#count(kind);
    return replacement;
  }
}
