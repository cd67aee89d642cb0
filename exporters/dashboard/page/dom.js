// What every view of the page uses: building elements (text always through textContent, never
// as HTML), the API, times and durations, the hash route's parameters.

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== '') node.append(c instanceof Node ? c : String(c));
  return node;
}

export class Unauthorized extends Error {}

/** Fetches JSON from the dashboard's API; 401 opens the login form (the `unauthorized` listener). */
export async function api(path, init) {
  const res = await fetch(path, { credentials: 'same-origin', ...init });
  if (res.status === 401) {
    window.dispatchEvent(new Event('unauthorized'));
    throw new Unauthorized('unauthorized');
  }
  if (!res.ok) {
    let message = `${res.status}`;
    try {
      message = (await res.json()).error ?? message;
    } catch {}
    throw new Error(`${path}: ${message}`);
  }
  return res.json();
}

export function post(path, body) {
  const init = { method: 'POST' };
  if (body !== undefined) Object.assign(init, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return api(path, init);
}

export function ago(iso) {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.round(s)}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export function duration(seconds) {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86400).toFixed(1)}d`;
}

export function timeEl(iso, text = ago(iso)) {
  return el('time', { datetime: iso, title: new Date(iso).toLocaleString() }, text);
}

export function severityBadge(severity) {
  return el('span', { class: `sev sev-${severity}` }, severity.toUpperCase());
}

/** The route in the hash: `#/view/arg?params`. */
export function currentRoute() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = hash.split('?');
  const [view = 'overview', arg] = path.split('/');
  return { view: view || 'overview', arg: arg ? decodeURIComponent(arg) : undefined, params: new URLSearchParams(query) };
}

/** The hash for a view with its parameters (empty values left out), so a link reproduces the view. */
export function routeHash(view, arg, params = {}) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const q = p.toString();
  return `#/${view}${arg ? `/${encodeURIComponent(arg)}` : ''}${q ? `?${q}` : ''}`;
}

/** Replaces the current route's parameters without a new history entry or a hashchange reload when `quiet`. */
export function setRouteParams(params, { quiet = false } = {}) {
  const { view, arg, params: now } = currentRoute();
  const merged = Object.fromEntries(now);
  Object.assign(merged, params);
  const hash = routeHash(view, arg, merged);
  if (hash === location.hash) return;
  if (quiet) history.replaceState(null, '', hash);
  else location.hash = hash;
}

/** An event's attributes without the pipeline's own (`unitrack.*` are shown as named fields or not at all). */
export function userAttributes(attributes) {
  return Object.entries(attributes ?? {}).filter(([k]) => !k.startsWith('unitrack.'));
}

export function valueText(v) {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A two-column table of key/value pairs (attributes, resource). */
export function kvTable(entries, caption) {
  if (!entries.length) return '';
  return el(
    'table',
    { class: 'kv' },
    caption ? el('caption', {}, caption) : '',
    el('tbody', {}, ...entries.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, valueText(v))))),
  );
}

export function traceLink(traceId) {
  return traceId
    ? el('a', { href: `#/trace/${traceId}`, class: 'trace', title: 'Every event of this trace' }, `trace ${traceId.slice(0, 8)}`)
    : '';
}
