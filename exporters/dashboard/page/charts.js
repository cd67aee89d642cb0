// Small SVG charts: a sparkline, a trend of events and errors with a legend, a time axis and a
// hover readout, and the live tail's volume by severity. No library: three shapes do not earn one.
// Labels are HTML beside the SVG, so they stay readable when the SVG scales to a phone's width.
import { el } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const SEVERITY_ORDER = ['debug', 'info', 'low', 'medium', 'high', 'critical'];

function svg(width, height, label) {
  const s = document.createElementNS(SVG, 'svg');
  s.setAttribute('viewBox', `0 0 ${width} ${height}`);
  s.setAttribute('preserveAspectRatio', 'none');
  s.setAttribute('role', 'img');
  s.setAttribute('aria-label', label);
  return s;
}

function shape(name, attrs) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export function sparkline(values, width = 120, height = 24) {
  const s = svg(width, height, `trend, ${values.reduce((a, b) => a + b, 0)} events in 60 minutes`);
  s.setAttribute('width', String(width));
  s.setAttribute('height', String(height));
  const max = Math.max(1, ...values);
  const step = width / Math.max(1, values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(' ');
  s.append(shape('polyline', { points, class: 'spark' }));
  return s;
}

/** A time label fitting the span shown: times within a day, dates and times beyond. */
function timeLabel(ms, spanMs) {
  const d = new Date(ms);
  if (spanMs <= 86_400_000) return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return d.toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' });
}

function legend(items) {
  return el(
    'ul',
    { class: 'legend' },
    ...items.map(([cls, text]) => el('li', {}, el('span', { class: `swatch ${cls}`, 'aria-hidden': 'true' }), text)),
  );
}

/** Labels under a chart at evenly spaced times from `from` to `to` (ms). */
function timeAxis(from, to, { ticks = 5, endsNow = true } = {}) {
  const span = to - from;
  const labels = [];
  for (let i = 0; i < ticks; i++) {
    const t = from + (span * i) / (ticks - 1);
    const label = el('span', {}, i === ticks - 1 && endsNow ? 'now' : timeLabel(t, span));
    // Through the CSSOM: the page's CSP refuses style attributes.
    label.style.left = `${((100 * i) / (ticks - 1)).toFixed(2)}%`;
    labels.push(label);
  }
  return el('div', { class: 'axis-x', 'aria-hidden': 'true' }, ...labels);
}

/**
 * Events and errors per bucket (`trend` as the API gives it: `{time, events, errors}` oldest first),
 * with a legend, a time axis, the scale, and a readout of the bucket under the pointer (or chosen
 * with the arrow keys once the chart has focus).
 */
export function trendChart(trend, { label = 'events and errors over time', height = 140 } = {}) {
  const width = 600;
  const wrap = el('figure', { class: 'trend' });
  if (!trend.length) {
    wrap.append(el('p', { class: 'muted' }, 'No data in this range.'));
    return wrap;
  }
  const bucketMs = trend.length > 1 ? Date.parse(trend[1].time) - Date.parse(trend[0].time) : 60_000;
  const from = Date.parse(trend[0].time);
  const to = Date.parse(trend[trend.length - 1].time) + bucketMs;
  const max = Math.max(1, ...trend.map((t) => t.events));
  const totalEvents = trend.reduce((n, t) => n + t.events, 0);
  const totalErrors = trend.reduce((n, t) => n + t.errors, 0);
  const s = svg(width, height, `${label}: ${totalEvents} events, ${totalErrors} errors`);
  const w = width / trend.length;
  const hover = shape('rect', { x: 0, y: 0, width: w, height, class: 'hover', visibility: 'hidden' });
  s.append(hover);
  for (const line of [0.5, 1])
    s.append(shape('line', { x1: 0, x2: width, y1: height - line * (height - 4), y2: height - line * (height - 4), class: 'grid' }));
  trend.forEach((t, i) => {
    const eh = (t.events / max) * (height - 4);
    const rh = (t.errors / max) * (height - 4);
    const x = (i * w + w * 0.1).toFixed(2);
    const bw = Math.max(0.5, w * 0.8).toFixed(2);
    if (t.events) s.append(shape('rect', { x, y: (height - eh).toFixed(2), width: bw, height: eh.toFixed(2), class: 'bar-events' }));
    if (t.errors) s.append(shape('rect', { x, y: (height - rh).toFixed(2), width: bw, height: rh.toFixed(2), class: 'bar-errors' }));
  });
  const readout = el('figcaption', { class: 'readout', 'aria-live': 'polite' });
  const idle = `${totalEvents} events, ${totalErrors} errors · one bar = ${Math.round(bucketMs / 60_000)} min · point at a bar for its counts`;
  readout.textContent = idle;
  const show = (i) => {
    if (i < 0 || i >= trend.length) {
      hover.setAttribute('visibility', 'hidden');
      readout.textContent = idle;
      return;
    }
    const t = trend[i];
    const start = Date.parse(t.time);
    hover.setAttribute('x', (i * w).toFixed(2));
    hover.setAttribute('visibility', 'visible');
    readout.textContent = `${new Date(start).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })} – ${timeLabel(start + bucketMs, 0)}: ${t.events} events, ${t.errors} errors`;
  };
  let focused = -1;
  const plot = el('div', { class: 'plot', tabindex: '0', 'aria-label': `${label}; arrow keys read each bar` }, s);
  plot.addEventListener('pointermove', (e) => {
    const r = plot.getBoundingClientRect();
    focused = Math.floor(((e.clientX - r.left) / r.width) * trend.length);
    show(focused);
  });
  plot.addEventListener('pointerleave', () => show(-1));
  plot.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    focused = Math.min(trend.length - 1, Math.max(0, (focused < 0 ? trend.length : focused) + (e.key === 'ArrowLeft' ? -1 : 1)));
    show(focused);
  });
  plot.addEventListener('blur', () => show(-1));
  wrap.append(
    legend([
      ['bar-events', 'events'],
      ['bar-errors', 'errors (high, critical, or with an exception)'],
    ]),
    el(
      'div',
      { class: 'chart-body' },
      el('div', { class: 'axis-y', 'aria-hidden': 'true' }, el('span', {}, String(max)), el('span', {}, '0')),
      plot,
    ),
    timeAxis(from, to),
    readout,
  );
  return wrap;
}

