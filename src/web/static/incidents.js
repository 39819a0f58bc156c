// Incidents: filtered list with evidence, acknowledge (needs the token) and a CSV export of what is listed.
import {
  apiRequest,
  badgeElement,
  bindTokenField,
  el,
  formatDuration,
  formatTime,
  getToken,
  kindName,
  openEventStream,
  showMessage,
} from './common.js';

const form = document.getElementById('filters');
const channelSelect = document.getElementById('filter-channel');
const rowsNode = document.getElementById('incident-rows');
const countNode = document.getElementById('incident-count');
const messageNode = document.getElementById('incidents-message');
const exportButton = document.getElementById('export-csv');
const ackByInput = document.getElementById('ack-by');
bindTokenField(document.getElementById('token'));

let listed = [];

function filterQuery() {
  const data = new FormData(form);
  const query = new URLSearchParams({ limit: '1000' });
  for (const name of ['channel', 'kind', 'state']) {
    const value = String(data.get(name) ?? '');
    if (value) query.set(name, value);
  }
  for (const name of ['since', 'until']) {
    const value = String(data.get(name) ?? '');
    if (value) query.set(name, String(new Date(value).getTime()));
  }
  return query;
}

function applyUrlFilters() {
  const params = new URLSearchParams(location.search);
  for (const name of ['kind', 'state', 'severity']) {
    const value = params.get(name);
    if (value && form.elements[name]) form.elements[name].value = value;
  }
  return params.get('channel') ?? '';
}

async function loadChannels(selected) {
  const { channels } = await apiRequest('/api/channels');
  const ids = new Set(channels.map((status) => status.id));
  if (selected) ids.add(selected);
  channelSelect.replaceChildren(
    el('option', { value: '', text: 'All channels' }),
    ...[...ids].sort().map((id) => el('option', { value: id, text: id })),
  );
  channelSelect.value = selected;
}

function acknowledge(incident, button) {
  if (!getToken()) {
    showMessage(messageNode, 'error', 'Enter the API token first: acknowledging is a change.');
    return;
  }
  button.disabled = true;
  const by = ackByInput.value.trim() || 'dashboard';
  apiRequest(`/api/incidents/${encodeURIComponent(incident.id)}/ack`, { method: 'POST', body: { by } }).then(
    () => {
      showMessage(messageNode, 'ok', `Acknowledged ${kindName(incident.kind)} on ${incident.channelId}.`);
      void load();
    },
    (error) => {
      button.disabled = false;
      showMessage(messageNode, 'error', `Could not acknowledge: ${error.message}`);
    },
  );
}

function row(incident) {
  const thumbnail = incident.evidence.thumbnailUrl
    ? el('img', {
        src: incident.evidence.thumbnailUrl,
        alt: `Picture at the start of ${kindName(incident.kind)}`,
        loading: 'lazy',
      })
    : el('span', { class: 'live-indicator', text: 'no picture' });
  const clip = incident.evidence.clipUrl
    ? el(
        'div',
        { class: 'clip' },
        el('video', {
          src: incident.evidence.clipUrl,
          controls: '',
          preload: 'metadata',
          width: '240',
          'aria-label': `Recording around the start of ${kindName(incident.kind)}`,
        }),
        el('a', {
          href: incident.evidence.clipUrl,
          download: `${incident.channelId}-${incident.kind}-${incident.id}.mp4`,
          text: '⬇ clip',
        }),
      )
    : el('span', { class: 'live-indicator', text: 'no clip' });
  const ackCell = el('td', {});
  if (incident.acknowledgedAtMs !== null) {
    ackCell.append(`✓ ${incident.acknowledgedBy ?? ''} ${formatTime(incident.acknowledgedAtMs)}`);
  } else if (incident.state === 'open') {
    const button = el('button', { type: 'button', text: 'Acknowledge' });
    button.addEventListener('click', () => acknowledge(incident, button));
    ackCell.append(button);
  } else {
    ackCell.append('—');
  }
  const endMs = incident.closedAtMs ?? Date.now();
  return el(
    'tr',
    { 'data-state': incident.state, 'data-incident-id': incident.id },
    el('td', {}, thumbnail),
    el(
      'td',
      {},
      el('a', {
        href: `channel.html?id=${encodeURIComponent(incident.channelId)}`,
        text: incident.channelId,
      }),
    ),
    el('td', {}, badgeElement(incident)),
    el('td', { text: incident.severity }),
    el('td', { text: incident.state === 'open' ? '● OPEN' : 'closed' }),
    el('td', { text: formatTime(incident.startedAtMs) }),
    el('td', { text: formatDuration(endMs - incident.startedAtMs) }),
    ackCell,
    el('td', {}, clip),
  );
}

async function load() {
  const severity = String(new FormData(form).get('severity') ?? '');
  try {
    const { incidents } = await apiRequest(`/api/incidents?${filterQuery()}`);
    listed = severity ? incidents.filter((incident) => incident.severity === severity) : incidents;
  } catch (error) {
    showMessage(messageNode, 'error', `Could not read incidents: ${error.message}`);
    return;
  }
  rowsNode.replaceChildren(...listed.map(row));
  countNode.textContent = `${listed.length} incident${listed.length === 1 ? '' : 's'}`;
}

function csvField(value) {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function isoOrEmpty(ms) {
  return ms === null || ms === undefined ? '' : new Date(ms).toISOString();
}

function exportCsv() {
  const header = [
    'id',
    'channel',
    'kind',
    'severity',
    'state',
    'audioChannel',
    'startedAt',
    'raisedAt',
    'closedAt',
    'acknowledgedAt',
    'acknowledgedBy',
    'details',
  ];
  const lines = [header.join(',')];
  for (const incident of listed) {
    lines.push(
      [
        incident.id,
        incident.channelId,
        incident.kind,
        incident.severity,
        incident.state,
        incident.channel ?? '',
        isoOrEmpty(incident.startedAtMs),
        isoOrEmpty(incident.raisedAtMs),
        isoOrEmpty(incident.closedAtMs),
        isoOrEmpty(incident.acknowledgedAtMs),
        incident.acknowledgedBy ?? '',
        JSON.stringify(incident.details ?? {}),
      ]
        .map(csvField)
        .join(','),
    );
  }
  const blob = new Blob([`${lines.join('\r\n')}\r\n`], { type: 'text/csv;charset=utf-8' });
  const link = el('a', {
    href: URL.createObjectURL(blob),
    download: `streamqc-incidents-${new Date().toISOString()}.csv`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

let reloadTimer = null;
function connect() {
  // New and changed incidents reload the list, at most once a second.
  const source = openEventStream();
  source.addEventListener('incident', () => {
    if (reloadTimer !== null) return;
    reloadTimer = setTimeout(() => {
      reloadTimer = null;
      void load();
    }, 1000);
  });
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void load();
});
form.addEventListener('change', () => void load());
exportButton.addEventListener('click', exportCsv);

const initialChannel = applyUrlFilters();
loadChannels(initialChannel)
  .catch((error) => showMessage(messageNode, 'error', `Could not read channels: ${error.message}`))
  .finally(() => {
    void load();
    connect();
  });
