import type { AnyValue } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { Counter, Telemetry } from '../../model/telemetry.ts';
import { isCardNumber, KINDS, type Kind, SecretScanner } from './secret-patterns.ts';
import { KeyClassifier } from './sensitive-keys.ts';

export interface RedactionOptions {
  /** Keys (any case) never masked nor scanned. */
  allowKeys?: readonly string[];
  /** Keys (any case) always masked, besides those named like secrets. */
  blockKeys?: readonly string[];
  /** What replaces a secret. Default `[REDACTED]`. */
  mask?: string;
  /** Mask email addresses too. Default false. */
  redactEmails?: boolean;
  id?: string;
  telemetry: Telemetry;
}

/** Nesting deeper than this is masked whole rather than walked (hostile input). */
const MAX_DEPTH = 32;

/**
 * Masks secrets before anything leaves the process: attribute and map keys named like secrets
 * (whole value), and secrets found inside strings (tokens, JWTs, card numbers, keys in URLs and
 * `key=value` text, optionally emails) in attributes at any depth, including `exception.message`
 * and `exception.stacktrace`, and in the body. Values are copied on write: nested values may be
 * shared with the SDK's frozen record.
 */
export class RedactionProcessor implements LogRecordProcessor {
  readonly #next: LogRecordProcessor;
  readonly #keys: KeyClassifier;
  readonly #scanner: SecretScanner;
  readonly #mask: string;
  readonly #counters: Readonly<Record<Kind, Counter>>;
  readonly #records: Counter;
  #hits = 0;

  constructor(next: LogRecordProcessor, options: RedactionOptions) {
    this.#next = next;
    this.#mask = options.mask ?? '[REDACTED]';
    this.#keys = new KeyClassifier(options.allowKeys ?? [], options.blockKeys ?? []);
    const processor = options.id ?? 'redaction';
    const counters = {} as Record<Kind, Counter>;
    for (const kind of KINDS) {
      counters[kind] = options.telemetry.counter('unitrack_redaction_redacted_total', 'Secrets the redaction processor masked.', {
        processor,
        kind,
      });
    }
    this.#counters = counters;
    this.#records = options.telemetry.counter('unitrack_redaction_records_total', 'Records in which something was masked.', { processor });
    this.#scanner = new SecretScanner({ mask: this.#mask, emails: options.redactEmails ?? false, keys: this.#keys, count: this.#count });
  }

  readonly #count = (kind: Kind): void => {
    this.#counters[kind].add();
    this.#hits++;
  };

  onEmit(record: ReadWriteLogRecord): void {
    this.#hits = 0;
    const attrs = record.attributes;
    for (const key of Object.keys(attrs)) {
      const value = attrs[key];
      if (value === undefined || value === null) continue;
      const c = this.#keys.classify(key);
      if (c === 'allow') continue;
      const out = c === 'mask' ? this.#maskWhole(value) : this.#walk(value, 0);
      if (out !== value) record.setAttribute(key, out);
    }
    if (record.body !== undefined && record.body !== null) {
      const body = typeof record.body === 'string' ? this.#scanner.scan(record.body, false) : this.#walk(record.body, 0);
      if (body !== record.body) record.setBody(body);
    }
    if (this.#hits > 0) this.#records.add();
    this.#next.onEmit(record);
  }

  #maskWhole(value: AnyValue): AnyValue {
    if (value === '') return value;
    this.#count('key');
    return this.#mask;
  }

  /** The value with secrets masked; the same reference when nothing changed. */
  #walk(value: AnyValue, depth: number): AnyValue {
    if (typeof value === 'string') return this.#scanner.scan(value);
    if (typeof value === 'number') {
      // A card number given as a number (16 digits still fit a double exactly).
      if (value >= 1e12 && Number.isSafeInteger(value) && isCardNumber(String(value))) {
        this.#count('card');
        return this.#mask;
      }
      return value;
    }
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
    if (depth >= MAX_DEPTH) return this.#maskWhole(value);
    if (Array.isArray(value)) {
      let out: AnyValue[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const v = this.#walk(value[i], depth + 1);
        if (v !== value[i]) (out ??= value.slice())[i] = v;
      }
      return out ?? value;
    }
    const map = value as Record<string, AnyValue>;
    let out: Record<string, AnyValue> | undefined;
    for (const key of Object.keys(map)) {
      const v = map[key];
      if (v === undefined || v === null) continue;
      const c = this.#keys.classify(key);
      if (c === 'allow') continue;
      const w = c === 'mask' ? this.#maskWhole(v) : this.#walk(v, depth + 1);
      if (w !== v) (out ??= Object.assign(Object.create(null), map))[key] = w;
    }
    return out ?? value;
  }

  async forceFlush(): Promise<void> {
    await this.#next.forceFlush();
  }

  async shutdown(): Promise<void> {}
}
