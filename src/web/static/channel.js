// One channel: per-chunk timelines with incident markers, zoom presets, and each detector's current state.
import {
  apiRequest,
  badgeElement,
  el,
  formatNumber,
  formatTime,
  kindName,
  openEventStream,
} from './common.js';
import { drawChart } from './charts.js';

const channelId = new URLSearchParams(location.search).get('id') ?? '';
const zoomSpansMs = { '5m': 5 * 60_000, '1h': 3600_000, '24h': 24 * 3600_000 };
/** The API answers at most 10 000 chunks; 24 h is read as this many evenly spread samples of a few chunks. */
const sampledSlices = 96;
const chunksPerSlice = 20;
const liveRefreshMs = 5000;
const defaultTargetLufs = -23;
const defaultToleranceLu = 1;

const titleNode = document.getElementById('channel-title');
const stateNode = document.getElementById('channel-state');
const detectorsNode = document.getElementById('detectors');
const chartsNode = document.getElementById('charts');
const incidentListNode = document.getElementById('incident-list');
const windowNode = document.getElementById('window');
const incidentsLink = document.getElementById('incidents-link');
const transportPanel = document.getElementById('transport-panel');
const transportChecksNode = document.getElementById('transport-checks');
const transportFiguresNode = document.getElementById('transport-figures');
const hlsPanel = document.getElementById('hls-panel');
const hlsPlaylistsNode = document.getElementById('hls-playlists');
const hlsFiguresNode = document.getElementById('hls-figures');
/** HLS delivery checks are incident kinds `hls-<check>` (src/hls/hls-checks.ts). */
const isHlsKind = (kind) => kind.startsWith('hls-');

/** TR 101 290 checks as the API counts them (src/transport/ts-checks.ts) and their incident kinds. */
const transportChecks = [
  { name: '1.1 sync loss', counter: 'syncLoss', priority: 1, kind: 'ts-sync-loss' },
  { name: '1.2 sync byte', counter: 'syncByteError', priority: 1, kind: 'ts-sync-byte' },
  { name: '1.3 PAT', counter: 'patError', priority: 1, kind: 'ts-pat' },
  { name: '1.4 continuity', counter: 'continuityError', priority: 1, kind: 'ts-continuity' },
  { name: '1.5 PMT', counter: 'pmtError', priority: 1, kind: 'ts-pmt' },
  { name: '1.6 PID', counter: 'pidError', priority: 1, kind: 'ts-pid' },
  { name: '2.1 transport error', counter: 'transportError', priority: 2, kind: 'ts-transport-error' },
  { name: '2.2 CRC', counter: 'crcError', priority: 2, kind: 'ts-crc' },
  { name: '2.3 PCR repetition', counter: 'pcrRepetitionError', priority: 2, kind: 'ts-pcr-repetition' },
  {
    name: '2.3 PCR discontinuity',
    counter: 'pcrDiscontinuityError',
    priority: 2,
    kind: 'ts-pcr-discontinuity',
  },
  { name: '2.5 PTS repetition', counter: 'ptsError', priority: 2, kind: 'ts-pts-repetition' },
];

let zoom = '5m';
let status = null;
const openIncidents = new Map();

const maxOf = (values) => {
  const numbers = Array.isArray(values) ? values.filter(Number.isFinite) : [];
  return numbers.length ? Math.max(...numbers) : null;
};
const sumOf = (...values) => {
  const numbers = values.filter(Number.isFinite);
  return numbers.length ? numbers.reduce((a, b) => a + b, 0) : null;
};

