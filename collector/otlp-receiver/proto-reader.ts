/**
 * A minimal protobuf wire-format reader: just what the OTLP decoders need, with no allocation
 * beyond the values read. Every read is bounds-checked and throws `ProtoError` on bad input.
 */
export class ProtoError extends Error {
  override name = 'ProtoError';
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

export class ProtoReader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  readonly #view: DataView;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a number (exact up to 2^53; larger values lose precision, which OTLP counts tolerate). */
  varint(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoError('truncated varint');
      const b = this.buf[this.pos++];
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

  fixed64(): number {
    if (this.pos + 8 > this.end) throw new ProtoError('truncated fixed64');
    const lo = this.#view.getUint32(this.pos, true);
    const hi = this.#view.getUint32(this.pos + 4, true);
    this.pos += 8;
    return hi * 4294967296 + lo;
  }

  /** A fixed64 nanosecond timestamp as [seconds, nanoseconds], exact. */
  hrTime(): [number, number] {
    if (this.pos + 8 > this.end) throw new ProtoError('truncated fixed64');
    const ns = this.#view.getBigUint64(this.pos, true);
    this.pos += 8;
    return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new ProtoError('truncated fixed32');
    const v = this.#view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new ProtoError('truncated double');
    const v = this.#view.getFloat64(this.pos, true);
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

  sub(): ProtoReader {
    const [start, end] = this.span();
    return new ProtoReader(this.buf, start, end);
  }

  string(): string {
    const [start, end] = this.span();
    return textDecoder.decode(this.buf.subarray(start, end));
  }

  /** A copy, as a plain Uint8Array: a Buffer (the request body's type) would JSON-serialize as {type, data}. */
  bytes(): Uint8Array {
    const [start, end] = this.span();
    return new Uint8Array(this.buf.subarray(start, end));
  }

  hex(): string {
    const [start, end] = this.span();
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + start, end - start).toString('hex');
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

/** A protobuf writer for the small responses the receiver sends. */
export class ProtoWriter {
  #bytes: number[] = [];

  varint(field: number, value: number): this {
    this.#tag(field, 0);
    this.#raw(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, 2);
    this.#raw(value.length);
    for (const b of value) this.#bytes.push(b);
    return this;
  }

  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }

  #tag(field: number, wire: number): void {
    this.#raw(field * 8 + wire);
  }

  #raw(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.#bytes.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.#bytes.push(v);
  }
}
