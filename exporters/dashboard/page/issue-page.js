// The issue page: the facts and actions, its own chart over the range, one event at a
// time (latest, previous, next, oldest), its tags (exact) and a chosen attribute (sampled), its
// alerts and status history.
import { actionButtons, ignoredUntil } from './actions.js';
import { trendChart } from './charts.js';
import { $, ago, api, el, setRouteParams, severityBadge, timeEl } from './dom.js';
import { eventBody } from './events.js';

const TAG_LABELS = { service: 'Service', environment: 'Environment', release: 'Release', component: 'Component', user: 'Users' };
const TAG_ORDER = Object.keys(TAG_LABELS);
const ALERTS_SHOWN = 8;

function seenLine(label, iso, release) {
  return el('span', {}, `${label} `, timeEl(iso), release ? el('span', {}, ' in ', el('code', {}, release)) : '');
}

function eventNav(ev) {
  const go = (which) => () => setRouteParams({ event: which });
  const button = (label, which, disabled, key) =>
    el(
      'button',
      { type: 'button', onclick: go(which), disabled, 'aria-keyshortcuts': key, title: key ? `${label} (${key})` : label },
      label,
    );
  return el(
    'nav',
    { class: 'event-nav', 'aria-label': 'events of this issue' },
    button('Oldest', 'oldest', ev.previous === undefined),
    button('‹ Previous', String(ev.previous), ev.previous === undefined, 'p'),
    el('span', { class: 'muted', id: 'event-position' }, `event #${ev.seq} · ${ev.stored} stored (the first and the last 10)`),
    button('Next ›', String(ev.next), ev.next === undefined, 'n'),
    button('Latest', 'latest', ev.next === undefined),
  );
}

function tagBlock(tag) {
  const top = tag.values.slice(0, 5);
  const rest = tag.total - top.reduce((n, v) => n + v.count, 0);
  const others = tag.values.length - top.length + (tag.other ? 1 : 0);
  const rows = top.map((v) =>
    el(
      'li',
      {},
      el('span', { class: 'bar-label', title: v.value }, v.value),
      el('meter', { min: 0, max: tag.total, value: v.count, 'aria-label': `${v.value}: ${v.count} of ${tag.total}` }),
      el('span', { class: 'num' }, `${Math.round((100 * v.count) / tag.total)}%`),
    ),
  );
  if (rest > 0)
    rows.push(
      el(
        'li',
        { class: 'muted' },
        `${rest} more event${rest === 1 ? '' : 's'} in ${others} other value${others === 1 ? '' : 's'}${tag.other ? ' (values beyond the first 50 counted together)' : ''}`,
      ),
    );
  return el(
    'section',
    { class: 'tag', 'data-tag': tag.key },
    el(
      'h4',
      {},
      TAG_LABELS[tag.key] ?? tag.key,
      el('span', { class: 'muted' }, ` · ${tag.values.length + (tag.other ? '+' : '')} value${tag.values.length === 1 ? '' : 's'}`),
    ),
    el('ul', { class: 'bars' }, ...rows),
  );
}

function attributePicker(answer, chosen) {
  const select = el(
    'select',
    { id: 'tag-attribute', 'aria-label': 'an attribute to break down' },
    el('option', { value: '' }, 'Pick an attribute…'),
    ...answer.attribute_keys.map((k) => el('option', { value: k, selected: k === chosen }, k)),
  );
  select.addEventListener('change', () => setRouteParams({ attribute: select.value }));
  const out = el('section', { class: 'tag', 'data-tag': 'attribute' }, el('h4', {}, 'Any attribute'), select);
  const a = answer.attribute;
  if (a) {
    out.append(
      el('p', { class: 'muted' }, `Sampled: counted over the ${a.sampled} stored events, not every event.`),
      el(
        'ul',
        { class: 'bars' },
        ...(a.values.length
          ? a.values
              .slice(0, 8)
              .map((v) =>
                el(
                  'li',
                  {},
                  el('span', { class: 'bar-label', title: v.value }, v.value),
                  el('meter', { min: 0, max: a.sampled, value: v.count }),
                  el('span', { class: 'num' }, `${v.count}/${a.sampled}`),
                ),
              )
          : [el('li', { class: 'muted' }, 'Not on the stored events.')]),
      ),
    );
  }
  return out;
}

