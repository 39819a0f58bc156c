/**
 * The OpenAPI schemas of the HLS delivery figures: a chunk row's `measurements.hls`
 * (`src/hls/hls-chunk-figures.ts`) and a channel's `hls` totals (`src/service/hls-totals.ts`). The channel
 * test compares these property lists with what the service really answers.
 */
import { hlsCheckNames } from '../hls/hls-checks.js';
import type { JsonSchema } from './openapi.js';

const count: JsonSchema = { type: 'integer', minimum: 0 };
const nullableNumber: JsonSchema = { type: ['number', 'null'] };
const playlistNumber: JsonSchema = {
  type: 'integer',
  description:
    'The playlist, as incidents carry it in `details.playlist`: -1 the multivariant playlist (listed in the seconds it was requested), then the variants in their order, then the EXT-X-MEDIA renditions.',
};

const errorsPerCheck: JsonSchema = {
  type: 'object',
  description: 'Errors per HLS check (incident kind `hls-<check>`), all playlists together.',
  required: [...hlsCheckNames],
  properties: Object.fromEntries(hlsCheckNames.map((check) => [check, count])),
};

const playlistChunkFigures: JsonSchema = {
  type: 'object',
  required: [
    'playlist',
    'declaredBandwidthBps',
    'measuredBitrateBps',
    'mediaSequence',
    'playlistFetches',
    'playlistErrors',
    'playlistLatencyMsMax',
    'segments',
    'segmentFailures',
    'slowSegments',
    'segmentBytes',
    'segmentDownloadMsMax',
    'stalePlaylists',
  ],
  properties: {
    playlist: playlistNumber,
    declaredBandwidthBps: { ...nullableNumber, description: "The variant's BANDWIDTH; null otherwise." },
    measuredBitrateBps: {
      ...nullableNumber,
      description: 'Segment bytes over their durations, over the last `hls.bitrateWindowSeconds` of media.',
    },
    mediaSequence: nullableNumber,
    playlistFetches: count,
    playlistErrors: { ...count, description: 'Fetches that failed (HTTP status, timeout, network, size).' },
    playlistLatencyMsMax: { ...nullableNumber, description: 'Slowest request to response headers, ms.' },
    segments: { ...count, description: 'Segments downloaded.' },
    segmentFailures: count,
    slowSegments: count,
    segmentBytes: count,
    segmentDownloadMsMax: { ...nullableNumber, description: 'Slowest request to last byte, ms.' },
    stalePlaylists: { ...count, description: 'Stale-playlist events that began.' },
  },
};

export const hlsChunkFiguresSchema: JsonSchema = {
  type: 'object',
  description:
    'HLS channels: the delivery checks’ figures of the seconds since the previous chunk (their own clock: a second in which the decoder gave no chunk is carried by the next one).',
  required: [
    'seconds',
    'playlistFetches',
    'playlistErrors',
    'playlistLatencyMsMax',
    'segments',
    'segmentFailures',
    'slowSegments',
    'skippedSegments',
    'segmentBytes',
    'segmentDownloadMsSum',
    'segmentDownloadMsMax',
    'segmentThroughputBps',
    'errors',
    'playlists',
  ],
  properties: {
    seconds: { type: 'number', description: 'Seconds of the HLS checks the figures cover.' },
    playlistFetches: count,
    playlistErrors: count,
    playlistLatencyMsMax: nullableNumber,
    segments: count,
    segmentFailures: count,
    slowSegments: count,
    skippedSegments: { ...count, description: 'Segments never downloaded: the download queue was full.' },
    segmentBytes: count,
    segmentDownloadMsSum: { type: 'number', description: 'Download time of the segments, summed, ms.' },
    segmentDownloadMsMax: nullableNumber,
    segmentThroughputBps: {
      ...nullableNumber,
      description: 'Segment bytes over their download time; null when none was downloaded.',
    },
    errors: errorsPerCheck,
    playlists: { type: 'array', items: playlistChunkFigures },
  },
};

export const hlsTotalsSchema: JsonSchema = {
  type: 'object',
  description: 'HLS channels: delivery counters since the monitor started, per playlist.',
  required: ['errors', 'skippedSegments', 'playlists'],
  properties: {
    errors: errorsPerCheck,
    skippedSegments: count,
    playlists: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'playlist',
          'declaredBandwidthBps',
          'measuredBitrateBps',
          'mediaSequence',
          'playlistFetches',
          'playlistErrors',
          'segments',
          'segmentFailures',
          'slowSegments',
          'segmentBytes',
          'stalePlaylists',
          'lastPlaylistLatencyMs',
          'lastSegmentDownloadMs',
        ],
        properties: {
          playlist: playlistNumber,
          declaredBandwidthBps: nullableNumber,
          measuredBitrateBps: nullableNumber,
          mediaSequence: nullableNumber,
          playlistFetches: count,
          playlistErrors: count,
          segments: count,
          segmentFailures: count,
          slowSegments: count,
          segmentBytes: count,
          stalePlaylists: count,
          lastPlaylistLatencyMs: {
            ...nullableNumber,
            description: 'The slowest playlist answer of the latest second that had one, ms.',
          },
          lastSegmentDownloadMs: {
            ...nullableNumber,
            description: 'The slowest segment download of the latest second that had one, ms.',
          },
        },
      },
    },
  },
};
