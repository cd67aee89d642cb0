/**
 * Sets `key` on `target` as an own data property. A `__proto__` key (from YAML, OTLP or an
 * application's metadata) stays plain data, never a prototype; every other key is a plain
 * assignment, which keeps V8's fast object shape (a null-prototype dictionary is slower to fill,
 * walk and stringify).
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
