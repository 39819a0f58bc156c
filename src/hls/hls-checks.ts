/**
 * The HLS delivery checks, in one table. Each check is its own detector id, so each becomes its own
 * incident kind in `streamqc run` (with its own raise and clear rule) and can be told apart in reports.
 * `state` checks are open while a condition holds (a stale playlist, failing downloads); `instant` checks
 * are one error each (a sequence that went backwards), and errors of one check on one playlist that come
 * within the merge time make one event, as the transport analyser does.
 */
import type { Severity } from '../detectors/contract.js';

export const hlsCheckNames = [
  'playlist-http',
  'playlist-invalid',
  'stale-playlist',
  'media-sequence',
  'discontinuity-sequence',
  'discontinuity',
  'segment-duration',
  'segment-failed',
  'segment-slow',
  'bitrate',
] as const;

export type HlsCheck = (typeof hlsCheckNames)[number];

interface HlsCheckInfo {
  readonly kind: 'state' | 'instant';
  readonly severity: Severity;
  readonly description: string;
}

export const hlsChecks: Readonly<Record<HlsCheck, HlsCheckInfo>> = {
  'playlist-http': {
    kind: 'state',
    severity: 'critical',
    description: 'a playlist request fails (HTTP status, timeout, network, too large)',
  },
  'playlist-invalid': {
    kind: 'state',
    severity: 'critical',
    description: 'a playlist answer is not a usable playlist',
  },
  'stale-playlist': {
    kind: 'state',
    severity: 'critical',
    description: 'a live media playlist has no new segment within 1.5x its target duration',
  },
  'media-sequence': {
    kind: 'instant',
    severity: 'warning',
    description: 'the media sequence went backwards or skipped segments never listed',
  },
  'discontinuity-sequence': {
    kind: 'instant',
    severity: 'warning',
    description: 'EXT-X-DISCONTINUITY-SEQUENCE does not follow the discontinuity tags removed',
  },
  discontinuity: {
    kind: 'instant',
    severity: 'info',
    description: 'a new segment follows EXT-X-DISCONTINUITY',
  },
  'segment-duration': {
    kind: 'instant',
    severity: 'warning',
    description: 'a segment duration, rounded, exceeds the target duration',
  },
  'segment-failed': {
    kind: 'state',
    severity: 'critical',
    description: 'segment downloads fail (open until one succeeds)',
  },
  'segment-slow': {
    kind: 'state',
    severity: 'warning',
    description: 'segment downloads take longer than the segment lasts (open until one is not slow)',
  },
  bitrate: {
    kind: 'state',
    severity: 'warning',
    description: 'measured bitrate over a window is far from the declared BANDWIDTH',
  },
};

/** The detector id of a check, as events and incidents carry it. */
export function hlsDetectorId(check: HlsCheck): string {
  return `hls-${check}`;
}