/** The live tail's volume: events per time bucket, stacked by severity, over the span the tail holds. */
export function severityHistogram(events, buckets = 40) {
  const wrap = el('figure', { class: 'trend histogram' });
  const times = events.map((e) => Date.parse(e.time)).filter(Number.isFinite);
  if (!times.length) {
    wrap.append(el('p', { class: 'muted' }, 'No events in the tail yet.'));
    return wrap;
  }
  const to = Math.max(...times) + 1;
  const from = Math.min(Math.min(...times), to - 60_000);
  const span = to - from;
  const counts = Array.from({ length: buckets }, () => Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])));
  const totals = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0]));
  for (const e of events) {
    const t = Date.parse(e.time);
    if (!Number.isFinite(t)) continue;
    const i = Math.min(buckets - 1, Math.floor(((t - from) / span) * buckets));
    counts[i][e.severity] = (counts[i][e.severity] ?? 0) + 1;
    totals[e.severity] = (totals[e.severity] ?? 0) + 1;
  }
  const width = 600;
  const height = 60;
  const max = Math.max(1, ...counts.map((c) => SEVERITY_ORDER.reduce((n, s) => n + c[s], 0)));
  const s = svg(
    width,
    height,
    `volume by severity: ${SEVERITY_ORDER.filter((k) => totals[k])
      .map((k) => `${totals[k]} ${k}`)
      .join(', ')}`,
  );
  const w = width / buckets;
  counts.forEach((c, i) => {
    let y = height;
    for (const sev of SEVERITY_ORDER) {
      if (!c[sev]) continue;
      const h = (c[sev] / max) * (height - 2);
      y -= h;
      s.append(
        shape('rect', {
          x: (i * w + w * 0.1).toFixed(2),
          y: y.toFixed(2),
          width: (w * 0.8).toFixed(2),
          height: h.toFixed(2),
          class: `fill-${sev}`,
        }),
      );
    }
  });
  wrap.append(
    legend(SEVERITY_ORDER.filter((k) => totals[k]).map((k) => [`fill-${k}`, `${k} ${totals[k]}`])),
    el(
      'div',
      { class: 'chart-body' },
      el('div', { class: 'axis-y', 'aria-hidden': 'true' }, el('span', {}, String(max)), el('span', {}, '0')),
      el('div', { class: 'plot' }, s),
    ),
    timeAxis(from, to, { endsNow: false }),
  );
  return wrap;
}
