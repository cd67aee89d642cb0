/** A protobuf writer for small messages: the receiver's responses and gRPC status details. */
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