/** Every timeline: how to read its figure from a chunk, and which incident kinds mark it. */
const chartSpecs = [
  {
    id: 'black',
    title: 'Black ratio (0-1)',
    kinds: ['black'],
    yRange: { min: 0, max: 1 },
    series: [{ label: 'black ratio', color: '#e8edf2', read: (m) => m.black?.blackRatio }],
  },
  {
    id: 'freeze',
    title: 'Freeze: still frames per chunk',
    kinds: ['freeze'],
    yRange: { min: 0 },
    series: [{ label: 'still frames', color: '#4aa3ff', read: (m) => m.freeze?.stillFrames }],
  },
  {
    id: 'blockiness',
    title: 'Blockiness score',
    kinds: ['blockiness'],
    yRange: { min: 0 },
    series: [{ label: 'blockiness', color: '#c792ea', read: (m) => m.blockiness?.blockinessScore }],
  },
  {
    id: 'loudness',
    title: 'Loudness (LUFS): momentary (thin), short-term (bold), target band',
    kinds: ['loudness', 'silence', 'clipping', 'audio-dropout'],
    yRange: { min: -50, max: 0 },
    band: true,
    series: [
      { label: 'momentary', color: '#7f8c99', read: (m) => m.loudness?.momentaryLufs },
      { label: 'short-term', color: '#2ecc71', read: (m) => m.loudness?.shortTermLufs },
    ],
  },
  {
    id: 'true-peak',
    title: 'True peak (dBTP, loudest channel)',
    kinds: ['true-peak'],
    yRange: { max: 0 },
    series: [{ label: 'true peak', color: '#f5b301', read: (m) => maxOf(m['true-peak']?.truePeakDbtp) }],
  },
  {
    id: 'av-sync',
    title: 'A/V offset (ms)',
    kinds: ['av-sync'],
    series: [{ label: 'offset', color: '#4aa3ff', read: (m) => m['av-sync']?.offsetMs }],
  },
  {
    id: 'decode-error',
    title: 'Decode errors (corrupt frames + rejected packets)',
    kinds: ['decode-error'],
    yRange: { min: 0 },
    series: [
      {
        label: 'errors',
        color: '#ff3b30',
        read: (m) => sumOf(m['decode-error']?.corruptFrames, m['decode-error']?.rejectedPackets),
      },
    ],
  },
  {
    id: 'transport',
    title: 'Transport errors per chunk (TR 101 290 priority 1, priority 2)',
    kinds: transportChecks.map((check) => check.kind),
    yRange: { min: 0 },
    series: [
      { label: 'priority 1', color: '#ff3b30', read: (m) => m.transport?.priority1Errors },
      { label: 'priority 2', color: '#f5b301', read: (m) => m.transport?.priority2Errors },
    ],
  },
  {
    id: 'hls',
    title: 'HLS delivery per chunk (playlist errors, segment failures, slow segments)',
    kinds: [
      'hls-playlist-http',
      'hls-playlist-invalid',
      'hls-stale-playlist',
      'hls-segment-failed',
      'hls-segment-slow',
    ],
    yRange: { min: 0 },
    series: [
      { label: 'playlist errors', color: '#ff3b30', read: (m) => m.hls?.playlistErrors },
      { label: 'segment failures', color: '#f5b301', read: (m) => m.hls?.segmentFailures },
      { label: 'slow segments', color: '#4aa3ff', read: (m) => m.hls?.slowSegments },
    ],
  },
];
/** Marked on every timeline: the whole channel was affected. */
const channelWideKinds = new Set(['dead-channel', 'no-signal', 'video-stall', 'decoder-crash']);

const charts = chartSpecs.map((spec) => {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', spec.title);
  const node = el('div', { class: 'chart', 'data-chart': spec.id }, el('h3', { text: spec.title }), svg);
  chartsNode.append(node);
  return { spec, svg };
});

async function readChunks(fromMs, toMs) {
  const base = `/api/channels/${encodeURIComponent(channelId)}/chunks`;
  if (toMs - fromMs <= zoomSpansMs['1h']) {
    const { chunks } = await apiRequest(`${base}?from=${fromMs}&to=${toMs}&limit=10000`);
    return chunks;
  }
  const sliceMs = (toMs - fromMs) / sampledSlices;
  const slices = [];
  for (let index = 0; index < sampledSlices; index += 1) {
    const start = Math.round(fromMs + index * sliceMs);
    slices.push(
      apiRequest(`${base}?from=${start}&to=${Math.round(start + sliceMs)}&limit=${chunksPerSlice}`),
    );
  }
  return (await Promise.all(slices)).flatMap((answer) => answer.chunks);
}

/** The channel's target from its newest loudness figures, else a loudness incident's, else EBU R128. */
function loudnessBand(chunks, incidents) {
  const figures =
    chunks.findLast((chunk) => typeof chunk.measurements?.loudness?.targetLufs === 'number')?.measurements
      .loudness ??
    incidents.find((incident) => incident.kind === 'loudness')?.details ??
    {};
  const target = typeof figures.targetLufs === 'number' ? figures.targetLufs : defaultTargetLufs;
  const tolerance = typeof figures.toleranceLu === 'number' ? figures.toleranceLu : defaultToleranceLu;
  return { min: target - tolerance, max: target + tolerance };
}

