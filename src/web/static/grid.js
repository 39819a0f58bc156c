// The multiviewer: one tile per channel, kept current by ONE event stream (/api/events). Only the live
// pictures are fetched per tile (images, refreshed every 2 s); status and incidents come from the stream.
import {
  apiRequest,
  badgeElement,
  bindTokenField,
  el,
  formatNumber,
  incidentBadge,
  openEventStream,
  showMessage,
} from './common.js';

const thumbnailRefreshMs = 2000;
/** Removed channels send no event: the list is re-read now and then (and on every reconnect). */
const reconcileIntervalMs = 30_000;
/** Level bars span this range. */
const meterFloorDbfs = -60;
/** EBU R128, until the channel's loudness figures (or a loudness incident) say its own target. */
const defaultTargetLufs = -23;
const defaultToleranceLu = 1;

const channels = new Map(); // id -> ChannelStatus
const openIncidents = new Map(); // incident id -> Incident
const tiles = new Map(); // id -> { root, parts }

const gridNode = document.getElementById('grid');
const emptyNode = document.getElementById('empty');
const summaryNode = document.getElementById('summary');
const liveNode = document.getElementById('live');
const tagFilter = document.getElementById('filter-tag');
const statusFilter = document.getElementById('filter-status');

function incidentsOf(channelId) {
  return [...openIncidents.values()].filter((incident) => incident.channelId === channelId);
}

/** 'alarm' | 'warning' | 'offline' | 'ok': what the border and the status filter go by. */
function levelOf(status) {
  const incidents = incidentsOf(status.id);
  if (status.state === 'no-signal' || incidents.some((incident) => incident.severity === 'critical')) {
    return 'alarm';
  }
  if (status.state === 'stopped') return 'offline';
  if (
    incidents.length > 0 ||
    status.state === 'degraded' ||
    status.state === 'restarting' ||
    status.state === 'starting'
  ) {
    return 'warning';
  }
  return 'ok';
}

function loudnessTarget(status) {
  const incident = incidentsOf(status.id).find((candidate) => candidate.kind === 'loudness');
  const figures = status.latest?.loudness ?? {};
  const targetLufs = figures.targetLufs ?? incident?.details?.targetLufs;
  const toleranceLu = figures.toleranceLu ?? incident?.details?.toleranceLu;
  return {
    targetLufs: typeof targetLufs === 'number' ? targetLufs : defaultTargetLufs,
    toleranceLu: typeof toleranceLu === 'number' ? toleranceLu : defaultToleranceLu,
  };
}

function createTile(id) {
  const img = el('img', { alt: `Live picture of channel ${id}` });
  const noPicture = el('div', { class: 'no-picture', text: 'No picture yet' });
  const banner = el('div', { class: 'alarm-banner', role: 'alert', hidden: true });
  img.addEventListener('load', () => {
    noPicture.hidden = true;
    img.dataset.loaded = 'true';
  });
  img.addEventListener('error', () => {
    noPicture.hidden = false;
    img.dataset.loaded = 'false';
  });
  const name = el('a', { href: `channel.html?id=${encodeURIComponent(id)}` });
  const state = el('span', { class: 'state' });
  const badges = el('div', { class: 'badges' });
  const levels = el('div', { class: 'levels', role: 'img' });
  const readouts = el('dl', { class: 'readouts' });
  const root = el(
    'article',
    { class: 'tile', 'data-channel-id': id },
    el('div', { class: 'tile-head' }, el('div', { class: 'tile-name' }, name), state),
    el('div', { class: 'picture' }, img, noPicture, banner),
    badges,
    el('div', { class: 'meters' }, levels, readouts),
  );
  const tile = { root, parts: { img, name, state, badges, levels, readouts, banner } };
  refreshThumbnail(id, tile);
  return tile;
}

function refreshThumbnail(id, tile) {
  tile.parts.img.src = `/api/channels/${encodeURIComponent(id)}/thumbnail?t=${Date.now()}`;
}

function renderLevels(node, peaks) {
  node.replaceChildren();
  const values = Array.isArray(peaks) ? peaks : [];
  const labels = values.length === 2 ? ['L', 'R'] : values.map((_, index) => String(index + 1));
  const described = [];
  values.forEach((peakDbfs, index) => {
    const fraction =
      typeof peakDbfs === 'number' ? Math.min(1, Math.max(0, 1 - peakDbfs / meterFloorDbfs)) : 0;
    described.push(`ch${index + 1} ${typeof peakDbfs === 'number' ? `${peakDbfs} dBFS` : 'silent'}`);
    const fill = el('div', { class: 'fill' });
    // Through the CSSOM: the Content-Security-Policy forbids style attributes.
    fill.style.height = `${(fraction * 100).toFixed(1)}%`;
    node.append(el('div', { class: 'level' }, fill, el('div', { class: 'label', text: labels[index] })));
  });
  node.setAttribute('aria-label', values.length ? `Audio peak levels: ${described.join(', ')}` : 'No audio');
  node.hidden = values.length === 0;
}

