import { decodeUtf8 } from './string-cache.ts';

/** What the reader throws on bad input: malformed, truncated or out-of-bounds bytes. */
export class ProtoError extends Error {
  override name = 'ProtoError';
}

/** The bytes as a Buffer over the same memory (no copy), for Buffer's fast slice and read methods. */
function asBuffer(buf: Uint8Array): Buffer {
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * A minimal protobuf wire-format reader: just what the OTLP decoders need, with no allocation
 * beyond the values read. Every read is bounds-checked and throws `ProtoError` on bad input.
 */
export class ProtoReader {
  readonly buf: Buffer;
  pos: number;
  /** Where the current message ends; `enter` narrows it to a nested one, `leave` restores it. */
  end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = asBuffer(buf);
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a number (exact up to 2^53; larger values lose precision, which OTLP counts tolerate). */
  varint(): number {
    const buf = this.buf;
    if (this.pos < this.end) {
      // One byte (tags, small lengths and enums): the common case.
      const b = buf[this.pos];
      if (b < 0x80) {
        this.pos++;
        return b;
      }
    }
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoError('truncated varint');
      const b = buf[this.pos++];
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
    throw new ProtoError('varint too long');
  }

  /**
   * A signed 64-bit varint (int64), two's complement: a number when it is a safe integer, else its
   * exact decimal string, since a JS number would change its digits (64-bit IDs).
   */
  int64(): number | string {
    const start = this.pos;
    const v = this.varint();
    if (v <= Number.MAX_SAFE_INTEGER) return v;
    // Past 2^53 (or negative): re-read the low 64 bits as a BigInt and sign them.
    this.pos = start;
    let big = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++];
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7n;
    }
    const n = BigInt.asIntN(64, big);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
  }

  tag(): { field: number; wire: number } {
    const t = this.varint();
    return { field: Math.floor(t / 8), wire: t & 7 };
  }

  /** A tag as one number (field * 8 + wire), without allocating an object: `Math.floor(t / 8)` and `t & 7` split it. */
  rawTag(): number {
    return this.varint();
  }

  fixed64(): number {
    if (this.pos + 8 > this.end) throw new ProtoError('truncated fixed64');
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return hi * 4294967296 + lo;
  }

  /** A fixed64 nanosecond timestamp as [seconds, nanoseconds], exact. */
  hrTime(): [number, number] {
    if (this.pos + 8 > this.end) throw new ProtoError('truncated fixed64');
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    // Exact without BigInt (two timestamps a record, several BigInts each otherwise): long
    // division by 10^9 of hi, then of the low word 16 bits at a time, every step below 2^53.
    const q1 = Math.floor(hi / 1e9);
    let r = hi - q1 * 1e9;
    let cur = r * 65536 + (lo >>> 16);
    const q2 = Math.floor(cur / 1e9);
    r = cur - q2 * 1e9;
    cur = r * 65536 + (lo & 0xffff);
    const q3 = Math.floor(cur / 1e9);
    return [q1 * 4294967296 + q2 * 65536 + q3, cur - q3 * 1e9];
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new ProtoError('truncated fixed32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new ProtoError('truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** The bounds of a length-delimited field; the reader moves past it. */
  span(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new ProtoError('length-delimited field runs past its message');
    this.pos = end;
    return [start, end];
  }

  /**
   * Narrows this reader to the length-delimited field at its position (a nested message read in
   * place, without a sub-reader); returns the outer end, for `leave`.
   */
  enter(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw new ProtoError('length-delimited field runs past its message');
    const outer = this.end;
    this.end = end;
    return outer;
  }

  /** Moves past the nested message `enter` narrowed to and restores the outer end. */
  leave(outer: number): void {
    this.pos = this.end;
    this.end = outer;
  }

  sub(): ProtoReader {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new ProtoError('length-delimited field runs past its message');
    this.pos = end;
    return new ProtoReader(this.buf, start, end);
  }

  string(): string {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new ProtoError('length-delimited field runs past its message');
    this.pos = end;
    return decodeUtf8(this.buf, start, end);
  }

  /** The end of the length-delimited field at the position, which moves past its length (no array, unlike `span`). */
  #fieldEnd(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw new ProtoError('length-delimited field runs past its message');
    return end;
  }

  /** A copy, as a plain Uint8Array: a Buffer (the request body's type) would JSON-serialize as {type, data}. */
  bytes(): Uint8Array {
    const end = this.#fieldEnd();
    const out = new Uint8Array(end - this.pos);
    this.buf.copy(out, 0, this.pos, end);
    this.pos = end;
    return out;
  }

  hex(): string {
    const end = this.#fieldEnd();
    const text = this.buf.toString('hex', this.pos, end);
    this.pos = end;
    return text;
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        if (this.pos + 8 > this.end) throw new ProtoError('truncated fixed64');
        this.pos += 8;
        return;
      case 2:
        this.span();
        return;
      case 5:
        if (this.pos + 4 > this.end) throw new ProtoError('truncated fixed32');
        this.pos += 4;
        return;
      default:
        throw new ProtoError(`unsupported wire type ${wire}`);
    }
  }
}
