import { describe, expect, it } from 'vitest';
import { BloomFilter } from '../../processors/fingerprint/bloom-filter.ts';

const fingerprint = (i: number) => (i * 2654435761).toString(16).padStart(16, '0');

describe('the Bloom filter', () => {
  it('answers no while empty', () => {
    const f = new BloomFilter();
    expect(f.has('')).toBe(false);
    expect(f.has(fingerprint(1))).toBe(false);
  });

  it('has no false negatives, and about 1% false positives at 100,000 keys', () => {
    const f = new BloomFilter();
    for (let i = 0; i < 100_000; i++) f.add(fingerprint(i));
    expect(f.added).toBe(100_000);
    for (let i = 0; i < 100_000; i++) if (!f.has(fingerprint(i))) expect.fail(`${fingerprint(i)} added but not found`);
    let falsePositives = 0;
    for (let i = 100_000; i < 200_000; i++) if (f.has(fingerprint(i))) falsePositives++;
    // 2^20 bits, 3 probes: (1 - e^(-3n/m))^3 ≈ 0.0158 at n = 100,000.
    expect(falsePositives).toBeGreaterThan(0);
    expect(falsePositives / 100_000).toBeLessThan(0.03);
  });

  it('tells apart keys that differ in one character', () => {
    const f = new BloomFilter();
    f.add('a');
    f.add('ab');
    expect(f.has('a')).toBe(true);
    expect(f.has('ab')).toBe(true);
    expect(f.has('b')).toBe(false);
    expect(f.has('ba')).toBe(false);
  });
});
