import { hash } from 'node:crypto';

const EXACT_LIMIT = 64;
const REGISTERS = 256;
/** Marks registers filled with the fast hash (base64 has no colon, so older SHA-1 registers never start with it). */
const FAST_PREFIX = '2:';

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Adds a user to 256 HyperLogLog registers with the fast hash: the registers every UserCounter
 * fills, so registers filled apart (several instances sharing a PostgreSQL store) merge by max.
 */
export function addToRegisters(registers: Uint8Array, user: string): void {
  // FNV-1a, then two murmur3 finalizers: one for the register, one for the rank.
  let f = 0x811c9dc5;
  for (let i = 0; i < user.length; i++) f = Math.imul(f ^ user.charCodeAt(i), 0x01000193);
  const index = fmix(f) >>> 24;
  const rest = fmix(f ^ 0x9e3779b9);
  const rank = rest === 0 ? 33 : Math.clz32(rest) + 1;
  if (rank > registers[index]) registers[index] = rank;
}

export const USER_REGISTERS = REGISTERS;

/**
 * Distinct users of a group in bounded memory: exact up to 64 users, then a HyperLogLog of 256
 * one-byte registers (about 6.5% standard error), so a group touched by a million users costs the
 * same as one touched by a hundred.
 */
export class UserCounter {
  #exact: Set<string> | undefined = new Set();
  #registers: Uint8Array | undefined;
  /**
   * Registers filled with SHA-1 (counters persisted before the fast hash): they keep it, so a
   * user counted before a restart is not counted again after it.
   */
  #sha1 = false;

  add(user: string): void {
    if (this.#exact) {
      this.#exact.add(user);
      if (this.#exact.size <= EXACT_LIMIT) return;
      this.#registers = new Uint8Array(REGISTERS);
      for (const u of this.#exact) this.#addHashed(u);
      this.#exact = undefined;
      return;
    }
    this.#addHashed(user);
  }

  has(user: string): boolean | undefined {
    return this.#exact ? this.#exact.has(user) : undefined;
  }

  #addHashed(user: string): void {
    const registers = this.#registers as Uint8Array;
    if (!this.#sha1) {
      addToRegisters(registers, user);
      return;
    }
    const h = hash('sha1', user, 'buffer') as Buffer;
    const rest = h.readUInt32BE(1);
    const rank = rest === 0 ? 33 : Math.clz32(rest) + 1;
    if (rank > registers[h[0]]) registers[h[0]] = rank;
  }

  get count(): number {
    if (this.#exact) return this.#exact.size;
    const registers = this.#registers as Uint8Array;
    let sum = 0;
    let zeros = 0;
    for (const r of registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / REGISTERS);
    const estimate = (alpha * REGISTERS * REGISTERS) / sum;
    if (estimate <= 2.5 * REGISTERS && zeros > 0) return Math.round(REGISTERS * Math.log(REGISTERS / zeros));
    return Math.round(estimate);
  }

  /** A compact form for persistence. */
  serialize(): string {
    if (this.#exact) return JSON.stringify([...this.#exact]);
    const registers = Buffer.from(this.#registers as Uint8Array).toString('base64');
    return this.#sha1 ? registers : `${FAST_PREFIX}${registers}`;
  }

  static restore(text: string | null | undefined): UserCounter {
    const c = new UserCounter();
    if (!text) return c;
    if (text.startsWith('[')) {
      for (const u of JSON.parse(text) as string[]) c.add(u);
    } else {
      const fast = text.startsWith(FAST_PREFIX);
      c.#exact = undefined;
      c.#sha1 = !fast;
      c.#registers = new Uint8Array(Buffer.from(fast ? text.slice(FAST_PREFIX.length) : text, 'base64'));
    }
    return c;
  }
}
