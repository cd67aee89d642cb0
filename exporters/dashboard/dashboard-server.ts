import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { GROUPS, type GroupReader, type GroupStatus } from '../../model/groups.ts';
import { parseSeverity, SEVERITIES, type Severity } from '../../model/severity.ts';
import type { Counter } from '../../model/telemetry.ts';
import type { Host } from '../../pipeline/component.ts';
import { registerListeningPort } from '../../pipeline/listening-ports.ts';
import { TOKEN_COOKIE, TokenAuth } from './auth.ts';
import {
  changeGroupStatus,
  dashboardMetrics,
  dashboardStats,
  groupListOptions,
  groupTags,
  ignoreCondition,
  ignoreGroupUntil,
  RANGE_ERROR,
  rangeMs,
} from './dashboard-queries.ts';
import type { EventStore, StoredEvent } from './event-store.ts';
import { RequestGuard } from './request-guard.ts';
import type { StreamFilter, StreamHub } from './stream-hub.ts';

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
const ASSETS: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/dom.js': 'dom.js',
  '/charts.js': 'charts.js',
  '/events.js': 'events.js',
  '/actions.js': 'actions.js',
  '/overview.js': 'overview.js',
  '/issues.js': 'issues.js',
  '/issue-page.js': 'issue-page.js',
  '/live-tail.js': 'live-tail.js',
  '/trace.js': 'trace.js',
  '/styles.css': 'styles.css',
  '/favicon.svg': 'favicon.svg',
  // Browsers ask for /favicon.ico whatever the page links: the same SVG answers (Chromium and Firefox read it by its type).
  '/favicon.ico': 'favicon.svg',
};
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export interface DashboardServerOptions {
  host: string;
  port: number;
  token?: string;
  /** Host names served besides the bind address, IP addresses and localhost. */
  allowedHosts?: readonly string[];
  events: EventStore;
  hub: StreamHub;
  componentHost: Host;
}

/** The dashboard's HTTP API and page (DESIGN.md, Dashboard). */
export class DashboardServer {
  readonly #o: DashboardServerOptions;
  readonly #server: Server;
  readonly #auth: TokenAuth;
  readonly #authFailures: Counter;
  readonly #guard: RequestGuard;
  readonly #blocked: Record<'host' | 'origin', Counter>;

