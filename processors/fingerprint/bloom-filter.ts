/**
 * A Bloom filter over strings (2^20 bits, 3 probes: about 1% false positives at 100,000 entries).
 * It answers "maybe" or "no": there are no false negatives, and it cannot delete (rebuild it instead).
 */
export class BloomFilter {
  readonly #bits = new Uint32Array(1 << 15);
  /** Keys added so far (the caller rebuilds when too many make it answer "maybe" too often). */
  added = 0;

  add(key: string): void {
    this.added++;
    let h1 = hash1(key);
    const h2 = hash2(h1);
    for (let i = 0; i < 3; i++, h1 = (h1 + h2) >>> 0) this.#bits[(h1 >>> 5) & 0x7fff] |= 1 << (h1 & 31);
  }

  has(key: string): boolean {
    if (this.added === 0) return false;
    let h1 = hash1(key);
    const h2 = hash2(h1);
    for (let i = 0; i < 3; i++, h1 = (h1 + h2) >>> 0) if ((this.#bits[(h1 >>> 5) & 0x7fff] & (1 << (h1 & 31))) === 0) return false;
    return true;
  }
}

/** FNV-1a over the UTF-16 code units. */
function hash1(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A second, odd, well-mixed hash derived from the first (murmur3's finalizer). */
function hash2(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) | 1) >>> 0;
}
