import { MESSAGE_PATTERNS } from './message-patterns.ts';

/** Characters of one line that take part: bounds every regex pass. */
const MAX_LINE = 1024;

/** The first two non-empty lines of a message, each cut to a bounded length. */
export function significantText(message: string): string {
  // One short line (the usual case): the loop below would return exactly this.
  if (message.length <= MAX_LINE && !message.includes('\n')) return message.trim();
  const lines: string[] = [];
  let start = 0;
  while (lines.length < 2 && start <= message.length) {
    let end = message.indexOf('\n', start);
    if (end === -1) end = message.length;
    const line = message.slice(start, Math.min(end, start + MAX_LINE)).trim();
    if (line) lines.push(line);
    start = end + 1;
  }
  return lines.join('\n');
}

/** Replaces dynamic values with placeholders (see message-patterns.ts). */
export function normalizeMessage(message: string): string {
  let text = significantText(message);
  for (const [pattern, placeholder, mayMatch] of MESSAGE_PATTERNS) if (mayMatch(text)) text = text.replace(pattern, placeholder);
  return text;
}

/**
 * A bounded cache of two generations: lookups try the current Map, then the previous one (a hit
 * there is promoted); when the current Map holds half the bound, it becomes the previous one and
 * the old previous one is dropped whole. That is an LRU to within a factor of two, with no Map
 * deletes: deleting a Map's first key over and over leaves holes that V8 skips on every
 * `keys().next()`, which made a plain Map-ordered LRU cost more than the work it saved.
 */
export class BoundedCache<V> {
  #current = new Map<string, V>();
  #previous = new Map<string, V>();
  readonly #generation: number;

  constructor(maxEntries: number) {
    this.#generation = Math.max(1, Math.floor(maxEntries / 2));
  }

  get(key: string): V | undefined {
    const v = this.#current.get(key);
    if (v !== undefined) return v;
    const old = this.#previous.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, value: V): void {
    if (this.#current.size >= this.#generation) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(key, value);
  }

  get size(): number {
    return this.#current.size + this.#previous.size;
  }
}

/** Longer messages are not cached: their key would cost more than the pass. */
const MAX_CACHED_LENGTH = 4096;
/** Lookups per window over which the cache's hit rate is judged. */
const WINDOW = 4096;
/**
 * Below this share of hits in a window, the cache is bypassed for BYPASS messages, then tried
 * again. A miss costs its lookup and insert (~0.5 µs on bench row 2's messages) and a hit saves a
 * pass (~1.3 µs): the cache pays from about 30% hits (at row 2's 10% it cost 0.45 µs a message).
 */
const MIN_HIT_RATE = 0.3;
const BYPASS = 65_536;

/**
 * A normalizer with a bounded cache: a message seen recently costs one or two Map lookups. When
 * messages almost never repeat (each carries an ID), the cache only adds a lookup and an insert
 * to every message: it is then bypassed for a while, and tried again.
 */
export class MessageNormalizer {
  readonly #cache: BoundedCache<string>;
  hits = 0;
  misses = 0;
  #windowLookups = 0;
  #windowHits = 0;
  #bypass = 0;

  /** `maxEntries`: distinct messages cached (the schema's `normalizer_cache` holds the default). */
  constructor(maxEntries: number) {
    this.#cache = new BoundedCache(maxEntries);
  }

  normalize(message: string): string {
    if (message.length > MAX_CACHED_LENGTH) return normalizeMessage(message);
    if (this.#bypass > 0) {
      this.#bypass--;
      this.misses++;
      return normalizeMessage(message);
    }
    if (++this.#windowLookups === WINDOW) {
      if (this.#windowHits < WINDOW * MIN_HIT_RATE) this.#bypass = BYPASS;
      this.#windowLookups = 0;
      this.#windowHits = 0;
    }
    const cached = this.#cache.get(message);
    if (cached !== undefined) {
      this.hits++;
      this.#windowHits++;
      return cached;
    }
    this.misses++;
    const normalized = normalizeMessage(message);
    this.#cache.set(message, normalized);
    return normalized;
  }
}
