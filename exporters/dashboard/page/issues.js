// The Issues list: filters (status, level, service, environment, release, range, search) and the
// sort live in the URL, so a link reproduces the view; bulk resolve and ignore over the selection.
import { actionButtons, groupAction, ignoredUntil, ignoreMenu } from './actions.js';
import { sparkline } from './charts.js';
import { $, api, el, routeHash, setRouteParams, severityBadge, timeEl } from './dom.js';

/** The list's parameters with their defaults: unresolved, high and above, by priority. */
export const ISSUE_DEFAULTS = { status: 'unresolved', level: 'high', sort: 'priority', service: '', environment: '', release: '', q: '' };

export function issueParams(params) {
  const out = {};
  for (const [k, v] of Object.entries(ISSUE_DEFAULTS)) out[k] = params.get(k) ?? v;
  out.range = params.get('range') ?? '1h';
  return out;
}

const CONTROLS = {
  status: 'issue-status',
  level: 'issue-level',
  sort: 'issue-sort',
  service: 'issue-service',
  environment: 'issue-environment',
  release: 'issue-release',
};

function fillSelect(select, values, current, allLabel) {
  const options = [el('option', { value: '' }, allLabel), ...values.map((v) => el('option', { value: v }, v))];
  if (current && !values.includes(current)) options.push(el('option', { value: current }, current));
  select.replaceChildren(...options);
  select.value = current;
}

let bound = false;
function bindControls() {
  if (bound) return;
  bound = true;
  for (const [key, id] of Object.entries(CONTROLS)) $(id).addEventListener('change', () => setRouteParams({ [key]: $(id).value }));
  let typing;
  $('issue-query').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => setRouteParams({ q: $('issue-query').value }), 250);
  });
  $('issue-all-levels').addEventListener('click', () => setRouteParams({ level: 'all' }));
  $('issue-select-all').addEventListener('change', () => {
    for (const box of document.querySelectorAll('#issue-rows input.pick')) box.checked = $('issue-select-all').checked;
    updateBulk();
  });
}

function selected() {
  return [...document.querySelectorAll('#issue-rows input.pick:checked')].map((b) => b.value);
}

function updateBulk() {
  const fps = selected();
  const bar = $('bulk');
  bar.hidden = fps.length === 0;
  if (!fps.length) return;
  const run = async (action, body) => {
    // One request per issue: the API's actions are per issue, and a failure names its issue.
    const results = await Promise.allSettled(fps.map((fp) => groupAction(fp, action, body)));
    const failed = results.filter((r) => r.status === 'rejected').length;
    $('bulk-result').textContent =
      `${fps.length - failed} ${action === 'resolve' ? 'resolved' : 'ignored'}${failed ? `, ${failed} failed` : ''}`;
    window.dispatchEvent(new Event('reload'));
  };
  $('bulk-count').textContent = `${fps.length} selected`;
  $('bulk-actions').replaceChildren(
    el('button', { type: 'button', onclick: () => run('resolve') }, 'Resolve selected'),
    ignoreMenu((body) => run('ignore', body), { label: 'Ignore selected' }),
  );
}

export async function loadIssues(params) {
  bindControls();
  const p = issueParams(params);
  for (const [key, id] of Object.entries(CONTROLS)) if (!['service', 'environment', 'release'].includes(key)) $(id).value = p[key];
  if (document.activeElement !== $('issue-query')) $('issue-query').value = p.q;
  const query = new URLSearchParams({ sort: p.sort, range: p.range, limit: '200' });
  for (const k of ['status', 'service', 'environment', 'release', 'q']) if (p[k]) query.set(k, p[k]);
  if (p.level && p.level !== 'all') query.set('level', p.level);
  const [{ groups }, facets] = await Promise.all([api(`/api/groups?${query}`), api('/api/facets')]);
  fillSelect($('issue-service'), facets.service, p.service, 'All services');
  fillSelect($('issue-environment'), facets.environment, p.environment, 'All environments');
  fillSelect($('issue-release'), facets.release, p.release, 'All releases');
  $('issue-all-levels').hidden = p.level === 'all';
  // Back to the defaults, keeping the range.
  const changed = Object.entries(ISSUE_DEFAULTS).some(([k, v]) => p[k] !== v);
  $('issue-clear').hidden = !changed;
  $('issue-clear').setAttribute('href', routeHash('issues', undefined, { range: params.get('range') ?? '' }));
  $('issue-range-note').textContent = `seen in the last ${p.range}`;
  const keep = new Set(selected());
  const reload = () => window.dispatchEvent(new Event('reload'));
  $('issue-rows').replaceChildren(
    ...groups.map((g) =>
      el(
        'tr',
        { 'data-fingerprint': g.fingerprint, class: 'row' },
        el(
          'td',
          { class: 'pick-cell' },
          el('input', {
            type: 'checkbox',
            class: 'pick',
            value: g.fingerprint,
            'aria-label': `select ${g.title}`,
            checked: keep.has(g.fingerprint),
            onchange: updateBulk,
          }),
        ),
        el(
          'td',
          { class: 'issue-cell' },
          severityBadge(g.severity),
          ' ',
          el('a', { href: routeHash('group', g.fingerprint, { range: p.range }), class: 'issue-link' }, g.title),
          el('div', { class: 'muted' }, [g.service, g.component, g.category, g.last_release].filter(Boolean).join(' · ')),
        ),
        el('td', { class: 'hide-narrow' }, sparkline(g.trend)),
        el('td', { class: 'num', title: `${g.count} in all` }, String(g.range_count ?? g.count)),
        el('td', { class: 'num hide-narrow' }, String(g.users)),
        el('td', { class: 'hide-narrow' }, timeEl(g.first_seen)),
        el('td', {}, timeEl(g.last_seen)),
        el(
          'td',
          { class: 'hide-narrow' },
          el('span', { class: `status status-${g.status}` }, g.status),
          g.ignored_until ? el('div', { class: 'muted until' }, ignoredUntil(g)) : '',
        ),
        el('td', { class: 'actions' }, ...actionButtons(g, reload)),
      ),
    ),
  );
  $('issue-select-all').checked = false;
  updateBulk();
  const hidden = p.level !== 'all' ? ' Lower levels are hidden: choose “All levels” to see them.' : '';
  $('issues-empty').textContent = `No issues match.${hidden}`;
  $('issues-empty').hidden = groups.length > 0;
}
