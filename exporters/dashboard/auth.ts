import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'unitrack_token';

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || h === '::ffff:127.0.0.1';
}

/**
 * Bearer-token checks in constant time (both sides hashed first, so neither length nor content
 * leaks through timing). The token arrives as `Authorization: Bearer …` or, for EventSource which
 * cannot set headers, as an HttpOnly SameSite=Strict cookie set by POST /api/session.
 */
export class TokenAuth {
  readonly #digest: Buffer | undefined;

  constructor(token: string | undefined) {
    this.#digest = token ? createHash('sha256').update(token).digest() : undefined;
  }

  get required(): boolean {
    return this.#digest !== undefined;
  }

  matches(candidate: string | undefined): boolean {
    if (!this.#digest) return true;
    if (!candidate) return false;
    return timingSafeEqual(createHash('sha256').update(candidate).digest(), this.#digest);
  }

  /** The token a request presents, from its header or cookie. */
  static presented(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ')) return header.slice(7).trim();
    const cookie = req.headers.cookie;
    if (!cookie) return undefined;
    for (const part of cookie.split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === TOKEN_COOKIE) return decodeURIComponent(v.join('='));
    }
    return undefined;
  }

  allows(req: IncomingMessage): boolean {
    return this.matches(TokenAuth.presented(req));
  }
}
