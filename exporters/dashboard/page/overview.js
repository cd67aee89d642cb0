// The Overview: the range's cards, the trend, what the pipeline kept, the loudest errors; and the
// first-run panel while nothing has been received.
import { trendChart } from './charts.js';
import { $, api, duration, el, routeHash } from './dom.js';
import { eventItem } from './events.js';

function firstRun() {
  return el(
    'section',
    { class: 'first-run', id: 'first-run', 'aria-labelledby': 'first-run-title' },
    el('h2', { id: 'first-run-title' }, 'No events yet: send your first one'),
    el('p', {}, 'From a Node.js application, one line (the embedded pipeline starts on the first call):'),
    el(
      'pre',
      {},
      el(
        'code',
        {},
        "import { track } from 'unitrack';\ntrack({ event: 'signup_failed', severity: 'high', message: 'Signup failed', error });",
      ),
    ),
    el(
      'p',
      {},
      'From any OpenTelemetry SDK or Collector: send OTLP/HTTP logs to the collector’s ',
      el('code', {}, 'otlp'),
      ' receiver, ',
      el('code', {}, 'http://127.0.0.1:4318/v1/logs'),
      ' by default (',
      el('code', {}, 'OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318'),
      ').',
    ),
    el('p', {}, 'From a shell, one test event to a running collector:'),
    el('pre', {}, el('code', {}, 'npx unitrack send --severity high --message "Hello from unitrack"')),
    el('p', { class: 'muted' }, 'This page updates on its own when the first event arrives.'),
  );
}

/** What became of the records the pipeline saw, in words: the Overview's counts are taken before sampling. */
function pipelinePanel(flow, metrics) {
  const kept = Math.max(0, flow.seen - flow.sampled_out - flow.rate_limited - flow.dropped);
  const rows = [
    ['seen', flow.seen, 'records the pipeline accepted (track() and OTLP)'],
    ['kept', kept, 'went on to the exporters: the JSON lines file, the blog, the live tail'],
    ['sampled out', flow.sampled_out, 'dropped by the sampler’s per-severity rates'],
    ['rate-limited', flow.rate_limited, 'suppressed by the rate limiter (summarised on a record)'],
  ];
  if (flow.dropped) rows.push(['dropped', flow.dropped, 'a processor failed, or an exporter’s queue was full (see /metrics)']);
  return el(
    'section',
    { class: 'panel', id: 'pipeline-flow', 'aria-labelledby': 'flow-title' },
    el('h2', { id: 'flow-title' }, 'Sampling and rate limiting'),
    el(
      'p',
      { class: 'muted' },
      `Issue counts and the cards above count every event before sampling (${metrics.total_events} in this range), so they are exact; what the outputs keep is fewer. Since the service started:`,
    ),
    el(
      'dl',
      { class: 'flow' },
      ...rows.flatMap(([name, n, what]) => [
        el('dt', {}, name),
        el('dd', {}, el('strong', { 'data-flow': name }, String(n)), ' ', el('span', { class: 'muted' }, what)),
      ]),
    ),
  );
}

export async function loadOverview(params) {
  const range = params.get('range') ?? '1h';
  const [m, stats] = await Promise.all([api(`/api/metrics?range=${encodeURIComponent(range)}`), api('/api/stats')]);
  const empty = (stats.groups?.groups ?? 0) === 0 && stats.pipeline.seen === 0 && m.total_events === 0;
  $('first-run-slot').replaceChildren(empty ? firstRun() : '');
  $('overview-body').hidden = empty;
  if (empty) return;
  $('m-errors').textContent = String(m.total_errors);
  $('m-rate').textContent = `${m.error_rate.toFixed(2)}/min`;
  $('m-share').textContent = `${(m.error_share * 100).toFixed(1)}% of ${m.total_events} events (counted before sampling)`;
  $('m-users').textContent = String(m.affected_users);
  if (m.mttr_seconds === null) {
    $('m-mttr').textContent = '–';
    $('m-mttr-sub').textContent = 'no resolved issues yet in this range';
  } else {
    $('m-mttr').textContent = duration(m.mttr_seconds);
    $('m-mttr-sub').textContent = 'mean time from opening to resolution';
  }
  $('trend').replaceChildren(trendChart(m.trend, { label: 'events and errors' }));
  $('flow-slot').replaceChildren(pipelinePanel(stats.pipeline, m));
  $('distribution').replaceChildren(
    ...(m.distribution.length
      ? m.distribution.map((d) =>
          el(
            'li',
            {},
            el('span', { class: 'bar-label', title: d.type }, d.type),
            el('meter', { min: 0, max: 100, value: d.percent, 'aria-label': `${d.type} share` }),
            el('span', { class: 'num' }, `${d.count} (${d.percent.toFixed(1)}%)`),
          ),
        )
      : [el('li', { class: 'muted' }, 'No errors in this range.')]),
  );
  $('top-errors').replaceChildren(
    ...(m.top_errors.length
      ? m.top_errors.map((g) =>
          el(
            'li',
            {},
            el('a', { href: routeHash('group', g.fingerprint, { range }) }, g.title),
            el('span', { class: 'muted' }, ` · ${g.range_count}`),
          ),
        )
      : [el('li', { class: 'muted' }, 'No errors in this range.')]),
  );
  $('recent-errors').replaceChildren(...m.recent_errors.slice(0, 20).map((e) => eventItem(e)));
}
