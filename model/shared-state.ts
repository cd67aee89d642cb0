/**
 * A typed key for state one component publishes and others read through the host: the reader
 * names the key, so its dependency shows in its types, not in a string and a cast.
 */
export class SharedKey<T> {
  declare readonly value?: T;
  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }
}

/** What components publish for each other (the fingerprint processor's groups for the dashboard). */
export class SharedState {
  readonly #values = new Map<SharedKey<unknown>, unknown>();

  get<T>(key: SharedKey<T>): T | undefined {
    return this.#values.get(key) as T | undefined;
  }

  set<T>(key: SharedKey<T>, value: T): void {
    this.#values.set(key, value);
  }

  has(key: SharedKey<unknown>): boolean {
    return this.#values.has(key);
  }
}
