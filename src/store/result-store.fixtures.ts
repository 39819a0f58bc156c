/** Channels, chunk rows and incidents for the store tests, each a valid default that a test overrides. */
import type { ChannelSpec, ChunkRecord, Incident } from '../service/model.js';

export const baseTimeMs = 1_700_000_000_000;

export function exampleChannel(id: string, overrides: Partial<ChannelSpec> = {}): ChannelSpec {
  return {
    id,
    name: `Channel ${id}`,
    url: `srt://user:secret@example.net:9000?streamid=${id}`,
    loop: false,
    detectors: ['black', 'silence'],
    detectorConfig: { black: { minDurationSeconds: 2, pictureBlackRatio: 0.98 } },
    tags: ['news', 'hd'],
    enabled: true,
    ...overrides,
  };
}

/**
 * One second's figures from 12 detectors, shaped like the pipeline's output (detector id to figures),
 * about 600 bytes of JSON. `seed` varies the numbers so rows do not compress unrealistically well.
 */
export function exampleMeasurements(seed: number): Record<string, unknown> {
  const wave = (offset: number, scale: number, center = 0): number =>
    Math.round((center + Math.sin(seed * 0.37 + offset) * scale) * 100) / 100;
  return {
    black: { blackRatio: Math.abs(wave(1, 1)), meanLuma: wave(2, 40, 100), blackFrames: seed % 3 },
    freeze: { stillFrames: seed % 25, meanDifferenceDb: wave(3, 12, -30) },
    silence: { levelDbfs: wave(4, 10, -24), silentChannels: 0 },
    loudness: {
      momentaryLufs: wave(5, 4, -23),
      shortTermLufs: wave(6, 2, -23),
      truePeakDbtp: wave(7, 1, -2),
    },
    clipping: { clippedRuns: 0, clippedSamples: seed % 7 },
    'audio-dropout': { dropouts: 0 },
    'av-sync': { offsetMs: wave(8, 40), pairs: 25 },
    'decode-error': { corruptFrames: 0, rejectedPackets: seed % 11 === 0 ? 1 : 0 },
    'video-stall': { framesPerSecond: wave(9, 0.5, 25), longestGapMs: wave(10, 5, 45) },
    transport: {
      continuityErrors: 0,
      bitrateKbps: Math.round(wave(11, 800, 6000)),
      pcrJitterMs: Math.abs(wave(12, 3)),
    },
    picture: { colorBars: false, testCard: null },
    audio: { channels: 2, rmsDbfs: [wave(13, 6, -20), wave(14, 6, -21)] },
  };
}

export function exampleChunk(
  channelId: string,
  chunkIndex: number,
  overrides: Partial<ChunkRecord> = {},
): ChunkRecord {
  return {
    channelId,
    sessionId: 'session-1',
    chunkIndex,
    startedAtMs: baseTimeMs + chunkIndex * 1000,
    durationSeconds: 1,
    measurements: exampleMeasurements(chunkIndex),
    ...overrides,
  };
}

export function exampleIncident(id: string, overrides: Partial<Incident> = {}): Incident {
  return {
    id,
    channelId: 'ch-a',
    kind: 'black',
    severity: 'critical',
    state: 'open',
    startedAtMs: baseTimeMs,
    raisedAtMs: baseTimeMs + 2000,
    closedAtMs: null,
    acknowledgedAtMs: null,
    acknowledgedBy: null,
    details: { blackRatio: 0.99, frames: 50, reason: 'picture black', levels: [16, 17, 16] },
    evidence: { thumbnailPath: null, clipPath: null },
    ...overrides,
  };
}