function renderReadouts(node, status) {
  const loudness = status.latest?.loudness ?? {};
  const { targetLufs, toleranceLu } = loudnessTarget(status);
  const shortTerm = loudness.shortTermLufs;
  const offTarget = typeof shortTerm === 'number' && Math.abs(shortTerm - targetLufs) > toleranceLu;
  const incidents = incidentsOf(status.id).length;
  node.replaceChildren(
    el('dt', { text: 'Loudness (S)' }),
    el('dd', {
      class: offTarget ? 'off-target' : null,
      text: `${formatNumber(shortTerm, 1, 'LUFS')}${offTarget ? (shortTerm > targetLufs ? ' ▲' : ' ▼') : ''}`,
      'aria-label': `Short-term loudness ${formatNumber(shortTerm, 1, 'LUFS')}, target ${targetLufs} LUFS`,
    }),
    el('dt', { text: 'Target' }),
    el('dd', { text: `${targetLufs} ±${toleranceLu} LU` }),
    el('dt', { text: 'Open incidents' }),
    el(
      'dd',
      { class: 'incident-count', 'data-open': incidents > 0 },
      el('a', {
        href: `incidents.html?channel=${encodeURIComponent(status.id)}&state=open`,
        text: String(incidents),
      }),
    ),
  );
}

function renderTile(status) {
  let tile = tiles.get(status.id);
  if (!tile) {
    tile = createTile(status.id);
    tiles.set(status.id, tile);
  }
  const { parts, root } = tile;
  const level = levelOf(status);
  const incidents = incidentsOf(status.id).sort((a, b) =>
    a.severity === b.severity ? a.startedAtMs - b.startedAtMs : a.severity === 'critical' ? -1 : 1,
  );
  root.dataset.level = level;
  root.dataset.state = status.state;
  // Which second the tile shows (tests and the multiviewer benchmark read it).
  root.dataset.lastChunkAt = String(status.lastChunkAtMs ?? '');
  root.setAttribute('aria-label', `Channel ${status.name}: ${level}`);
  parts.name.textContent = status.name || status.id;
  // The chip says ALARM while a critical incident is open, whatever the pipeline's own state.
  parts.state.textContent = level === 'alarm' ? 'alarm' : status.state;
  parts.state.dataset.state = status.state;
  parts.state.dataset.level = level;
  parts.badges.replaceChildren(...incidents.map(badgeElement));
  if (incidents.length === 0) {
    const checks = Object.keys(status.latest ?? {});
    parts.badges.append(
      el('span', {
        class: 'badge ok',
        'aria-label': checks.length ? `No alarms. Checks running: ${checks.join(', ')}` : 'No alarms',
        text: checks.length ? `✓ OK · ${checks.length} checks` : '✓ OK',
      }),
    );
  }
  const alarmWords = incidents
    .filter((incident) => incident.severity === 'critical')
    .map((i) => incidentBadge(i).text);
  if (status.state === 'no-signal') alarmWords.unshift('⛔ NO SIGNAL');
  parts.banner.hidden = alarmWords.length === 0;
  parts.banner.textContent = alarmWords.length ? `ALARM  ${alarmWords.join('  ')}` : '';
  renderLevels(parts.levels, status.latest?.silence?.peakDbfs);
  renderReadouts(parts.readouts, status);
}

function matchesFilters(status) {
  const tag = tagFilter.value;
  if (tag && !(status.tags ?? []).includes(tag)) return false;
  const wanted = statusFilter.value;
  return !wanted || levelOf(status) === wanted;
}

function renderTagOptions() {
  const tags = new Set([...channels.values()].flatMap((status) => status.tags ?? []));
  const current = tagFilter.value;
  const options = [el('option', { value: '', text: 'All tags' })];
  for (const tag of [...tags].sort()) options.push(el('option', { value: tag, text: tag }));
  tagFilter.replaceChildren(...options);
  tagFilter.value = tags.has(current) ? current : '';
  tagFilter.disabled = tags.size === 0;
}

/** Puts tiles in id order, shows only those that pass the filters, and updates the header summary. */
function layout() {
  const ordered = [...channels.values()].sort((a, b) => a.id.localeCompare(b.id));
  const visible = ordered.filter(matchesFilters);
  const wanted = visible.map((status) => tiles.get(status.id)?.root).filter(Boolean);
  // Status events arrive every second per channel: touch the grid only when its membership or order changes.
  const current = [...gridNode.children];
  if (current.length !== wanted.length || current.some((node, index) => node !== wanted[index])) {
    gridNode.replaceChildren(...wanted);
  }
  emptyNode.hidden = visible.length > 0;
  emptyNode.textContent =
    channels.size === 0 ? 'No channels are monitored.' : 'No channel matches the filters.';
  const alarms = ordered.filter((status) => levelOf(status) === 'alarm').length;
  summaryNode.replaceChildren(
    `${ordered.length} channel${ordered.length === 1 ? '' : 's'} · `,
    el('span', { class: alarms ? 'alarm-count' : null, text: `${alarms} in alarm` }),
  );
  document.title = alarms ? `(${alarms} ALARM) streamqc` : 'streamqc multiviewer';
  renderRemoveOptions(ordered);
}

