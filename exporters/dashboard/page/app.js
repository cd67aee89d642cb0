// The dashboard page. Every string from a record goes in through textContent, never as HTML.
import { sparkline, trendChart } from './charts.js';

const $ = (id) => document.getElementById(id);
const LIVE_MAX = 500;
const state = { view: 'overview', paused: false, held: [], live: [], stream: undefined, resets: 0, reconnects: 0 };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
  return node;
}

function ago(iso) {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.round(s)}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

async function api(path, init) {
  const res = await fetch(path, { credentials: 'same-origin', ...init });
  if (res.status === 401) {
    showLogin();
    throw new Error('unauthorized');
  }
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

function showLogin() {
  $('login').hidden = false;
  $('token').focus();
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const res = await fetch('/api/session', {
    method: 'POST',
    body: JSON.stringify({ token: $('token').value }),
    headers: { 'content-type': 'application/json' },
  });
  if (!res.ok) {
    $('login-error').textContent = 'That token was not accepted.';
    return;
  }
  $('login').hidden = true;
  $('token').value = '';
  connectStream();
  route();
});

function severityBadge(severity) {
  return el('span', { class: `sev sev-${severity}` }, severity.toUpperCase());
}

function traceLink(traceId) {
  return traceId
    ? el('a', { href: `#/trace/${traceId}`, class: 'trace', title: 'Every event of this trace' }, `trace ${traceId.slice(0, 8)}`)
    : '';
}

function eventItem(e, { detail = false } = {}) {
  const head = el(
    'div',
    { class: 'event-head' },
    el('time', { datetime: e.time }, new Date(e.time).toLocaleTimeString()),
    severityBadge(e.severity),
    e.category || e.component ? el('span', { class: 'where' }, [e.category, e.component].filter(Boolean).join('/')) : '',
    el('span', { class: 'name' }, e.event ?? ''),
    el('span', { class: 'message' }, e.message ?? ''),
    e.service ? el('span', { class: 'muted' }, e.service) : '',
    e.fingerprint ? el('a', { href: `#/group/${e.fingerprint}`, class: 'group' }, 'issue') : '',
    traceLink(e.trace_id),
  );
  if (!detail) return el('li', { class: `event sev-line-${e.severity}` }, head);
  const ids = el(
    'dl',
    { class: 'ids' },
    ...[
      ['trace', e.trace_id],
      ['span', e.span_id],
      ['correlation', e.correlation_id],
      ['request', e.request_id],
      ['user', e.user],
    ]
      .filter(([, v]) => v)
      .flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, k === 'trace' ? el('a', { href: `#/trace/${v}` }, v) : v)]),
  );
  const stack = e.error?.stack ? el('pre', { class: 'stack' }, e.error.stack) : '';
  const attrs = e.attributes ? el('pre', { class: 'attrs' }, JSON.stringify(e.attributes, null, 2)) : '';
  return el('li', { class: `event sev-line-${e.severity}` }, head, ids, stack, attrs);
}

// Overview
async function loadOverview() {
  const m = await api(`/api/metrics?range=${$('range').value}`);
  $('m-errors').textContent = String(m.total_errors);
  $('m-rate').textContent = `${m.error_rate.toFixed(2)}/min`;
  $('m-share').textContent = `${(m.error_share * 100).toFixed(1)}% of ${m.total_events} events`;
  $('m-users').textContent = String(m.affected_users);
  $('m-mttr').textContent = duration(m.mttr_seconds);
  $('trend').replaceChildren(trendChart(m.trend));
  $('distribution').replaceChildren(
    ...m.distribution.map((d) =>
      el(
        'li',
        {},
        el('span', { class: 'bar-label' }, d.type),
        el('meter', { min: 0, max: 100, value: d.percent }),
        el('span', {}, `${d.count} (${d.percent.toFixed(1)}%)`),
      ),
    ),
  );
  $('top-errors').replaceChildren(
    ...m.top_errors.map((g) => el('li', {}, el('a', { href: `#/group/${g.fingerprint}` }, g.title), ` · ${g.range_count}`)),
  );
  $('recent-errors').replaceChildren(...m.recent_errors.slice(0, 20).map((e) => eventItem(e)));
}

