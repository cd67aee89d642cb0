/**
 * Stops hammering a dead endpoint: after `failureThreshold` failures in a row the circuit opens,
 * and after `resetTimeoutMs` one probe is let through; its result closes or reopens the circuit.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #resetMs: number;
  #failures = 0;
  #openedAt = 0;
  #probing = false;
  state: 'closed' | 'open' | 'half_open' = 'closed';

  constructor(failureThreshold: number, resetTimeoutMs: number) {
    this.#threshold = failureThreshold;
    this.#resetMs = resetTimeoutMs;
  }

  /** Whether a request may go now. */
  allow(now = Date.now()): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open' && now - this.#openedAt >= this.#resetMs) this.state = 'half_open';
    if (this.state === 'half_open' && !this.#probing) {
      this.#probing = true;
      return true;
    }
    return false;
  }

  /** When the next probe may go. */
  get retryAt(): number {
    return this.state === 'open' ? this.#openedAt + this.#resetMs : 0;
  }

  success(): void {
    this.#failures = 0;
    this.#probing = false;
    this.state = 'closed';
  }

  failure(now = Date.now()): void {
    this.#probing = false;
    this.#failures++;
    if (this.state === 'half_open' || this.#failures >= this.#threshold) {
      this.state = 'open';
      this.#openedAt = now;
    }
  }
}