export async function loadGroup(fp, params) {
  const range = params.get('range') ?? '1h';
  const which = params.get('event') ?? 'latest';
  const attribute = params.get('attribute') ?? '';
  const tagQuery = attribute ? `?attribute=${encodeURIComponent(attribute)}` : '';
  const [g, series, tags, facets] = await Promise.all([
    api(`/api/groups/${fp}`),
    api(`/api/groups/${fp}/series?range=${encodeURIComponent(range)}`),
    api(`/api/groups/${fp}/tags${tagQuery}`),
    api('/api/facets'),
  ]);
  const ev = await api(`/api/groups/${fp}/events/${encodeURIComponent(which)}`).catch(() => api(`/api/groups/${fp}/events/latest`));
  $('group-title').replaceChildren(severityBadge(g.severity), ' ', g.title);
  $('group-meta').textContent =
    `${g.count} events · ${g.users} users · ${[g.status, ignoredUntil(g)].filter(Boolean).join(' ')} · ${g.fingerprint}`;
  $('group-seen').replaceChildren(
    seenLine('First seen', g.first_seen, g.first_release),
    el('span', { class: 'muted' }, ' · '),
    seenLine('Last seen', g.last_seen, g.last_release),
    g.service ? el('span', { class: 'muted' }, ` · ${g.service}`) : '',
  );
  $('group-actions').replaceChildren(
    ...actionButtons(g, () => window.dispatchEvent(new Event('reload')), { full: true, releases: facets.release }),
  );
  $('group-chart-title').textContent = `Events of this issue, last ${range}`;
  $('group-chart').replaceChildren(trendChart(series.trend, { label: 'this issue’s events and errors' }));
  $('group-event').replaceChildren(
    eventNav(ev),
    el(
      'article',
      { class: `event-full sev-line-${ev.event.severity}`, 'aria-labelledby': 'event-message' },
      el(
        'p',
        { class: 'event-when' },
        timeEl(ev.event.time, new Date(ev.event.time).toLocaleString()),
        el('span', { class: 'muted' }, ` · ${ago(ev.event.time)}`),
      ),
      el('h3', { id: 'event-message' }, ev.event.message ?? ev.event.event ?? ''),
      eventBody(ev.event),
    ),
  );
  $('group-tags').replaceChildren(
    ...tags.tags.sort((a, b) => TAG_ORDER.indexOf(a.key) - TAG_ORDER.indexOf(b.key)).map(tagBlock),
    tags.tags.length ? '' : el('p', { class: 'muted' }, 'No service, environment, release, component or user on these events.'),
    attributePicker(tags, attribute),
    el('p', { class: 'muted small' }, 'Service, environment, release, component and users are counted exactly over every event.'),
  );
  $('group-alerts').replaceChildren(
    ...(g.alerts.length
      ? g.alerts
          .slice(0, ALERTS_SHOWN)
          .map((a) =>
            el(
              'li',
              {},
              timeEl(a.at, new Date(a.at).toLocaleString()),
              ' — ',
              el('strong', {}, a.rule ? `rule “${a.rule}”` : a.reason.replace('_', ' ')),
              a.detail ? el('span', { class: 'muted' }, ` · ${a.detail}`) : '',
            ),
          )
      : [el('li', { class: 'muted' }, 'No alerts raised (below the alert floor, or within a cooldown).')]),
    g.alerts.length > ALERTS_SHOWN ? el('li', { class: 'muted' }, `and ${g.alerts.length - ALERTS_SHOWN} earlier`) : '',
  );
  $('group-history').replaceChildren(
    ...g.history.map((h) => el('li', {}, timeEl(h.at, new Date(h.at).toLocaleString()), ` — ${h.status}`)),
  );
}
