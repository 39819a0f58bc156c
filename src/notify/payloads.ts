/**
 * What a receiver is sent for one incident transition: a JSON document for generic webhooks, a readable
 * message for Slack-compatible incoming webhooks. Pure functions, so the wording is tested without HTTP.
 */
import type { DetailValue, Severity } from '../detectors/contract.js';
import type { Incident, IncidentTransition } from '../service/model.js';

export interface OutgoingRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

// Header names are case-insensitive, and fetch joins two spellings of one name into one value, so
// configured headers are matched on lower case.
const reservedHeaders: ReadonlySet<string> = new Set(['content-type', 'idempotency-key']);

export function buildRequest(options: {
  readonly kind: 'webhook' | 'slack';
  readonly transition: IncidentTransition;
  readonly extraHeaders: Readonly<Record<string, string>>;
  readonly userAgent: string;
}): OutgoingRequest {
  const payload =
    options.kind === 'slack' ? slackPayload(options.transition) : webhookPayload(options.transition);
  // Configured headers may add Authorization or replace User-Agent, but never change the body's type or
  // the key receivers deduplicate on.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.extraHeaders)) {
    if (!reservedHeaders.has(name.toLowerCase())) headers[name] = value;
  }
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'user-agent')) {
    headers['User-Agent'] = options.userAgent;
  }
  headers['Content-Type'] = 'application/json';
  headers['Idempotency-Key'] = options.transition.key;
  return { headers, body: JSON.stringify(payload) };
}

export function webhookPayload(transition: IncidentTransition): Record<string, unknown> {
  const incident = transition.incident;
  return {
    key: transition.key,
    type: `incident.${transition.kind}`,
    at: isoTime(transition.atMs),
    incident: {
      ...incident,
      startedAt: isoTime(incident.startedAtMs),
      raisedAt: isoTime(incident.raisedAtMs),
      closedAt: isoTime(incident.closedAtMs),
      acknowledgedAt: isoTime(incident.acknowledgedAtMs),
    },
  };
}

const raisedEmoji: Readonly<Record<Severity, string>> = {
  critical: ':red_circle:',
  warning: ':large_orange_circle:',
  info: ':large_blue_circle:',
};

/** Slack has no header deduplication, so the key travels in a context block for people and bots to see. */
export function slackPayload(transition: IncidentTransition): { text: string; blocks: unknown[] } {
  const text = slackLine(transition);
  const incident = transition.incident;
  const fields = [
    field('Channel', incident.channelId),
    field('Detector', incident.kind + (incident.channel === undefined ? '' : ` (audio ${incident.channel})`)),
    field('Severity', incident.severity),
    field('Started', isoTime(incident.startedAtMs) ?? 'unknown'),
    field('Incident', incident.id),
  ];
  if (incident.closedAtMs !== null) fields.push(field('Cleared', isoTime(incident.closedAtMs) ?? 'unknown'));
  if (incident.acknowledgedBy !== null) fields.push(field('Acknowledged by', incident.acknowledgedBy));
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: escapeSlack(text) } },
    { type: 'section', fields },
  ];
  const details = detailLines(incident);
  if (details !== '') blocks.push({ type: 'section', text: { type: 'mrkdwn', text: details } });
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `idempotency key: \`${escapeSlack(transition.key)}\`` }],
  });
  return { text: escapeSlack(text), blocks };
}

/** One line a person reads in a notification preview, e.g. ":red_circle: RAISED critical freeze on channel news-1 (since 12:00:03 UTC)". */
export function slackLine(transition: IncidentTransition): string {
  const incident = transition.incident;
  const what = `${incident.severity} ${incident.kind} on channel ${incident.channelId}`;
  switch (transition.kind) {
    case 'raised':
      return `${raisedEmoji[incident.severity]} RAISED ${what} (since ${clockTime(incident.startedAtMs)})`;
    case 'cleared': {
      const endMs = incident.closedAtMs ?? transition.atMs;
      return `:large_green_circle: CLEARED ${what} (lasted ${duration(endMs - incident.startedAtMs)})`;
    }
    case 'acknowledged':
      return `:eyes: ACKNOWLEDGED ${what} by ${incident.acknowledgedBy ?? 'someone'}`;
  }
}

function field(label: string, value: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: `*${label}*\n${escapeSlack(value)}` };
}

// Slack caps a section's text at 3000 characters; details are a courtesy, so they are cut, not refused.
const maxDetailsChars = 2800;

function detailLines(incident: Incident): string {
  const lines = Object.entries(incident.details).map(
    ([name, value]) => `${escapeSlack(name)}: ${escapeSlack(formatDetail(value))}`,
  );
  const text = lines.join('\n');
  return text.length > maxDetailsChars ? `${text.slice(0, maxDetailsChars)}…` : text;
}

function formatDetail(value: DetailValue): string {
  if (typeof value === 'number') return String(Number.isInteger(value) ? value : Number(value.toFixed(3)));
  if (Array.isArray(value)) return value.map((item: number) => formatDetail(item)).join(', ');
  return String(value);
}

/** Slack reads &, < and > as markup (links, mentions); detector and channel names are text. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** ISO 8601, or null for a missing or unusable time (toISOString would throw, and notify must not). */
function isoTime(ms: number | null): string | null {
  return ms !== null && Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

function clockTime(ms: number): string {
  const iso = isoTime(ms);
  return iso === null ? 'an unknown time' : `${iso.slice(11, 19)} UTC`;
}

function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'an unknown time';
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${seconds}s`;
  return `${seconds}s`;
}
