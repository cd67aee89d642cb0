// The dashboard page: the router (every view's state is in the hash, so a link reproduces it), the
// login, the range, the keyboard (j/k through a list, enter opens), the periodic refresh.
import { $, currentRoute, setRouteParams, Unauthorized } from './dom.js';
import { loadGroup } from './issue-page.js';
import { loadIssues } from './issues.js';
import { connectStream, loadLive } from './live-tail.js';
import { loadOverview } from './overview.js';
import { loadTrace } from './trace.js';

/** The views the range applies to. */
const RANGED = new Set(['overview', 'issues', 'group']);

function showLogin() {
  $('login').hidden = false;
  $('token').focus();
}
window.addEventListener('unauthorized', showLogin);

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
  connectStream(route);
  route();
});

$('range').addEventListener('change', () => setRouteParams({ range: $('range').value }));

let routing = Promise.resolve();
/** Renders the view the hash names; renders run one at a time, so a slow answer never paints over a newer one. */
function route() {
  routing = routing.then(render, render);
  return routing;
}

async function render() {
  const { view, arg, params } = currentRoute();
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.dataset.view !== view;
  for (const a of document.querySelectorAll('nav a'))
    a.setAttribute('aria-current', a.dataset.view === view || (view === 'group' && a.dataset.view === 'issues') ? 'page' : 'false');
  $('range-control').hidden = !RANGED.has(view);
  $('range').value = params.get('range') ?? '1h';
  // The nav keeps the range when moving between the views it applies to.
  for (const a of document.querySelectorAll('nav a[data-view]'))
    a.href = RANGED.has(a.dataset.view) && params.get('range') ? `#/${a.dataset.view}?range=${params.get('range')}` : `#/${a.dataset.view}`;
  $('view-error').hidden = true;
  try {
    if (view === 'overview') await loadOverview(params);
    else if (view === 'issues') await loadIssues(params);
    else if (view === 'group') await loadGroup(arg, params);
    else if (view === 'trace') await loadTrace(arg);
    else if (view === 'live') await loadLive(params, route);
  } catch (error) {
    if (error instanceof Unauthorized) return;
    $('view-error').hidden = false;
    $('view-error').textContent = `Could not load this view: ${error.message}`;
  }
}

// Keyboard: j/k move through the list shown (issues, live tail, recent errors), enter opens, as in
// mail and issue trackers; p/n walk an issue's events. Typing in a field is left alone.
const LISTS = { issues: '#issue-rows tr', live: '#live-events > li', overview: '#recent-errors > li', trace: '#trace-events > li' };
let cursor = -1;
document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest?.('input, select, textarea, [contenteditable]')) return;
  const { view } = currentRoute();
  if (view === 'group' && (e.key === 'p' || e.key === 'n')) {
    const button = [...document.querySelectorAll('.event-nav button')].find((b) => b.getAttribute('aria-keyshortcuts') === e.key);
    if (button && !button.disabled) button.click();
    return;
  }
  const rows = [...document.querySelectorAll(LISTS[view] ?? '')];
  if (!rows.length) return;
  if (e.key === 'j' || e.key === 'k') {
    e.preventDefault();
    cursor = Math.min(rows.length - 1, Math.max(0, (rows.indexOf(document.querySelector('.cursor')) ?? -1) + (e.key === 'j' ? 1 : -1)));
    for (const r of rows) r.classList.remove('cursor');
    const row = rows[cursor];
    row.classList.add('cursor');
    row.setAttribute('tabindex', '-1');
    row.focus();
    row.scrollIntoView({ block: 'nearest' });
  } else if (e.key === 'Enter' && document.activeElement?.classList.contains('cursor')) {
    e.preventDefault();
    const row = document.activeElement;
    // An issue row opens its issue; a tail row opens (or closes) its attributes.
    const link = row.querySelector('a.issue-link');
    const details = row.querySelector(':scope > details');
    if (link) link.click();
    else if (details) details.open = !details.open;
    else row.querySelector('a')?.click();
  }
});

window.addEventListener('hashchange', route);
window.addEventListener('reload', route);
setInterval(() => {
  const { view } = currentRoute();
  // Not while a menu is open or a row is being read: a refresh would close it.
  if ((view === 'overview' || view === 'issues') && !document.querySelector('details[open], .cursor')) route();
}, 10_000);
connectStream(route);
route();
