/**
 * What the API shows of the monitor's objects. Every channel URL goes through `redactUrl` here (the monitor
 * hands out raw URLs), and incidents name their evidence by API URL rather than by server file path.
 */
import type { Severity } from '../detectors/contract.js';
import {
  redactUrl,
  type ChannelState,
  type ChannelStatus,
  type Incident,
  type IncidentTransition,
} from '../service/model.js';
import type { LiveEvent } from '../service/monitor-api.js';

export type ChannelStatusView = ChannelStatus;

// Written as records so that a state or severity added to the model fails to compile here until listed.
export const channelStates = Object.keys({
  starting: true,
  ok: true,
  degraded: true,
  'no-signal': true,
  restarting: true,
  stopped: true,
} satisfies Record<ChannelState, true>) as ChannelState[];

export const severities = Object.keys({ info: true, warning: true, critical: true } satisfies Record<
  Severity,
  true
>) as Severity[];

export type IncidentView = Omit<Incident, 'evidence'> & {
  readonly evidence: { readonly thumbnailUrl: string | null; readonly clipUrl: string | null };
};

export function channelView(status: ChannelStatus): ChannelStatusView {
  return { ...status, url: redactUrl(status.url) };
}

export function evidenceUrl(incidentId: string, kind: 'thumbnail' | 'clip'): string {
  return `/api/incidents/${encodeURIComponent(incidentId)}/evidence/${kind}`;
}

export function incidentView(incident: Incident): IncidentView {
  const { evidence, ...rest } = incident;
  return {
    ...rest,
    evidence: {
      thumbnailUrl: evidence.thumbnailPath === null ? null : evidenceUrl(incident.id, 'thumbnail'),
      clipUrl: evidence.clipPath === null ? null : evidenceUrl(incident.id, 'clip'),
    },
  };
}

export type LiveEventView =
  | {
      readonly type: 'incident';
      readonly transition: Omit<IncidentTransition, 'incident'> & { readonly incident: IncidentView };
    }
  | { readonly type: 'status'; readonly channel: ChannelStatusView };

export function liveEventView(event: LiveEvent): LiveEventView {
  switch (event.type) {
    case 'incident':
      return {
        type: 'incident',
        transition: { ...event.transition, incident: incidentView(event.transition.incident) },
      };
    case 'status':
      return { type: 'status', channel: channelView(event.channel) };
  }
}
