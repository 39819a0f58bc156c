/**
 * Incidents as SQLite rows, and the listing query for a filter. Every field has its own column so the
 * listing can filter and sort in SQL; only the free-form details are JSON.
 */
import type { Details, Severity } from '../detectors/contract.js';
import type { Incident } from '../service/model.js';
import type { IncidentFilter } from './result-store.js';

export interface IncidentRow {
  readonly id: string;
  readonly channel_id: string;
  readonly kind: string;
  readonly severity: string;
  readonly state: string;
  readonly started_at_ms: number;
  readonly raised_at_ms: number;
  readonly closed_at_ms: number | null;
  readonly acknowledged_at_ms: number | null;
  readonly acknowledged_by: string | null;
  readonly channel: number | null;
  readonly details: string;
  readonly thumbnail_path: string | null;
  readonly clip_path: string | null;
}

export function incidentToRow(incident: Incident): IncidentRow {
  return {
    id: incident.id,
    channel_id: incident.channelId,
    kind: incident.kind,
    severity: incident.severity,
    state: incident.state,
    started_at_ms: incident.startedAtMs,
    raised_at_ms: incident.raisedAtMs,
    closed_at_ms: incident.closedAtMs,
    acknowledged_at_ms: incident.acknowledgedAtMs,
    acknowledged_by: incident.acknowledgedBy,
    channel: incident.channel ?? null,
    details: JSON.stringify(incident.details),
    thumbnail_path: incident.evidence.thumbnailPath,
    clip_path: incident.evidence.clipPath,
  };
}

export function incidentFromRow(row: IncidentRow): Incident {
  return {
    id: row.id,
    channelId: row.channel_id,
    kind: row.kind,
    severity: row.severity as Severity,
    state: row.state as Incident['state'],
    startedAtMs: row.started_at_ms,
    raisedAtMs: row.raised_at_ms,
    closedAtMs: row.closed_at_ms,
    acknowledgedAtMs: row.acknowledged_at_ms,
    acknowledgedBy: row.acknowledged_by,
    // exactOptionalPropertyTypes: an incident without an audio channel has no `channel` key at all.
    ...(row.channel === null ? {} : { channel: row.channel }),
    details: JSON.parse(row.details) as Details,
    evidence: { thumbnailPath: row.thumbnail_path, clipPath: row.clip_path },
  };
}

/** SQLite reads a negative LIMIT as none and rejects a fraction; callers may pass either. */
export function sqlLimit(limit: number | undefined): number {
  return limit === undefined ? -1 : Math.max(0, Math.floor(limit));
}

/** One condition per filter field that is set; the field names double as the statement cache key. */
const conditions = {
  channelId: 'channel_id = @channelId',
  state: 'state = @state',
  kind: 'kind = @kind',
  sinceMs: 'started_at_ms >= @sinceMs',
  untilMs: 'started_at_ms < @untilMs',
} as const satisfies Record<Exclude<keyof IncidentFilter, 'limit'>, string>;

export function listIncidentsSql(filter: IncidentFilter): {
  sql: string;
  key: string;
  parameters: Record<string, unknown>;
} {
  const used = (Object.keys(conditions) as (keyof typeof conditions)[]).filter(
    (name) => filter[name] !== undefined,
  );
  const where = used.length === 0 ? '' : `WHERE ${used.map((name) => conditions[name]).join(' AND ')}`;
  const parameters: Record<string, unknown> = { limit: sqlLimit(filter.limit) };
  for (const name of used) parameters[name] = filter[name];
  return {
    sql: `SELECT * FROM incidents ${where} ORDER BY started_at_ms DESC, id DESC LIMIT @limit`,
    key: used.join(','),
    parameters,
  };
}