// Issues
async function setStatus(fingerprint, action, body) {
  const init = { method: 'POST' };
  if (body) Object.assign(init, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  await api(`/api/groups/${fingerprint}/${action}`, init);
  route();
}

const HOUR = 3_600_000;
/** Ignore until…: the body of POST /api/groups/:fingerprint/ignore for each choice (none: until reopened). */
const IGNORE_CHOICES = [
  ['until reopened', () => undefined],
  ['for 1 hour', () => ({ until: new Date(Date.now() + HOUR).toISOString() })],
  ['for 24 hours', () => ({ until: new Date(Date.now() + 24 * HOUR).toISOString() })],
  ['until 10 more events', () => ({ until_count: 10 })],
  ['until 10 more users', () => ({ until_users: 10 })],
];

function ignoreMenu(g) {
  const menu = el('details', { class: 'menu' }, el('summary', {}, g.status === 'ignored' ? 'Ignore again' : 'Ignore'));
  const choices = IGNORE_CHOICES.map(([label, body]) =>
    el('button', { type: 'button', onclick: () => setStatus(g.fingerprint, 'ignore', body()) }, label),
  );
  menu.append(el('div', { class: 'menu-items', role: 'group', 'aria-label': 'Ignore' }, ...choices));
  return menu;
}

/** What an ignored group waits for, in words ('' when it waits to be reopened). */
function ignoredUntil(g) {
  const u = g.ignored_until;
  if (!u) return '';
  const parts = [];
  if (u.count !== undefined) parts.push(`${u.count} events`);
  if (u.users !== undefined) parts.push(`${u.users} users`);
  if (u.time !== undefined) parts.push(new Date(u.time).toLocaleString());
  return `until ${parts.join(' or ')}`;
}

function actionButtons(g) {
  const buttons = [];
  if (g.status !== 'resolved')
    buttons.push(el('button', { type: 'button', onclick: () => setStatus(g.fingerprint, 'resolve') }, 'Resolve'));
  buttons.push(ignoreMenu(g));
  if (g.status !== 'unresolved')
    buttons.push(el('button', { type: 'button', onclick: () => setStatus(g.fingerprint, 'reopen') }, 'Reopen'));
  return buttons;
}

async function loadIssues() {
  const params = new URLSearchParams({ sort: $('issue-sort').value, q: $('issue-query').value });
  if ($('issue-status').value) params.set('status', $('issue-status').value);
  const { groups } = await api(`/api/groups?${params}`);
  $('issue-rows').replaceChildren(
    ...groups.map((g) =>
      el(
        'tr',
        {},
        el(
          'td',
          {},
          severityBadge(g.severity),
          ' ',
          el('a', { href: `#/group/${g.fingerprint}` }, g.title),
          el('div', { class: 'muted' }, [g.component, g.category].filter(Boolean).join(' · ')),
        ),
        el('td', {}, sparkline(g.trend)),
        el('td', { class: 'num' }, String(g.count)),
        el('td', { class: 'num' }, String(g.users)),
        el('td', {}, el('time', { datetime: g.first_seen, title: g.first_seen }, ago(g.first_seen))),
        el('td', {}, el('time', { datetime: g.last_seen, title: g.last_seen }, ago(g.last_seen))),
        el(
          'td',
          {},
          el('span', { class: `status status-${g.status}` }, g.status),
          g.ignored_until ? el('div', { class: 'muted until' }, ignoredUntil(g)) : '',
        ),
        el('td', { class: 'actions' }, ...actionButtons(g)),
      ),
    ),
  );
  $('issues-empty').hidden = groups.length > 0;
}

async function loadGroup(fingerprint) {
  const g = await api(`/api/groups/${fingerprint}`);
  $('group-title').textContent = g.title;
  $('group-meta').textContent =
    `${g.count} events · ${g.users} users · first seen ${ago(g.first_seen)} · last seen ${ago(g.last_seen)} · ${[g.status, ignoredUntil(g)].filter(Boolean).join(' ')} · ${g.fingerprint}`;
  $('group-actions').replaceChildren(...actionButtons(g));
  $('group-events').replaceChildren(el('ul', { class: 'events' }, ...g.events.map((e) => eventItem(e, { detail: true }))));
  $('group-history').replaceChildren(...g.history.map((h) => el('li', {}, `${new Date(h.at).toLocaleString()} — ${h.status}`)));
}

async function loadTrace(traceId) {
  $('trace-id').textContent = traceId;
  const { events } = await api(`/api/traces/${traceId}`);
  $('trace-events').replaceChildren(...events.map((e) => eventItem(e, { detail: true })));
}

// Live tail
function liveFilterParams() {
  const p = new URLSearchParams();
  if ($('live-severity').value) p.set('min_severity', $('live-severity').value);
  if ($('live-category').value) p.set('category', $('live-category').value.trim());
  if ($('live-component').value) p.set('component', $('live-component').value.trim());
  return p;
}

function matchesSearch(e) {
  const q = $('live-search').value.trim().toLowerCase();
  return !q || JSON.stringify(e).toLowerCase().includes(q);
}

function renderLive() {
  $('live-events').replaceChildren(...state.live.filter(matchesSearch).map((e) => eventItem(e)));
  $('live-stats').textContent =
    `${state.live.length} shown${state.held.length ? ` · ${state.held.length} held while paused` : ''} · ${state.reconnects} reconnects · ${state.resets} resets`;
}

function addLive(e) {
  if (state.paused) {
    state.held.push(e);
    if (state.held.length > LIVE_MAX) state.held.shift();
    $('live-stats').textContent = `${state.held.length} held while paused`;
    return;
  }
  state.live.unshift(e);
  if (state.live.length > LIVE_MAX) state.live.pop();
  if (state.view === 'live') renderLive();
}

async function reloadLive() {
  const { events } = await api(`/api/events?limit=100&${liveFilterParams()}`);
  state.live = events;
  renderLive();
}

function setConnection(text, cls) {
  $('connection').textContent = text;
  $('connection').className = `connection ${cls}`;
}

function connectStream() {
  state.stream?.close();
  const source = new EventSource(`/api/stream?${liveFilterParams()}`);
  state.stream = source;
  source.onopen = () => setConnection('live', 'ok');
  source.onerror = () => {
    state.reconnects++;
    setConnection(source.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting…', 'bad');
    if (source.readyState === EventSource.CLOSED) fetch('/api/stats').then((r) => r.status === 401 && showLogin());
  };
  source.addEventListener('hello', () => setConnection('live', 'ok'));
  source.addEventListener('reset', () => {
    state.resets++;
    reloadLive();
    if (state.view !== 'live') route();
  });
  source.addEventListener('message', (m) => {
    const e = JSON.parse(m.data);
    e.id = Number(m.lastEventId);
    addLive(e);
  });
}

$('pause').addEventListener('click', () => {
  state.paused = !state.paused;
  $('pause').textContent = state.paused ? 'Resume' : 'Pause';
  $('pause').setAttribute('aria-pressed', String(state.paused));
  if (!state.paused) {
    for (const e of state.held) addLive(e);
    state.held = [];
    renderLive();
  }
});
$('clear').addEventListener('click', () => {
  state.live = [];
  renderLive();
});
for (const id of ['live-severity', 'live-category', 'live-component']) {
  $(id).addEventListener('change', () => {
    connectStream();
    reloadLive();
  });
}
$('live-search').addEventListener('input', renderLive);
for (const id of ['issue-status', 'issue-sort']) $(id).addEventListener('change', loadIssues);
$('issue-query').addEventListener('input', loadIssues);
$('range').addEventListener('change', () => state.view === 'overview' && loadOverview());

// Routing: #/overview, #/issues, #/group/<fingerprint>, #/trace/<id>, #/live
async function route() {
  const [, view = 'overview', arg] = location.hash.split('/');
  state.view = view;
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.dataset.view !== view;
  for (const a of document.querySelectorAll('nav a')) a.setAttribute('aria-current', a.dataset.view === view ? 'page' : 'false');
  try {
    if (view === 'overview') await loadOverview();
    else if (view === 'issues') await loadIssues();
    else if (view === 'group') await loadGroup(arg);
    else if (view === 'trace') await loadTrace(arg);
    else if (view === 'live') await reloadLive();
  } catch (error) {
    if (error.message !== 'unauthorized') console.error(error);
  }
}

window.addEventListener('hashchange', route);
setInterval(() => {
  if (!state.paused && (state.view === 'overview' || state.view === 'issues')) route();
}, 10_000);
connectStream();
route();
