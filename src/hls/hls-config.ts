/**
 * Settings of the HLS delivery checks; parsing `{}` gives the defaults. Times say their unit in the name.
 */
import { z } from 'zod';

export const renditionChoiceSchema = z.union([
  z.enum(['highest', 'lowest']),
  z.object({ bandwidthBps: z.number().positive() }).strict(),
  z.object({ index: z.number().int().min(0) }).strict(),
]);

export type RenditionChoice = z.output<typeof renditionChoiceSchema>;

export const hlsConfigSchema = z
  .object({
    /** In `streamqc run`, check delivery when the channel URL is an HLS playlist (http(s), .m3u8). */
    enabled: z.boolean().default(true),
    /** The rendition the picture and sound detectors decode. */
    rendition: renditionChoiceSchema.default('highest'),
    /** Whose segments are downloaded and checked: every variant's, or the chosen rendition's only. */
    downloadSegments: z.enum(['all', 'chosen', 'none']).default('all'),
    /** A live playlist with no new segment for this many target durations is stale (RFC 8216 6.3.4). */
    staleTargetDurations: z.number().positive().default(1.5),
    /** A download is slow when it takes longer than this many times the segment's duration. */
    slowDownloadRatio: z.number().positive().default(1),
    playlistTimeoutMs: z.number().int().positive().max(600_000).default(5000),
    /** Default: three target durations. */
    segmentTimeoutMs: z.number().int().positive().max(600_000).optional(),
    maxPlaylistBytes: z
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024),
    maxSegmentBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    /** Playlists watched at most (variants first, then renditions); the others are listed as not watched. */
    maxPlaylists: z.number().int().positive().default(32),
    /** Segments downloaded when a playlist is first read (the live edge); later every new one is. */
    startSegments: z.number().int().min(0).default(2),
    /** Media seconds of downloaded segments the measured bitrate is averaged over. */
    bitrateWindowSeconds: z.number().positive().default(10),
    /** Measured over declared BANDWIDTH above this is reported (BANDWIDTH is a peak: 1.1 allows 10%). */
    maxBitrateRatio: z.number().positive().default(1.1),
    /** Measured over declared BANDWIDTH below this is reported; 0 turns it off. */
    minBitrateRatio: z.number().min(0).default(0.3),
    /** Feed downloaded MPEG-TS segments through the TR 101 290 analyser, per playlist. */
    analyzeTs: z.boolean().default(true),
    /** Instant errors of one check on one playlist this close together make one event. */
    mergeSeconds: z.number().min(0).default(5),
  })
  .strict();

export type HlsConfig = z.output<typeof hlsConfigSchema>;
