// Shared by every dashboard page: API calls, the token, DOM building, incident badges and formatting.

const tokenKey = 'streamqc.apiToken';
// The API reads its token from this cookie for reads only (pictures, clips and the event stream cannot send
// a header); changes always send the Authorization header. Must match tokenCookieName in src/api/auth.ts.
const tokenCookie = 'streamqc_token';

export function getToken() {
  return sessionStorage.getItem(tokenKey) ?? '';
}

function writeTokenCookie(token) {
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  const value = token ? encodeURIComponent(token) : '';
  const expiry = token ? '' : '; Max-Age=0';
  document.cookie = `${tokenCookie}=${value}; Path=/; SameSite=Strict${secure}${expiry}`;
}

export function setToken(token) {
  if (token) sessionStorage.setItem(tokenKey, token);
  else sessionStorage.removeItem(tokenKey);
  writeTokenCookie(token);
}

// A tab that already holds a token (a reload) puts it back in the cookie before anything loads.
if (getToken()) writeTokenCookie(getToken());

/** Wires a password field to the token kept for this browser tab. */
export function bindTokenField(input) {
  input.value = getToken();
  input.addEventListener('change', () => setToken(input.value.trim()));
}

let askedForToken = false;

/**
 * Reads need a token when the dashboard is opened from another machine (the API answers 401): ask once,
 * keep it for this tab, and reload so that pictures and the event stream use it too.
 */
function askForToken(message) {
  if (askedForToken) return;
  askedForToken = true;
  const token = window.prompt(`${message}\nAPI token (a read or admin token; kept for this browser tab):`);
  if (token === null || token.trim() === '') return;
  setToken(token.trim());
  location.reload();
}

export class ApiRequestError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** JSON request to the API; changes carry the token. Throws ApiRequestError with the API's message. */
export async function apiRequest(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return null;
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const message = data?.error?.message ?? `${response.status} ${response.statusText}`;
    if (response.status === 401 && method === 'GET') askForToken(message);
    throw new ApiRequestError(response.status, message);
  }
  return data;
}

/**
 * The page's one live feed. The browser closes it for good on an HTTP error such as 401 (it retries only on
 * network errors); a plain request then tells why, and asks for a token when that is the reason.
 */
export function openEventStream() {
  const source = new EventSource('/api/events');
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) apiRequest('/api/channels').catch(() => {});
  });
  return source;
}

/** Small element builder: el('div', { class: 'x', 'aria-label': 'y' }, child, 'text'). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** What each incident kind looks like: a symbol and a word, so the badge reads without its colour. */
const badgeLooks = {
  black: { symbol: '■', word: 'BLACK', name: 'black picture' },
  freeze: { symbol: '❚❚', word: 'FROZEN', name: 'frozen picture' },
  silence: { symbol: '✕', word: 'SILENT', name: 'silent audio' },
  clipping: { symbol: '⚠', word: 'CLIP', name: 'audio clipping' },
  loudness: { symbol: '◆', word: 'LOUDNESS', name: 'loudness out of range' },
  'true-peak': { symbol: '▲', word: 'PEAK', name: 'true peak over the limit' },
  'av-sync': { symbol: '⇆', word: 'A/V SYNC', name: 'audio and video out of sync' },
  blockiness: { symbol: '▦', word: 'BLOCKY', name: 'blocky picture' },
  'decode-error': { symbol: '✖', word: 'CORRUPT', name: 'decode errors' },
  'video-stall': { symbol: '⏸', word: 'STALL', name: 'video stalled' },
  'audio-dropout': { symbol: '∅', word: 'DROPOUT', name: 'audio dropout' },
  'dead-channel': { symbol: '⛔', word: 'DEAD', name: 'channel dead' },
  'no-signal': { symbol: '⛔', word: 'NO SIGNAL', name: 'no signal' },
  'decoder-crash': { symbol: '✖', word: 'DECODER', name: 'decoder crashed' },
};

export function kindName(kind) {
  return badgeLooks[kind]?.name ?? kind;
}

/** `{ text, label, severity }` for an incident: '■ BLACK', '✕ SILENT ch1', '◆ LOUD'. */
export function incidentBadge(incident) {
  const look = badgeLooks[incident.kind] ?? {
    symbol: '●',
    word: incident.kind.toUpperCase(),
    name: incident.kind,
  };
  let word = look.word;
  if (incident.kind === 'loudness' && typeof incident.details?.direction === 'string') {
    word = incident.details.direction === 'too-loud' ? 'TOO LOUD' : 'TOO QUIET';
  }
  const channelText = typeof incident.channel === 'number' ? ` ch${incident.channel + 1}` : '';
  const acknowledged = incident.acknowledgedAtMs !== null && incident.acknowledgedAtMs !== undefined;
  return {
    text: `${look.symbol} ${word}${channelText}${acknowledged ? ' (ack)' : ''}`,
    label: `${incident.severity} alarm: ${look.name}${channelText ? ` on audio channel ${incident.channel + 1}` : ''}${acknowledged ? ', acknowledged' : ''}`,
    severity: incident.severity,
  };
}

export function badgeElement(incident) {
  const badge = incidentBadge(incident);
  return el('span', {
    class: `badge ${badge.severity}`,
    role: 'status',
    'aria-label': badge.label,
    text: badge.text,
  });
}

export function formatTime(ms) {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toLocaleString(undefined, { hour12: false });
}

export function formatDuration(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

export function formatNumber(value, digits = 1, unit = '') {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

export function showMessage(node, kind, text) {
  node.dataset.kind = kind;
  node.textContent = text;
}
