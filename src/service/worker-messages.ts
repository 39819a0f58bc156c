/**
 * Messages between the monitor and a channel worker process: a typed union, checked on receipt (a
 * malformed message is a bug in the other process, reported, never trusted).
 */
import type { EventTransition } from '../detectors/contract.js';
import type { HlsChunkFigures } from '../hls/hls-chunk-figures.js';
import type { InputPolicy } from '../media/input-policy.js';
import type { StreamLimits } from '../media/stream-limits.js';
import type { TransportChunkFigures } from '../transport/transport-chunk-figures.js';
import type { ChannelSpec } from './model.js';

export type ToWorker =
  | {
      readonly type: 'start';
      readonly channel: ChannelSpec;
      /** Detectors to run: the channel's list intersected with this worker's. */
      readonly detectorIds: readonly string[];
      readonly connectTimeoutMs: number;
      readonly heartbeatIntervalMs: number;
      readonly inputPolicy: InputPolicy;
      readonly streamLimits: StreamLimits;
      /** Put before each session id (cluster mode: the worker id, so a stored second names who analysed it). */
      readonly sessionPrefix?: string;
    }
  | {
      readonly type: 'capture-evidence';
      readonly incidentId: string;
      readonly onsetAtMs: number;
      readonly directory: string;
      readonly secondsBefore: number;
      readonly secondsAfter: number;
    }
  | { readonly type: 'stop' };

export type FromWorker =
  | { readonly type: 'session-started'; readonly sessionId: string; readonly mediaZeroAtMs: number }
  /** The session's media time 0 moved earlier on the wall clock (see the worker's live-edge placement). */
  | { readonly type: 'session-clock'; readonly sessionId: string; readonly mediaZeroAtMs: number }
  | {
      readonly type: 'chunk';
      readonly sessionId: string;
      readonly chunkIndex: number;
      readonly startSeconds: number;
      readonly durationSeconds: number;
      readonly videoFrames: number;
      readonly measurements: Readonly<Record<string, unknown>>;
      readonly analysedAtMs: number;
    }
  | {
      readonly type: 'transition';
      readonly sessionId: string;
      readonly detector: string;
      readonly transition: EventTransition;
    }
  /**
   * One second of the HLS delivery checks' figures (HLS channels), for the next chunk row and the counters;
   * `transport`: the TR 101 290 figures of the decoded rendition's TS segments in that second, when any.
   */
  | {
      readonly type: 'hls-figures';
      readonly figures: HlsChunkFigures;
      readonly transport?: TransportChunkFigures;
    }
  | {
      readonly type: 'heartbeat';
      readonly atMs: number;
      readonly cpuPercent: number;
      readonly decodedFramesPerSecond: number;
      readonly rssMb: number;
      readonly pssMb?: number;
      /** Datagrams FFmpeg dropped because this worker read too slowly (cumulative). */
      readonly receiveDrops: number;
    }
  | {
      readonly type: 'input-failed';
      readonly message: string;
      /** The StreamqcError code, when the failure has one (INPUT_NOT_ALLOWED, STREAM_OVER_LIMITS, ...). */
      readonly code?: string;
      readonly retryable: boolean;
      readonly retryInMs: number;
    }
  | { readonly type: 'session-ended'; readonly sessionId: string; readonly reason: string }
  | { readonly type: 'thumbnail'; readonly jpeg: Uint8Array; readonly atMs: number }
  | {
      readonly type: 'evidence';
      readonly incidentId: string;
      readonly thumbnailPath: string | null;
      readonly clipPath: string | null;
    };

/** Every message type, as a record so that the compiler insists on each member of the union. */
const fromWorkerTypeNames: Readonly<Record<FromWorker['type'], true>> = {
  'session-started': true,
  'session-clock': true,
  chunk: true,
  transition: true,
  'hls-figures': true,
  heartbeat: true,
  'input-failed': true,
  'session-ended': true,
  evidence: true,
  thumbnail: true,
};
const fromWorkerTypes = new Set<string>(Object.keys(fromWorkerTypeNames));

export function isFromWorker(message: unknown): message is FromWorker {
  return (
    typeof message === 'object' &&
    message !== null &&
    'type' in message &&
    typeof message.type === 'string' &&
    fromWorkerTypes.has(message.type)
  );
}

export function isToWorker(message: unknown): message is ToWorker {
  return (
    typeof message === 'object' &&
    message !== null &&
    'type' in message &&
    (message.type === 'start' || message.type === 'stop' || message.type === 'capture-evidence')
  );
}