async function drawTimelines() {
  const toMs = Date.now();
  const fromMs = toMs - zoomSpansMs[zoom];
  const [chunks, { incidents }] = await Promise.all([
    readChunks(fromMs, toMs),
    apiRequest(
      `/api/incidents?channel=${encodeURIComponent(channelId)}&since=${fromMs - zoomSpansMs['24h']}&until=${toMs}&limit=1000`,
    ),
  ]);
  const inWindow = incidents.filter((incident) => (incident.closedAtMs ?? toMs) >= fromMs);
  chunks.sort((a, b) => a.startedAtMs - b.startedAtMs);
  for (const { spec, svg } of charts) {
    const markers = inWindow
      .filter((incident) => spec.kinds.includes(incident.kind) || channelWideKinds.has(incident.kind))
      .map((incident) => ({
        startMs: incident.startedAtMs,
        endMs: incident.closedAtMs,
        severity: incident.severity,
        label: `${kindName(incident.kind)} from ${formatTime(incident.startedAtMs)}`,
      }));
    drawChart(svg, {
      fromMs,
      toMs,
      markers,
      ...(spec.yRange ? { yRange: spec.yRange } : {}),
      ...(spec.band ? { band: loudnessBand(chunks, incidents) } : {}),
      series: spec.series.map((line) => ({
        label: line.label,
        color: line.color,
        points: chunks.map((chunk) => {
          const value = line.read(chunk.measurements ?? {});
          return [chunk.startedAtMs, typeof value === 'number' ? value : null];
        }),
      })),
    });
  }
  windowNode.textContent = `${formatTime(fromMs)} – ${formatTime(toMs)} · ${chunks.length} chunks${
    zoom === '24h' ? ' (sampled)' : ''
  }`;
  incidentListNode.replaceChildren(
    ...(inWindow.length
      ? inWindow.map((incident) =>
          el(
            'li',
            {},
            badgeElement(incident),
            ` ${formatTime(incident.startedAtMs)} → ${incident.closedAtMs ? formatTime(incident.closedAtMs) : 'open'}`,
          ),
        )
      : [el('li', { text: 'No incidents in this window.' })]),
  );
}

function figuresText(figures) {
  return Object.entries(figures ?? {})
    .map(([name, value]) => {
      if (Array.isArray(value)) return `${name} ${value.map((v) => formatNumber(v, 1)).join(' / ')}`;
      if (value === null || value === undefined) return `${name} —`;
      return `${name} ${typeof value === 'number' ? formatNumber(value, Number.isInteger(value) ? 0 : 2) : value}`;
    })
    .join(' · ');
}

function pidHex(pid) {
  return `0x${pid.toString(16).padStart(4, '0')}`;
}

/** The TR 101 290 table: counts since the monitor started, the last chunk's, open incidents per check. */
function renderTransport(incidents) {
  const totals = status.transport;
  const last = status.latest?.transport;
  transportPanel.hidden = !totals && !last;
  if (transportPanel.hidden) return;
  transportChecksNode.replaceChildren(
    ...transportChecks.map((check) => {
      const mine = incidents.filter((incident) => incident.kind === check.kind);
      return el(
        'tr',
        {},
        el('th', { scope: 'row', text: check.name }),
        el('td', { text: String(check.priority) }),
        el('td', {}, String(totals?.counts?.[check.counter] ?? 0), ' ', ...mine.map(badgeElement)),
        el('td', { text: String(last?.[check.counter] ?? '—') }),
      );
    }),
  );
  const pids = (last?.pids ?? [])
    .map((figures) => `${pidHex(figures.pid)} ${formatNumber((figures.bitrateBps ?? 0) / 1000, 0)} kb/s`)
    .join(' · ');
  transportFiguresNode.textContent =
    `Bitrate ${formatNumber((last?.bitrateBps ?? 0) / 1000, 0)} kb/s${pids ? ` (${pids})` : ''}. ` +
    `Monitor's own receive drops: ${totals?.receiveDroppedPackets ?? 0} packets; ` +
    `${totals?.suppressedContinuityErrors ?? 0} continuity breaks blamed on them, not on the stream.`;
}

function playlistName(playlist) {
  return playlist.playlist < 0 ? 'multivariant' : `#${playlist.playlist}`;
}

function kbps(bps) {
  return typeof bps === 'number' ? `${formatNumber(bps / 1000, 0)} kb/s` : '—';
}

function ms(value) {
  return typeof value === 'number' ? `${formatNumber(value, 0)} ms` : '—';
}

