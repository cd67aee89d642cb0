// The live tail: events as they arrive over SSE, shown in event-time order, each opening to its
// attributes; a volume histogram by severity; the filter in the URL; what a reset missed.
import { severityHistogram } from './charts.js';
import { $, api, currentRoute, setRouteParams } from './dom.js';
import { expandableEvent } from './events.js';

const LIVE_MAX = 500;
const state = { paused: false, held: [], live: [], stream: undefined, resets: 0, reconnects: 0, missed: 0, filter: '', frame: 0 };

/** Newest event time first; events of one time in arrival order, newest first. */
function byTime(a, b) {
  return Date.parse(b.time) - Date.parse(a.time) || (b.id ?? 0) - (a.id ?? 0);
}

/** The stream's server-side filter from the live route's parameters. */
function filterParams(params) {
  const p = new URLSearchParams();
  if (params.get('level')) p.set('min_severity', params.get('level'));
  if (params.get('category')) p.set('category', params.get('category'));
  if (params.get('component')) p.set('component', params.get('component'));
  return p;
}

function liveParams() {
  const { view, params } = currentRoute();
  return view === 'live' ? params : new URLSearchParams(state.filter);
}

function matchesSearch(e) {
  const q = (liveParams().get('q') ?? '').trim().toLowerCase();
  return !q || JSON.stringify(e).toLowerCase().includes(q);
}

function render() {
  state.frame = 0;
  const shown = state.live.filter(matchesSearch);
  // Rows keep their open/closed state across renders: an open row is the one being read.
  const open = new Set([...document.querySelectorAll('#live-events details[open]')].map((d) => d.parentElement?.dataset.id));
  $('live-events').replaceChildren(
    ...shown.map((e) => {
      const item = expandableEvent(e);
      if (open.has(String(e.id))) item.querySelector('details').open = true;
      return item;
    }),
  );
  $('live-histogram').replaceChildren(severityHistogram(shown));
  $('live-stats').textContent =
    `${shown.length} shown${state.held.length ? ` · ${state.held.length} held while paused` : ''} · ${state.reconnects} reconnects · ${state.resets} resets`;
}

function scheduleRender() {
  if (currentRoute().view !== 'live' || state.frame) return;
  state.frame = requestAnimationFrame(render);
}

function add(e) {
  if (state.paused) {
    state.held.push(e);
    if (state.held.length > LIVE_MAX) state.held.shift();
    $('live-stats').textContent = `${state.held.length} held while paused`;
    return;
  }
  // Most events arrive in time order: insert from the front.
  let i = 0;
  while (i < state.live.length && byTime(e, state.live[i]) > 0) i++;
  state.live.splice(i, 0, e);
  if (state.live.length > LIVE_MAX) state.live.pop();
  scheduleRender();
}

export async function reloadLive() {
  const { events } = await api(`/api/events?limit=100&${filterParams(liveParams())}`);
  state.live = events.sort(byTime);
  render();
}

function setConnection(text, cls) {
  $('connection').textContent = text;
  $('connection').className = `connection ${cls}`;
}

/** Connects (again) with the live route's filter; `onReset` reloads whatever view is shown. */
export function connectStream(onReset) {
  state.stream?.close();
  state.filter = filterParams(liveParams()).toString();
  const source = new EventSource(`/api/stream?${state.filter}`);
  state.stream = source;
  source.onopen = () => setConnection('live', 'ok');
  source.onerror = () => {
    state.reconnects++;
    setConnection(source.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting…', 'bad');
    if (source.readyState === EventSource.CLOSED)
      fetch('/api/stats').then((r) => r.status === 401 && window.dispatchEvent(new Event('unauthorized')));
  };
  source.addEventListener('hello', () => setConnection('live', 'ok'));
  source.addEventListener('reset', (m) => {
    // The buffer no longer reached back to the last event this page had: say how many it missed (as Loki's dropped_entries).
    state.resets++;
    let missed = 0;
    try {
      const d = JSON.parse(m.data);
      missed = Math.max(0, Number(d.latest) - Number(d.since));
    } catch {}
    state.missed += missed;
    $('live-reset').hidden = false;
    $('live-reset').textContent =
      `The stream reset: ${missed} event${missed === 1 ? '' : 's'} arrived while this page was away and the replay buffer no longer held them (${state.missed} in all). The latest 100 were reloaded.`;
    reloadLive().catch(() => {});
    onReset();
  });
  source.addEventListener('message', (m) => {
    const e = JSON.parse(m.data);
    e.id = Number(m.lastEventId);
    add(e);
  });
}

let bound = false;
function bindLive() {
  if (bound) return;
  bound = true;
  $('pause').addEventListener('click', () => {
    state.paused = !state.paused;
    $('pause').textContent = state.paused ? 'Resume' : 'Pause';
    $('pause').setAttribute('aria-pressed', String(state.paused));
    if (!state.paused) {
      const held = state.held;
      state.held = [];
      for (const e of held) add(e);
      render();
    }
  });
  $('clear').addEventListener('click', () => {
    state.live = [];
    render();
  });
  for (const [id, key] of [
    ['live-severity', 'level'],
    ['live-category', 'category'],
    ['live-component', 'component'],
  ])
    $(id).addEventListener('change', () => setRouteParams({ [key]: $(id).value.trim() }));
  $('live-search').addEventListener('input', () => {
    setRouteParams({ q: $('live-search').value }, { quiet: true });
    render();
  });
}

/** Shows the live view for its route: the controls follow the URL; a changed filter reconnects. */
export async function loadLive(params, onReset) {
  bindLive();
  $('live-severity').value = params.get('level') ?? '';
  $('live-category').value = params.get('category') ?? '';
  $('live-component').value = params.get('component') ?? '';
  if (document.activeElement !== $('live-search')) $('live-search').value = params.get('q') ?? '';
  if (filterParams(params).toString() !== state.filter) connectStream(onReset);
  await reloadLive();
}
