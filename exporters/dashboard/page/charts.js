// Small SVG charts: a sparkline and a stacked trend. No library: two shapes do not earn one.
const SVG = 'http://www.w3.org/2000/svg';

function svg(width, height, label) {
  const s = document.createElementNS(SVG, 'svg');
  s.setAttribute('viewBox', `0 0 ${width} ${height}`);
  s.setAttribute('width', String(width));
  s.setAttribute('height', String(height));
  s.setAttribute('role', 'img');
  s.setAttribute('aria-label', label);
  return s;
}

export function sparkline(values, width = 120, height = 24) {
  const s = svg(width, height, `trend, ${values.reduce((a, b) => a + b, 0)} events`);
  const max = Math.max(1, ...values);
  const step = width / Math.max(1, values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(' ');
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points);
  line.setAttribute('class', 'spark');
  s.append(line);
  return s;
}

export function trendChart(trend, width = 900, height = 160) {
  const s = svg(width, height, 'events and errors over time');
  const max = Math.max(1, ...trend.map((t) => t.events));
  const w = width / Math.max(1, trend.length);
  trend.forEach((t, i) => {
    const eh = (t.events / max) * (height - 20);
    const rh = (t.errors / max) * (height - 20);
    const bar = document.createElementNS(SVG, 'rect');
    bar.setAttribute('x', (i * w + 1).toFixed(1));
    bar.setAttribute('y', (height - 16 - eh).toFixed(1));
    bar.setAttribute('width', Math.max(1, w - 2).toFixed(1));
    bar.setAttribute('height', eh.toFixed(1));
    bar.setAttribute('class', 'bar-events');
    const err = document.createElementNS(SVG, 'rect');
    err.setAttribute('x', (i * w + 1).toFixed(1));
    err.setAttribute('y', (height - 16 - rh).toFixed(1));
    err.setAttribute('width', Math.max(1, w - 2).toFixed(1));
    err.setAttribute('height', rh.toFixed(1));
    err.setAttribute('class', 'bar-errors');
    const title = document.createElementNS(SVG, 'title');
    title.textContent = `${t.time}: ${t.events} events, ${t.errors} errors`;
    bar.append(title);
    s.append(bar, err);
  });
  const axis = document.createElementNS(SVG, 'text');
  axis.setAttribute('x', '0');
  axis.setAttribute('y', String(height - 2));
  axis.setAttribute('class', 'axis');
  axis.textContent = trend.length ? `${new Date(trend[0].time).toLocaleString()} → now · max ${max}` : 'no data';
  s.append(axis);
  return s;
}