/** HLS delivery per playlist: counts since the monitor started, the latest latencies, open incidents. */
function renderHls(incidents) {
  const totals = status.hls;
  hlsPanel.hidden = !totals;
  if (!totals) return;
  hlsPlaylistsNode.replaceChildren(
    ...totals.playlists.map((playlist) =>
      el(
        'tr',
        { 'data-playlist': String(playlist.playlist) },
        el('th', { scope: 'row', text: playlistName(playlist) }),
        el('td', { text: String(playlist.playlistFetches) }),
        el('td', { text: String(playlist.playlistErrors) }),
        el('td', { text: String(playlist.stalePlaylists) }),
        el('td', {
          text: `${playlist.segments} (${playlist.segmentFailures}, ${playlist.slowSegments})`,
        }),
        el('td', {
          text: `${ms(playlist.lastPlaylistLatencyMs)}, ${ms(playlist.lastSegmentDownloadMs)}`,
        }),
        el('td', {
          text: `${kbps(playlist.measuredBitrateBps)} / ${kbps(playlist.declaredBandwidthBps)}`,
        }),
      ),
    ),
  );
  const last = status.latest?.hls;
  const open = incidents.filter((incident) => isHlsKind(incident.kind));
  hlsFiguresNode.replaceChildren(
    `Last chunk: ${last?.playlistFetches ?? 0} playlist fetches, ${last?.segments ?? 0} segments, ` +
      `throughput ${kbps(last?.segmentThroughputBps)}. Segments skipped (queue full) since start: ` +
      `${totals.skippedSegments}. `,
    ...(open.length ? open.map(badgeElement) : [el('span', { text: 'No open HLS incident.' })]),
  );
}

function renderStatus() {
  if (!status) return;
  titleNode.textContent = status.name || status.id;
  stateNode.textContent = status.state;
  stateNode.dataset.state = status.state;
  const incidents = [...openIncidents.values()];
  renderTransport(incidents);
  renderHls(incidents);
  const transportKinds = new Set(transportChecks.map((check) => check.kind));
  const detectorFigures = Object.entries(status.latest ?? {}).filter(
    ([id]) => id !== 'transport' && id !== 'hls',
  );
  const rows = detectorFigures.map(([detectorId, figures]) => {
    const mine = incidents.filter((incident) => incident.kind === detectorId);
    return el(
      'tr',
      {},
      el('th', { scope: 'row', text: detectorId }),
      el(
        'td',
        {},
        ...(mine.length
          ? mine.map(badgeElement)
          : [el('span', { class: 'badge ok', 'aria-label': `${detectorId}: no alarm`, text: '✓ OK' })]),
      ),
      el('td', { text: figuresText(figures) }),
    );
  });
  const others = incidents.filter(
    (incident) =>
      !(incident.kind in (status.latest ?? {})) &&
      !transportKinds.has(incident.kind) &&
      !isHlsKind(incident.kind),
  );
  detectorsNode.replaceChildren(
    ...rows,
    ...others.map((incident) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row', text: incident.kind }),
        el('td', {}, badgeElement(incident)),
        el('td'),
      ),
    ),
  );
}

function connect() {
  const source = openEventStream();
  source.addEventListener('status', (event) => {
    const next = JSON.parse(event.data);
    if (next.id !== channelId) return;
    status = next;
    renderStatus();
  });
  source.addEventListener('incident', (event) => {
    const { kind, incident } = JSON.parse(event.data);
    if (incident.channelId !== channelId) return;
    if (kind === 'cleared' || incident.state === 'closed') openIncidents.delete(incident.id);
    else openIncidents.set(incident.id, incident);
    renderStatus();
  });
}

async function start() {
  incidentsLink.href = `incidents.html?channel=${encodeURIComponent(channelId)}`;
  if (!channelId) {
    titleNode.textContent = 'No channel given (add ?id=...)';
    return;
  }
  try {
    status = await apiRequest(`/api/channels/${encodeURIComponent(channelId)}`);
    const { incidents } = await apiRequest(
      `/api/incidents?channel=${encodeURIComponent(channelId)}&state=open&limit=1000`,
    );
    for (const incident of incidents) openIncidents.set(incident.id, incident);
    renderStatus();
    await drawTimelines();
  } catch (error) {
    titleNode.textContent = `Channel ${channelId}: ${error.message}`;
    return;
  }
  connect();
  setInterval(() => {
    if (zoom === '5m') drawTimelines().catch((error) => console.warn('timeline refresh failed', error));
  }, liveRefreshMs);
}

for (const button of document.querySelectorAll('[data-zoom]')) {
  button.addEventListener('click', () => {
    zoom = button.dataset.zoom;
    for (const other of document.querySelectorAll('[data-zoom]')) {
      other.setAttribute('aria-pressed', String(other === button));
    }
    drawTimelines().catch((error) => console.warn('timeline failed', error));
  });
}
window.addEventListener('resize', () => void drawTimelines().catch(() => undefined));
void start();
