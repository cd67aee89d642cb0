import * as A from '../model/attributes.ts';

const MAX_CAUSES = 5;

/**
 * Semantic-convention `exception.*` attributes from anything thrown: Errors (with their `cause`
 * chain and AggregateError members in the stack trace), strings, objects and primitives.
 */
export function exceptionAttributes(thrown: unknown): Record<string, string> {
  if (thrown instanceof Error) {
    return {
      [A.ATTR_EXCEPTION_TYPE]: errorType(thrown),
      [A.ATTR_EXCEPTION_MESSAGE]: thrown.message,
      [A.ATTR_EXCEPTION_STACKTRACE]: stackWithCauses(thrown),
    };
  }
  if (thrown === null || thrown === undefined) return { [A.ATTR_EXCEPTION_TYPE]: String(thrown) };
  if (typeof thrown === 'object') {
    const ctor = (thrown as object).constructor;
    const name = typeof ctor === 'function' && ctor.name ? ctor.name : 'Object';
    const message =
      typeof (thrown as { message?: unknown }).message === 'string' ? (thrown as { message: string }).message : safeJson(thrown);
    return { [A.ATTR_EXCEPTION_TYPE]: name, [A.ATTR_EXCEPTION_MESSAGE]: message };
  }
  return { [A.ATTR_EXCEPTION_TYPE]: typeof thrown, [A.ATTR_EXCEPTION_MESSAGE]: String(thrown) };
}

function errorType(error: Error): string {
  const name = error.name;
  if (name && name !== 'Error') return name;
  const ctor = error.constructor?.name;
  return ctor && ctor !== 'Object' ? ctor : 'Error';
}

function stackWithCauses(error: Error): string {
  let out = error.stack ?? `${errorType(error)}: ${error.message}`;
  if (error instanceof AggregateError) {
    error.errors.slice(0, MAX_CAUSES).forEach((e, i) => {
      out += `\n  [errors[${i}]] ${e instanceof Error ? (e.stack ?? e.message) : safeJson(e)}`;
    });
  }
  const seen = new Set<unknown>([error]);
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && depth < MAX_CAUSES && !seen.has(cause); depth++) {
    seen.add(cause);
    out += `\nCaused by: ${cause instanceof Error ? (cause.stack ?? `${errorType(cause)}: ${cause.message}`) : safeJson(cause)}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return out;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
