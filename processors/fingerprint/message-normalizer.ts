import { MESSAGE_PATTERNS } from './message-patterns.ts';

/** Characters of one line that take part: bounds every regex pass. */
const MAX_LINE = 1024;

/** The first two non-empty lines of a message, each cut to a bounded length. */
export function significantText(message: string): string {
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
 * A normalizer with a bounded LRU cache: a message seen before costs one Map lookup. Map keeps
 * insertion order, so re-inserting on a hit and deleting the first key on overflow is an LRU.
 */
export class MessageNormalizer {
  readonly #cache = new Map<string, string>();
  readonly #max: number;
  hits = 0;
  misses = 0;

  constructor(maxEntries = 10_000) {
    this.#max = maxEntries;
  }

  normalize(message: string): string {
    // Very long messages are not cached: their key would cost more than the pass.
    if (message.length > 4096) return normalizeMessage(message);
    const cached = this.#cache.get(message);
    if (cached !== undefined) {
      this.hits++;
      this.#cache.delete(message);
      this.#cache.set(message, cached);
      return cached;
    }
    this.misses++;
    const normalized = normalizeMessage(message);
    if (this.#cache.size >= this.#max) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(message, normalized);
    return normalized;
  }
}
