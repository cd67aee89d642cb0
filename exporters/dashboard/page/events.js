// One event, as a line (lists), as an expandable line (the live tail) and in full (the issue
// page, a trace): its ids, its stack trace with the application's frames first, its attributes.
import { el, kvTable, routeHash, severityBadge, traceLink, userAttributes } from './dom.js';

function head(e) {
  return el(
    'div',
    { class: 'event-head' },
    el('time', { datetime: e.time, title: new Date(e.time).toLocaleString() }, new Date(e.time).toLocaleTimeString()),
    severityBadge(e.severity),
    e.category || e.component ? el('span', { class: 'where' }, [e.category, e.component].filter(Boolean).join('/')) : '',
    el('span', { class: 'name' }, e.event ?? ''),
    el('span', { class: 'message' }, e.message ?? ''),
    e.service ? el('span', { class: 'muted' }, e.service) : '',
    e.fingerprint ? el('a', { href: routeHash('group', e.fingerprint), class: 'group' }, 'issue') : '',
    traceLink(e.trace_id),
  );
}

export function eventItem(e) {
  return el('li', { class: `event sev-line-${e.severity}` }, head(e));
}

/** A stack frame the application wrote (not a dependency's, not the runtime's). */
export function isInAppFrame(line) {
  return !/node_modules|\bnode:|internal\/|<anonymous>|site-packages|dist-packages/.test(line);
}

/** The stack trace: its head line, in-app frames emphasised, runs of other frames folded. */
export function stackTrace(stack) {
  const lines = stack.split('\n');
  const frameStart = lines.findIndex((l) => /^\s+at\s|^\s+File\s/.test(l));
  const headLines = frameStart === -1 ? lines : lines.slice(0, frameStart);
  const frames = frameStart === -1 ? [] : lines.slice(frameStart);
  const out = el(
    'div',
    { class: 'stack', role: 'group', 'aria-label': 'stack trace' },
    el('pre', { class: 'stack-head' }, headLines.join('\n')),
  );
  let folded = [];
  const fold = () => {
    if (!folded.length) return;
    out.append(
      el(
        'details',
        { class: 'frames-other' },
        el('summary', {}, `${folded.length} other frame${folded.length === 1 ? '' : 's'} (dependencies, runtime)`),
        el('pre', {}, folded.join('\n')),
      ),
    );
    folded = [];
  };
  for (const f of frames) {
    if (isInAppFrame(f)) {
      fold();
      out.append(el('pre', { class: 'frame-app' }, f.trim()));
    } else folded.push(f.trim());
  }
  fold();
  return out;
}

/** The ids an event carries, trace linked. */
function ids(e) {
  const rows = [
    ['trace', e.trace_id],
    ['span', e.span_id],
    ['correlation', e.correlation_id],
    ['request', e.request_id],
    ['user', e.user],
    ['service', e.service],
    ['environment', e.environment],
    ['release', e.version],
    ['fingerprint', e.fingerprint],
    ['sample rate', e.sample_rate],
  ].filter(([, v]) => v !== undefined && v !== null && v !== '');
  if (!rows.length) return '';
  return el(
    'dl',
    { class: 'ids' },
    ...rows.flatMap(([k, v]) => [
      el('dt', {}, k),
      el('dd', {}, k === 'trace' ? el('a', { href: `#/trace/${v}`, class: 'trace' }, v) : String(v)),
    ]),
  );
}

/** Everything of one event: ids, error, stack, attributes (the pipeline's own left out) and resource. */
export function eventBody(e) {
  return el(
    'div',
    { class: 'event-body' },
    ids(e),
    // The stack's first line says the type and message already.
    !e.error?.stack && (e.error?.type || e.error?.message)
      ? el('p', { class: 'error-line' }, el('strong', {}, e.error.type ?? 'Error'), e.error.message ? `: ${e.error.message}` : '')
      : '',
    e.error?.stack ? stackTrace(e.error.stack) : '',
    kvTable(userAttributes(e.attributes), 'Attributes'),
    kvTable(Object.entries(e.resource ?? {}), 'Resource'),
  );
}

export function eventDetail(e) {
  return el('li', { class: `event sev-line-${e.severity}` }, head(e), eventBody(e));
}

/** A live-tail line that opens to the event's full attributes. */
export function expandableEvent(e) {
  const item = el('li', { class: `event sev-line-${e.severity}`, 'data-id': e.id });
  const details = el('details', {}, el('summary', {}, head(e)));
  details.addEventListener('toggle', () => {
    if (details.open && details.childElementCount === 1) details.append(eventBody(e));
  });
  item.append(details);
  return item;
}
