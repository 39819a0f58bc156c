// A small SVG time-series chart for the channel page: lines with gaps, an optional target band,
// incident markers and a few axis labels. Sized to the element's pixels so text is never stretched.

const svgNs = 'http://www.w3.org/2000/svg';
const margin = { left: 56, right: 12, top: 8, bottom: 20 };
/** Points further apart than this are not joined: the channel was down or not analysed. */
const maxJoinGapMs = 5000;

function svgEl(tag, attributes = {}, text) {
  const node = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceRange(values, fixed) {
  let min = fixed?.min ?? Math.min(...values);
  let max = fixed?.max ?? Math.max(...values);
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1 };
  if (min === max) {
    // A flat line: keep a pinned end where it is and open the range away from it.
    if (fixed?.min !== undefined) max = min + 1;
    else if (fixed?.max !== undefined) min = max - 1;
    else {
      min -= 1;
      max += 1;
    }
  }
  return { min, max };
}

function timeLabel(ms, spanMs) {
  const date = new Date(ms);
  const options =
    spanMs > 6 * 3600_000
      ? { hour: '2-digit', minute: '2-digit', hour12: false }
      : { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
  return date.toLocaleTimeString(undefined, options);
}

/**
 * Draws into `svg`. `series`: [{ label, color, points: [[timeMs, value|null], ...] }];
 * `band`: { min, max } shaded (a target range); `markers`: [{ startMs, endMs, severity, label }];
 * `yRange`: { min?, max? } to pin an axis end.
 */
export function drawChart(svg, { fromMs, toMs, series, band, markers = [], yRange, unit = '' }) {
  const width = Math.max(200, svg.clientWidth || 800);
  const height = Math.max(80, svg.clientHeight || 120);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.replaceChildren();
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const values = series.flatMap((line) => line.points.map(([, value]) => value)).filter(Number.isFinite);
  if (band) values.push(band.min, band.max);
  const { min, max } = niceRange(values, yRange);
  const spanMs = Math.max(1, toMs - fromMs);
  const x = (ms) => margin.left + ((ms - fromMs) / spanMs) * plotWidth;
  const y = (value) => margin.top + (1 - (value - min) / (max - min)) * plotHeight;

  svg.append(
    svgEl('rect', { x: margin.left, y: margin.top, width: plotWidth, height: plotHeight, fill: '#0d1116' }),
  );
  if (band) {
    const top = y(Math.min(max, band.max));
    svg.append(
      svgEl('rect', {
        x: margin.left,
        y: top,
        width: plotWidth,
        height: Math.max(1, y(Math.max(min, band.min)) - top),
        fill: 'rgba(46, 204, 113, 0.3)',
      }),
    );
  }
  for (const marker of markers) {
    const start = Math.max(fromMs, marker.startMs);
    const end = Math.min(toMs, marker.endMs ?? toMs);
    if (end < fromMs || start > toMs) continue;
    const color = marker.severity === 'critical' ? 'rgba(255, 59, 48, 0.35)' : 'rgba(245, 179, 1, 0.3)';
    const rect = svgEl('rect', {
      x: x(start),
      y: margin.top,
      width: Math.max(2, x(end) - x(start)),
      height: plotHeight,
      fill: color,
    });
    rect.append(svgEl('title', {}, marker.label));
    svg.append(rect);
  }
  for (const value of [min, max]) {
    svg.append(
      svgEl(
        'text',
        { x: margin.left - 6, y: y(value) + 5, 'text-anchor': 'end', fill: '#9aa6b2', 'font-size': 13 },
        `${Number(value.toFixed(2))}${unit}`,
      ),
    );
  }
  for (const fraction of [0, 0.5, 1]) {
    const ms = fromMs + fraction * spanMs;
    const anchor = fraction === 0 ? 'start' : fraction === 1 ? 'end' : 'middle';
    svg.append(
      svgEl(
        'text',
        { x: x(ms), y: height - 4, 'text-anchor': anchor, fill: '#9aa6b2', 'font-size': 13 },
        timeLabel(ms, spanMs),
      ),
    );
  }
  for (const line of series) {
    let path = '';
    let previousMs = null;
    for (const [ms, value] of line.points) {
      if (!Number.isFinite(value)) {
        previousMs = null;
        continue;
      }
      const joined = previousMs !== null && ms - previousMs <= maxJoinGapMs;
      path += `${joined ? 'L' : 'M'}${x(ms).toFixed(1)},${y(Math.min(max, Math.max(min, value))).toFixed(1)}`;
      previousMs = ms;
    }
    if (path) {
      svg.append(svgEl('path', { d: path, fill: 'none', stroke: line.color, 'stroke-width': 1.8 }));
    }
  }
  if (values.length === 0) {
    svg.append(
      svgEl(
        'text',
        { x: width / 2, y: height / 2, 'text-anchor': 'middle', fill: '#9aa6b2', 'font-size': 15 },
        'No data in this window',
      ),
    );
  }
}