function upsertChannel(status) {
  const hadTags = channels.get(status.id)?.tags?.join(',');
  channels.set(status.id, status);
  renderTile(status);
  if (hadTags !== status.tags?.join(',')) renderTagOptions();
  layout();
}

function forgetChannel(id) {
  channels.delete(id);
  tiles.delete(id);
  for (const [incidentId, incident] of openIncidents)
    if (incident.channelId === id) openIncidents.delete(incidentId);
  renderTagOptions();
  layout();
}

function applyTransition(transition) {
  const incident = transition.incident;
  if (transition.kind === 'cleared' || incident.state === 'closed') openIncidents.delete(incident.id);
  else openIncidents.set(incident.id, incident);
  const status = channels.get(incident.channelId);
  if (status) renderTile(status);
  layout();
}

async function reconcile() {
  try {
    const [{ channels: listed }, { incidents }] = await Promise.all([
      apiRequest('/api/channels'),
      apiRequest('/api/incidents?state=open&limit=10000'),
    ]);
    openIncidents.clear();
    for (const incident of incidents) openIncidents.set(incident.id, incident);
    const ids = new Set(listed.map((status) => status.id));
    for (const id of [...channels.keys()]) if (!ids.has(id)) forgetChannel(id);
    for (const status of listed) upsertChannel(status);
  } catch (error) {
    console.warn('dashboard: reading channels failed', error);
  }
}

function connect() {
  const source = openEventStream();
  source.addEventListener('open', () => {
    liveNode.dataset.live = 'true';
    liveNode.textContent = '● LIVE';
    void reconcile();
  });
  source.addEventListener('error', () => {
    liveNode.dataset.live = 'false';
    liveNode.textContent = '○ reconnecting…';
  });
  source.addEventListener('status', (event) => upsertChannel(JSON.parse(event.data)));
  source.addEventListener('incident', (event) => applyTransition(JSON.parse(event.data)));
}

// --- Configuration: add and remove channels (needs the API token) ---

const addForm = document.getElementById('add-channel');
const removeForm = document.getElementById('remove-channel');
const removeSelect = document.getElementById('remove-id');
const configMessage = document.getElementById('config-message');
bindTokenField(document.getElementById('token'));

let removeOptionsKey = '';
function renderRemoveOptions(ordered) {
  // Rebuilt only when the channels change, so an open drop-down is not reset by every status event.
  const key = JSON.stringify(ordered.map((status) => [status.id, status.name]));
  if (key === removeOptionsKey) return;
  removeOptionsKey = key;
  const current = removeSelect.value;
  removeSelect.replaceChildren(
    ...ordered.map((status) => el('option', { value: status.id, text: `${status.name} (${status.id})` })),
  );
  if (channels.has(current)) removeSelect.value = current;
}

addForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(addForm);
  const tags = String(data.get('tags') ?? '')
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
  const body = { id: String(data.get('id')).trim(), url: String(data.get('url')).trim() };
  const name = String(data.get('name') ?? '').trim();
  if (name) body.name = name;
  if (tags.length) body.tags = tags;
  if (data.get('loop')) body.loop = true;
  if (channels.has(body.id)) {
    // An existing id: change only what was filled in (PATCH), the monitor restarts the channel.
    const { id, ...patch } = body;
    if (!patch.url) delete patch.url;
    showMessage(configMessage, 'info', `Changing ${id}…`);
    apiRequest(`/api/channels/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch }).then(
      (status) => {
        upsertChannel(status);
        addForm.reset();
        showMessage(configMessage, 'ok', `Changed channel ${status.id}.`);
      },
      (error) => showMessage(configMessage, 'error', `Could not change ${id}: ${error.message}`),
    );
    return;
  }
  if (!body.url) {
    showMessage(configMessage, 'error', 'A new channel needs a URL.');
    return;
  }
  showMessage(configMessage, 'info', `Adding ${body.id}…`);
  apiRequest('/api/channels', { method: 'POST', body }).then(
    (status) => {
      upsertChannel(status);
      addForm.reset();
      showMessage(configMessage, 'ok', `Added channel ${status.id}.`);
    },
    (error) => showMessage(configMessage, 'error', `Could not add the channel: ${error.message}`),
  );
});

removeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const id = removeSelect.value;
  if (!id || !confirm(`Stop monitoring channel ${id}?`)) return;
  apiRequest(`/api/channels/${encodeURIComponent(id)}`, { method: 'DELETE' }).then(
    () => {
      forgetChannel(id);
      showMessage(configMessage, 'ok', `Removed channel ${id}.`);
    },
    (error) => showMessage(configMessage, 'error', `Could not remove ${id}: ${error.message}`),
  );
});

tagFilter.addEventListener('change', layout);
statusFilter.addEventListener('change', layout);
setInterval(() => {
  for (const [id, tile] of tiles) if (tile.root.isConnected) refreshThumbnail(id, tile);
}, thumbnailRefreshMs);
setInterval(() => void reconcile(), reconcileIntervalMs);
connect();
