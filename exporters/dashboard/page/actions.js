// What a user does to an issue: resolve, resolve in a release, ignore until a condition, reopen.
// Each is one POST of the dashboard's API; bulk actions send one per selected issue.
import { el, post } from './dom.js';

const HOUR = 3_600_000;
/** Ignore until…: the body of POST /api/groups/:fingerprint/ignore for each preset (none: until reopened). */
const IGNORE_CHOICES = [
  ['until reopened', () => undefined],
  ['for 1 hour', () => ({ until: new Date(Date.now() + HOUR).toISOString() })],
  ['for 24 hours', () => ({ until: new Date(Date.now() + 24 * HOUR).toISOString() })],
  ['until 10 more events', () => ({ until_count: 10 })],
  ['until 10 more users', () => ({ until_users: 10 })],
];

export function groupAction(fingerprint, action, body) {
  return post(`/api/groups/${fingerprint}/${action}`, body);
}

/** What an ignored group waits for, in words ('' when it waits to be reopened). */
export function ignoredUntil(g) {
  const u = g.ignored_until;
  if (!u) return '';
  const parts = [];
  if (u.count !== undefined) parts.push(`${u.count} events`);
  if (u.users !== undefined) parts.push(`${u.users} users`);
  if (u.time !== undefined) parts.push(new Date(u.time).toLocaleString());
  return `until ${parts.join(' or ')}`;
}

/** The custom condition: more events, more users, a time; any given, the first reached reopens. */
function ignoreForm(run) {
  const count = el('input', {
    type: 'number',
    min: '1',
    step: '1',
    name: 'until_count',
    'aria-label': 'more events',
    placeholder: 'events',
  });
  const users = el('input', { type: 'number', min: '1', step: '1', name: 'until_users', 'aria-label': 'more users', placeholder: 'users' });
  const time = el('input', { type: 'datetime-local', name: 'until', 'aria-label': 'until a time' });
  const error = el('span', { class: 'error', role: 'alert' });
  const form = el(
    'form',
    { class: 'ignore-form' },
    el('span', { class: 'muted' }, 'or until the first of:'),
    el('label', {}, count, ' more events'),
    el('label', {}, users, ' more users'),
    el('label', {}, 'time ', time),
    el('button', { type: 'submit' }, 'Ignore until then'),
    error,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = {};
    if (count.value) body.until_count = Number(count.value);
    if (users.value) body.until_users = Number(users.value);
    if (time.value) body.until = new Date(time.value).toISOString();
    if (!Object.keys(body).length) {
      error.textContent = 'Give a count, a number of users or a time.';
      return;
    }
    run(body).catch((err) => {
      error.textContent = err.message;
    });
  });
  return form;
}

/** The Ignore menu; `run(body)` sends the chosen condition (for one issue or the selected ones). */
export function ignoreMenu(run, { label = 'Ignore', custom = false } = {}) {
  const menu = el('details', { class: 'menu' }, el('summary', {}, label));
  const choices = IGNORE_CHOICES.map(([text, body]) => el('button', { type: 'button', onclick: () => run(body()) }, text));
  menu.append(el('div', { class: 'menu-items', role: 'group', 'aria-label': label }, ...choices, custom ? ignoreForm(run) : ''));
  return menu;
}

/** The release after a semver one (1.4.2 → 1.4.3, prerelease and build dropped); '' when it is not semver. */
export function nextRelease(release) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(release ?? '');
  return m ? `${release.startsWith('v') ? 'v' : ''}${m[1]}.${m[2]}.${Number(m[3]) + 1}` : '';
}

/** Resolve in a release: events from older releases are then not regressions (a newer one reopens the issue). */
function resolveInReleaseMenu(g, releases, done) {
  const id = `releases-${g.fingerprint}`;
  const input = el('input', {
    type: 'text',
    name: 'in_version',
    list: id,
    required: true,
    'aria-label': 'the release the fix ships in',
    placeholder: 'e.g. 1.5.0',
    value: nextRelease(g.last_release),
  });
  const error = el('span', { class: 'error', role: 'alert' });
  const form = el(
    'form',
    { class: 'ignore-form' },
    el('label', {}, 'Release the fix ships in ', input),
    el('datalist', { id }, ...releases.map((r) => el('option', { value: r }))),
    el('button', { type: 'submit' }, 'Resolve in this release'),
    el('span', { class: 'muted' }, `Events of ${g.last_release ?? 'the current release'} and older do not reopen it.`),
    error,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    groupAction(g.fingerprint, 'resolve', { in_version: input.value.trim() })
      .then(done)
      .catch((err) => {
        error.textContent = err.message;
      });
  });
  return el('details', { class: 'menu' }, el('summary', {}, 'Resolve in next release'), el('div', { class: 'menu-items' }, form));
}

/** One issue's buttons; `done()` re-renders after the answer. On the issue page (`full`), the release and custom conditions too. */
export function actionButtons(g, done, { full = false, releases = [] } = {}) {
  const buttons = [];
  if (g.status !== 'resolved') {
    buttons.push(el('button', { type: 'button', onclick: () => groupAction(g.fingerprint, 'resolve').then(done) }, 'Resolve'));
    if (full) buttons.push(resolveInReleaseMenu(g, releases, done));
  }
  buttons.push(
    ignoreMenu((body) => groupAction(g.fingerprint, 'ignore', body).then(done), {
      label: g.status === 'ignored' ? 'Ignore again' : 'Ignore',
      custom: full,
    }),
  );
  if (g.status !== 'unresolved')
    buttons.push(el('button', { type: 'button', onclick: () => groupAction(g.fingerprint, 'reopen').then(done) }, 'Reopen'));
  return buttons;
}
