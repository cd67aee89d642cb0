/**
 * Which attribute (and map) keys name secrets. A key is split into words at punctuation and
 * camelCase boundaries, so `input_tokens` (a count) stays while `accessToken`, `x-api-key`,
 * `Set-Cookie` and `db.password` are masked.
 */
const WORDS = new Set([
  'password',
  'passwords',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'authorization',
  'auth',
  'cookie',
  'cookies',
  'apikey',
  'credential',
  'credentials',
  'privatekey',
  'signature',
]);
/** Single words that end in one of these are secrets too: csrftoken, clientsecret, dbpassword. */
const SUFFIXES = ['password', 'passwd', 'secret', 'token', 'apikey', 'cookie'];
/** Adjacent word pairs: api key, access key, private key, session id, client secret. */
const PAIRS = new Set(['api key', 'access key', 'secret key', 'private key', 'session id', 'sessionid']);

export function isSensitiveKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (WORDS.has(w) || w === 'sessionid') return true;
    for (const s of SUFFIXES) if (w.endsWith(s)) return true;
    if (i > 0 && PAIRS.has(`${words[i - 1]} ${w}`)) return true;
  }
  return false;
}

export type KeyClass = 'allow' | 'mask' | 'scan';

/** isSensitiveKey plus allow and block lists, with a bounded memo: keys repeat, so a lookup is one Map get. */
export class KeyClassifier {
  readonly #memo = new Map<string, KeyClass>();
  readonly #allow: ReadonlySet<string>;
  readonly #block: ReadonlySet<string>;

  constructor(allow: readonly string[], block: readonly string[]) {
    this.#allow = new Set(allow.map((k) => k.toLowerCase()));
    this.#block = new Set(block.map((k) => k.toLowerCase()));
  }

  /** `allow`: leave key and value alone; `mask`: mask the whole value; `scan`: look inside the value. */
  classify(key: string): KeyClass {
    let c = this.#memo.get(key);
    if (c !== undefined) return c;
    const lower = key.toLowerCase();
    c = this.#allow.has(lower) ? 'allow' : this.#block.has(lower) || isSensitiveKey(key) ? 'mask' : 'scan';
    if (this.#memo.size >= 10_000) this.#memo.clear();
    this.#memo.set(key, c);
    return c;
  }
}
