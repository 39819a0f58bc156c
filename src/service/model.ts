/**
 * The shared vocabulary of `streamqc run`: channels, per-chunk results, incidents and their transitions.
 * Storage, notifications and the HTTP API depend on these types only, never on each other.
 */
import type { Details, Severity } from '../detectors/contract.js';
import type { HlsTotalsView } from './hls-totals.js';
import type { TransportTotalsView } from './transport-totals.js';

export interface ChannelSpec {
  readonly id: string;
  readonly name: string;
  /** As configured: may hold credentials; use `redactUrl` before logging or returning it. */
  readonly url: string;
  /** Play a file in a loop at real-time speed (demos, tests) instead of reading it as fast as possible. */
  readonly loop: boolean;
  /** Detector ids to run (empty: every detector this worker runs). */
  readonly detectors: readonly string[];
  /** Per-detector config overrides, keyed by detector id. */
  readonly detectorConfig: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly tags: readonly string[];
  readonly enabled: boolean;
  /** HLS settings (`hlsConfigSchema`, checked at start) when the URL is an HLS playlist. */
  readonly hls?: Readonly<Record<string, unknown>> | undefined;
  /** UDP/RTP/SRT/HTTP-TS inputs: TR 101 290 checks on the received bytes (default true; false: FFmpeg reads them). */
  readonly transportChecks?: boolean | undefined;
  /** This channel's stream limits, each at most the deployment's (`channelLimitsSchema`). */
  readonly limits?:
    | {
        readonly maxWidth?: number | undefined;
        readonly maxHeight?: number | undefined;
        readonly maxFramesPerSecond?: number | undefined;
        readonly maxBitsPerSecond?: number | undefined;
      }
    | undefined;
}

export type ChannelState = 'starting' | 'ok' | 'degraded' | 'no-signal' | 'restarting' | 'stopped';

export interface ChannelStatus {
  readonly id: string;
  readonly name: string;
  readonly tags?: readonly string[];
  readonly url: string;
  readonly state: ChannelState;
  /** Wall-clock ms of the last chunk analysed, or null. */
  readonly lastChunkAtMs: number | null;
  /** How far analysis runs behind the live edge, seconds (wall clock of analysis minus media time). */
  readonly processingLagSeconds: number | null;
  readonly decodedFramesPerSecond: number | null;
  readonly cpuPercent: number | null;
  /** Resident memory of the channel's worker process, from its last heartbeat. */
  readonly rssMb?: number;
  /** Proportional set size (Linux): shared library pages divided among the processes that map them. */
  readonly pssMb?: number;
  readonly restarts: number;
  readonly openIncidents: number;
  /** Latest per-detector figures (from the last chunk). */
  readonly latest: Readonly<Record<string, unknown>>;
  /** TR 101 290 counters since the monitor started, for inputs it receives itself (UDP, RTP, SRT, HTTP TS) and an HLS channel's decoded rendition. */
  readonly transport?: TransportTotalsView;
  /** HLS delivery counters since the monitor started (HLS channels), per playlist. */
  readonly hls?: HlsTotalsView;
}

/** One analysed second of one channel: every detector's figures in one row. */
export interface ChunkRecord {
  readonly channelId: string;
  /** Chunk index within the channel's current session (restarts begin a new session). */
  readonly chunkIndex: number;
  readonly sessionId: string;
  /** Wall-clock ms when the chunk's media started (live edge time). */
  readonly startedAtMs: number;
  readonly durationSeconds: number;
  readonly measurements: Readonly<Record<string, unknown>>;
}

/** A detector id, or one the monitor raises itself (`monitorIncidentKinds` in the service config). */
export type IncidentKind = string;

export interface Incident {
  readonly id: string;
  readonly channelId: string;
  readonly kind: IncidentKind;
  readonly severity: Severity;
  readonly state: 'open' | 'closed';
  /** Wall-clock ms when the condition began (not when it was raised). */
  readonly startedAtMs: number;
  readonly raisedAtMs: number;
  readonly closedAtMs: number | null;
  readonly acknowledgedAtMs: number | null;
  readonly acknowledgedBy: string | null;
  readonly channel?: number;
  readonly details: Details;
  readonly evidence: { readonly thumbnailPath: string | null; readonly clipPath: string | null };
}

/** What notifications, the live feed and storage are told. `key` is unique per incident and transition. */
export interface IncidentTransition {
  readonly kind: 'raised' | 'cleared' | 'acknowledged';
  readonly incident: Incident;
  readonly atMs: number;
  /** Idempotency key: `${incident.id}:${kind}`. */
  readonly key: string;
}

export function transitionKey(incidentId: string, kind: IncidentTransition['kind']): string {
  return `${incidentId}:${kind}`;
}

/** Query parameters whose values are secrets: tokens, keys, passwords and passphrases, signatures. */
const secretParameter = /token|key|secret|pass|auth|sig|credential/i;

/**
 * Replaces the password (and a token-like user) and secret-looking query values in a URL, for logs and
 * API answers. The one redaction function: the API views, the API's log lines and the service logger use it.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    else if (parsed.username) parsed.username = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (secretParameter.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    return redactUnparsedUrl(url);
  }
}

/** A URL the WHATWG parser refuses (FFmpeg accepts more): the same rules by pattern, never the raw text. */
function redactUnparsedUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i, '$1***@')
    .replace(/([?&;][^=&;#]*)=([^&;#]*)/g, (whole, key: string) =>
      secretParameter.test(key) ? `${key}=***` : whole,
    );
}
