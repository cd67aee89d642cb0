/**
 * Buffers request bodies are read into, given back once the body is decoded. A body is garbage
 * as soon as it is decoded (the decoders copy every string and byte they keep), but a Buffer's
 * memory only goes back when the garbage collector finds its wrapper, after 100-300 ms under load:
 * at 40 MB/s of bodies that is 10-15 MB of dead bodies at any time. Reused, a few buffers serve
 * every request.
 */
export class BodyBuffers {
  readonly #free: Buffer[] = [];
  /** The ArrayBuffers handed out and not yet given back: `give` takes only these (weakly: one never given back is simply collected). */
  readonly #out = new WeakSet<ArrayBufferLike>();
  readonly #maxKept: number;
  readonly #maxKeptBytes: number;
  #keptBytes = 0;

  /**
   * `maxKept` buffers of at most `maxKeptBytes` in all are kept between requests; a body larger
   * than that gets a buffer of its own, released as any other.
   */
  constructor(maxKept = 8, maxKeptBytes = 4 * 1024 * 1024) {
    this.#maxKept = maxKept;
    this.#maxKeptBytes = maxKeptBytes;
  }

  /** A buffer of exactly `size` bytes (a view on a kept one when one is large enough). */
  take(size: number): Buffer {
    let buf: Buffer | undefined;
    for (let i = this.#free.length - 1; i >= 0; i--) {
      if (this.#free[i].length >= size) {
        buf = this.#free[i];
        this.#free.splice(i, 1);
        this.#keptBytes -= buf.length;
        break;
      }
    }
    // Powers of two from 64 KiB, so a buffer fits the next body of about the same size.
    if (!buf) buf = Buffer.allocUnsafeSlow(Math.max(65_536, 2 ** Math.ceil(Math.log2(Math.max(size, 1)))));
    this.#out.add(buf.buffer);
    return buf.subarray(0, size);
  }

  /** Gives back a buffer from `take` (anything else is ignored); it must not be read after this. */
  give(view: Uint8Array): void {
    const ab = view.buffer;
    if (!this.#out.delete(ab)) return;
    const whole = Buffer.from(ab);
    if (this.#free.length >= this.#maxKept || this.#keptBytes + whole.length > this.#maxKeptBytes) return;
    this.#free.push(whole);
    this.#keptBytes += whole.length;
  }

  /** Buffers kept for the next requests, and their bytes (tests and metrics). */
  get kept(): { buffers: number; bytes: number } {
    return { buffers: this.#free.length, bytes: this.#keptBytes };
  }
}
