import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export interface RequestGuardOptions {
  /** The address the dashboard listens on. */
  bindHost: string;
  /** Further names it is reached by; `.example.com` also admits every subdomain. */
  allowedHosts: readonly string[];
}

/**
 * Loopback is not a security boundary for a browser: any page the user visits can send requests
 * to 127.0.0.1, and with DNS rebinding read the answers. Two checks close that, as development
 * servers do (webpack-dev-server's host check, Vite's `server.allowedHosts`):
 *
 * - the `Host` a request names must be an IP address (a rebinding page always names its own
 *   domain), `localhost` (or a name under `.localhost`, which browsers resolve to loopback
 *   themselves), the bind address, or a name in `allowed_hosts`;
 * - a request from a browser page (`Sec-Fetch-Site`, else `Origin`) must come from the dashboard's
 *   own origin. A page on another port of localhost is "same-site" and still refused: ports are
 *   where the other local servers are. Clients that are not browsers send neither header.
 */
export class RequestGuard {
  readonly #names: Set<string>;
  readonly #suffixes: string[];

  constructor(options: RequestGuardOptions) {
    const names = options.allowedHosts.map((h) => normalise(h));
    this.#names = new Set([normalise(options.bindHost), ...names.filter((n) => !n.startsWith('.'))]);
    this.#suffixes = names.filter((n) => n.startsWith('.'));
  }

  /** Why the request's Host is refused, or undefined when it is served. */
  hostRefusal(req: IncomingMessage): string | undefined {
    const header = req.headers.host;
    // Only a browser's Host can be a rebinding name, and browsers always send one.
    if (header === undefined) return undefined;
    const name = hostName(header);
    if (name === undefined) return `Blocked request: the Host header "${header}" is not host[:port].`;
    if (this.#allows(name)) return undefined;
    return `Blocked request: host "${name}" is not allowed. Reach the dashboard by its address or localhost, or add "${name}" to its allowed_hosts.`;
  }

  /** Why a request is refused for coming from another web origin, or undefined when it may go on. */
  originRefusal(req: IncomingMessage): string | undefined {
    const site = req.headers['sec-fetch-site'];
    if (typeof site === 'string') {
      // `none`: the user opened the URL themselves (address bar, bookmark).
      if (site === 'same-origin' || site === 'none') return undefined;
      return `Blocked request: it comes from another web origin (Sec-Fetch-Site: ${site}).`;
    }
    const origin = req.headers.origin;
    if (origin === undefined) return undefined;
    let from: string;
    try {
      from = new URL(origin).host;
    } catch {
      return `Blocked request: it comes from another web origin (Origin: ${origin}).`;
    }
    // The Host has passed the host check; the page's origin must name the same host and port.
    if (req.headers.host !== undefined && from === req.headers.host.toLowerCase()) return undefined;
    return `Blocked request: it comes from another web origin (Origin: ${origin}).`;
  }

  #allows(name: string): boolean {
    if (isIP(name.replace(/^\[|\]$/g, '')) !== 0) return true;
    if (name === 'localhost' || name.endsWith('.localhost')) return true;
    if (this.#names.has(name)) return true;
    return this.#suffixes.some((s) => name === s.slice(1) || name.endsWith(s));
  }
}

/** Lowercase, without a trailing dot: `Example.COM.` and `example.com` are one name. */
function normalise(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

/** The name in a Host header: `name[:port]` or `[v6]:port`; undefined when it is neither. */
function hostName(header: string): string | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/@\s]+)(?::\d*)?$/.exec(header.trim());
  return m ? normalise(m[1]) : undefined;
}