  constructor(options: DashboardServerOptions) {
    this.#o = options;
    this.#auth = new TokenAuth(options.token);
    this.#authFailures = options.componentHost.telemetry.counter(
      'unitrack_dashboard_auth_failures_total',
      'Dashboard requests refused for a missing or wrong token.',
    );
    this.#guard = new RequestGuard({ bindHost: options.host, allowedHosts: options.allowedHosts ?? [] });
    const blocked = (reason: string) =>
      options.componentHost.telemetry.counter(
        'unitrack_dashboard_blocked_requests_total',
        'Dashboard requests refused for a Host it does not serve or another web origin.',
        { reason },
      );
    this.#blocked = { host: blocked('host'), origin: blocked('origin') };
    this.#server = createServer((req, res) => {
      this.#route(req, res).catch((error: unknown) => {
        options.componentHost.reportError('dashboard', error);
        if (!res.headersSent) this.#json(res, 500, { error: 'internal error' });
      });
    });
  }

  get address(): AddressInfo | undefined {
    const a = this.#server.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  async start(): Promise<void> {
    registerListeningPort(this.#server);
    if (this.#o.componentHost.mode === 'embedded') {
      // Embedded, the application's lifetime is its own: neither the server nor an open tab holds it.
      this.#server.unref();
      this.#server.on('connection', (socket) => socket.unref());
    }
    this.#server.listen(this.#o.port, this.#o.host);
    await once(this.#server, 'listening');
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  get #groups(): GroupReader | undefined {
    return this.#o.componentHost.shared.get(GROUPS);
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/healthz') {
      // Not ready (503) while the service starts or drains, as otelcol's health_check; each pipeline's state in the body.
      const health = this.#o.componentHost.health?.() ?? { status: 'ready', ready: true };
      return this.#json(res, health.ready ? 200 : 503, health);
    }
    // DNS rebinding and other web origins (request-guard.ts): whether or not a token is set.
    const badHost = this.#guard.hostRefusal(req);
    if (badHost) return this.#refuse(res, 'host', badHost);
    if ((method !== 'GET' && method !== 'HEAD') || path.startsWith('/api/') || path === '/metrics') {
      const badOrigin = this.#guard.originRefusal(req);
      if (badOrigin) return this.#refuse(res, 'origin', badOrigin);
    }
    if (method === 'GET' && ASSETS[path]) return void this.#asset(res, ASSETS[path]);
    if (method === 'POST' && path === '/api/session') return this.#session(req, res);
    if (!this.#auth.allows(req)) {
      this.#authFailures.add();
      return this.#json(res, 401, { error: 'a bearer token is required' }, { 'www-authenticate': 'Bearer' });
    }
    if (method === 'GET' && path === '/metrics') {
      res
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4', ...SECURITY_HEADERS })
        .end(this.#o.componentHost.telemetry.render());
      return;
    }
    if (method === 'GET' && path === '/api/stream') {
      const header = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? undefined;
      const last = header === undefined || header === '' ? undefined : Number(header);
      this.#o.hub.connect(req, res, this.#filter(url), last !== undefined && Number.isFinite(last) ? last : undefined);
      return;
    }
    if (method === 'GET' && path === '/api/events') {
      const f = this.#filter(url);
      const events = this.#o.events.query({
        ...f,
        q: url.searchParams.get('q') ?? undefined,
        before: Number(url.searchParams.get('before')) || undefined,
        limit: Number(url.searchParams.get('limit')) || 100,
      });
      return this.#send(res, 200, `{"events":${eventList(events)}}`);
    }
    const trace = /^\/api\/traces\/([0-9a-fA-F]{32})$/.exec(path);
    if (method === 'GET' && trace)
      return this.#send(res, 200, `{"trace_id":"${trace[1].toLowerCase()}","events":${eventList(this.#o.events.trace(trace[1]))}}`);
    if (method === 'GET' && path === '/api/groups') {
      const p = url.searchParams;
      const { options, invalid } = groupListOptions({
        status: p.get('status'),
        sort: p.get('sort'),
        query: p.get('q'),
        limit: p.get('limit'),
        level: p.get('level'),
        service: p.get('service'),
        environment: p.get('environment'),
        release: p.get('release'),
        range: p.get('range'),
      });
      if (invalid.length) return this.#json(res, 400, { error: `${invalid.join(', ')} not understood`, ...LIST_HELP });
      return this.#json(res, 200, { groups: (await this.#groups?.list(options)) ?? [] });
    }
    if (method === 'GET' && path === '/api/facets')
      return this.#json(res, 200, (await this.#groups?.facets()) ?? { service: [], environment: [], release: [] });
    const group =
      /^\/api\/groups\/([0-9a-f]{8,64})(?:\/(resolve|reopen|ignore|tags|series|events\/(?:latest|oldest|[1-9][0-9]{0,15})))?$/.exec(path);
    if (group && method === 'GET' && !group[2]) {
      const detail = await this.#groups?.get(group[1]);
      return detail ? this.#json(res, 200, detail) : this.#json(res, 404, { error: 'no such group' });
    }
    if (group && method === 'GET' && group[2]) return this.#groupPart(res, url, group[1], group[2]);
    if (group && method === 'POST' && group[2] === 'ignore') return this.#ignore(req, res, group[1]);
    if (group && method === 'POST' && (group[2] === 'resolve' || group[2] === 'reopen')) return this.#status(req, res, group[1], group[2]);
    if (method === 'GET' && path === '/api/metrics') {
      const range = rangeMs(url.searchParams.get('range') ?? '1h');
      if (!range) return this.#json(res, 400, { error: RANGE_ERROR });
      return this.#json(res, 200, await dashboardMetrics(range, { groups: this.#groups, events: this.#o.events }));
    }
    if (method === 'GET' && path === '/api/stats')
      return this.#json(res, 200, await dashboardStats(this.#o.componentHost.telemetry, this.#groups, this.#o.hub.clients));
    this.#json(res, 404, { error: 'not found' });
  }

  #filter(url: URL): StreamFilter {
    const severities = (url.searchParams.get('severity') ?? '')
      .split(',')
      .map((s) => parseSeverity(s.trim()))
      .filter((s): s is Severity => s !== undefined);
    const min = parseSeverity(url.searchParams.get('min_severity') ?? '');
    const f: StreamFilter = {};
    if (severities.length) f.severity = severities;
    else if (min) f.severity = SEVERITIES.slice(SEVERITIES.indexOf(min));
    const category = url.searchParams.get('category');
    const component = url.searchParams.get('component');
    if (category) f.category = category;
    if (component) f.component = component;
    return f;
  }

  async #session(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const body = await smallBody(req);
    if (body === undefined) return this.#json(res, 413, { error: 'too large' });
    let token: string | undefined;
    try {
      token = (JSON.parse(body) as { token?: string }).token;
    } catch {
      return this.#json(res, 400, { error: 'send {"token": "…"}' });
    }
    if (!this.#auth.matches(token)) {
      this.#authFailures.add();
      return this.#json(res, 401, { error: 'wrong token' });
    }
    this.#json(
      res,
      200,
      { ok: true },
      {
        'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token ?? '')}; HttpOnly; SameSite=Strict; Path=/`,
      },
    );
  }

  /** `GET /api/groups/:fp/{events/latest|oldest|<seq>, tags, series}`: the issue page's parts. */
  async #groupPart(res: ServerResponse, url: URL, fingerprint: string, part: string): Promise<unknown> {
    const groups = this.#groups;
    if (!groups) return this.#json(res, 404, { error: 'no such group' });
    if (part === 'series') {
      const range = rangeMs(url.searchParams.get('range') ?? '1h');
      if (!range) return this.#json(res, 400, { error: RANGE_ERROR });
      if (!(await groups.get(fingerprint))) return this.#json(res, 404, { error: 'no such group' });
      return this.#json(res, 200, { range_seconds: range / 1000, trend: await groups.series(fingerprint, range) });
    }
    if (part === 'tags') {
      const attribute = url.searchParams.get('attribute') || undefined;
      const answer = await groupTags(groups, fingerprint, attribute);
      return answer ? this.#json(res, 200, answer) : this.#json(res, 404, { error: 'no such group' });
    }
    const which = part.slice('events/'.length);
    const event = await groups.event(fingerprint, which === 'latest' || which === 'oldest' ? which : Number(which));
    return event ? this.#json(res, 200, event) : this.#json(res, 404, { error: 'no such stored event of this group' });
  }

  /** `POST …/resolve` (a body `{"in_version": "1.4.0"}`: the release the fix ships in) and `POST …/reopen`. */
  async #status(req: IncomingMessage, res: ServerResponse, fingerprint: string, action: 'resolve' | 'reopen'): Promise<unknown> {
    const body = await smallBody(req);
    if (body === undefined) return this.#json(res, 413, { error: 'too large' });
    let inVersion: string | undefined;
    if (action === 'resolve' && body.trim() !== '') {
      let raw: unknown;
      try {
        raw = JSON.parse(body);
      } catch {
        return this.#json(res, 400, { error: 'send JSON: {"in_version": "1.4.0"}, or no body' });
      }
      const v = raw && typeof raw === 'object' ? (raw as { in_version?: unknown }).in_version : undefined;
      if (v !== undefined && (typeof v !== 'string' || v === '' || v.length > 200))
        return this.#json(res, 400, { error: 'in_version is a release (a non-empty string of at most 200 characters)' });
      inVersion = v;
    }
    const status: GroupStatus = action === 'resolve' ? 'resolved' : 'unresolved';
    const groups = this.#groups;
    const detail = groups && (await changeGroupStatus(groups, fingerprint, status, inVersion));
    return detail ? this.#json(res, 200, detail) : this.#json(res, 404, { error: 'no such group' });
  }

  /** `POST …/ignore`: an empty body ignores until reopened, else `{ until_count | until_users | until }` (dashboard-queries.ts). */
  async #ignore(req: IncomingMessage, res: ServerResponse, fingerprint: string): Promise<unknown> {
    const body = await smallBody(req);
    if (body === undefined) return this.#json(res, 413, { error: 'too large' });
    let raw: unknown;
    try {
      raw = body.trim() === '' ? undefined : JSON.parse(body);
    } catch {
      return this.#json(res, 400, { error: 'send JSON: {"until_count": 10}, {"until_users": 10} or {"until": "2026-12-01T18:00:00Z"}' });
    }
    const parsed = ignoreCondition(raw);
    if ('error' in parsed) return this.#json(res, 400, { error: parsed.error });
    const groups = this.#groups;
    const detail = groups && (await ignoreGroupUntil(groups, fingerprint, parsed.condition));
    return detail ? this.#json(res, 200, detail) : this.#json(res, 404, { error: 'no such group' });
  }

  async #asset(res: ServerResponse, name: string): Promise<void> {
    try {
      const body = await readFile(`${PAGE_DIR}${name}`);
      const type = TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream';
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', ...SECURITY_HEADERS }).end(body);
    } catch {
      this.#json(res, 404, { error: 'not found' });
    }
  }

  #refuse(res: ServerResponse, reason: 'host' | 'origin', message: string): void {
    this.#blocked[reason].add();
    res
      .writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS })
      .end(`${message}\n`);
  }

  #json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.#send(res, status, JSON.stringify(body), headers);
  }

  #send(res: ServerResponse, status: number, json: string, headers: Record<string, string> = {}): void {
    res
      .writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        ...SECURITY_HEADERS,
        ...headers,
      })
      .end(json);
  }
}

const LIST_HELP = {
  understood:
    'status: unresolved | resolved | ignored; sort: last_seen | first_seen | count | users | priority; level: a severity or all; service, environment, release: a value; range: 15m | 1h | 24h | 7d; q: text; limit: above 0',
};

/** A request body of at most 4 KiB (the API's JSON bodies are small); undefined when larger. */
async function smallBody(req: IncomingMessage): Promise<string | undefined> {
  let body = '';
  for await (const c of req) {
    body += c;
    if (body.length > 4096) return undefined;
  }
  return body;
}

/** Stored events as a JSON array of `{id, …event}`, each event's stored text as it is (the JSON lines bytes). */
function eventList(events: readonly StoredEvent[]): string {
  let out = '[';
  for (let i = 0; i < events.length; i++) out += `${i ? ',' : ''}{"id":${events[i].id},${events[i].json.slice(1)}`;
  return `${out}]`;
}
