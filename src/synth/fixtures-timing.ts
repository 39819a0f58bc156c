/** Fault fixtures for the timing detectors (video stall, audio dropout, A/V sync). */
import { dbfsToAmplitude } from '../detectors/numbers.js';
import {
  audioSpec,
  fixtureClip,
  fixtureFps,
  fixtureSampleRate,
  programme,
  videoSpec,
} from './fixture-parts.js';
import type { ExpectedEvent, Fixture } from './fixtures.js';
import { drawFlat, drawMovingPattern } from './patterns.js';
import type { AudioSpec } from './clip-writer.js';

const fps = fixtureFps;
const sampleRate = fixtureSampleRate;
/** AAC codes 1024 samples per frame: the unit in which audio can go missing. */
const aacFrameSamples = 1024;
const video = videoSpec;
const audio = audioSpec;
const clip = fixtureClip;

// --- audio dropouts ---------------------------------------------------------------------------------

interface Cut {
  readonly startSeconds: number;
  readonly durationMs: number;
  /** Only this channel is cut; all channels when absent. */
  readonly channel?: number;
}

/** Programme sound with hard cuts to exact zero (no fade: the way a dropout sounds). */
function programmeWithCuts(cuts: readonly Cut[]) {
  return (index: number, channel: number): number => {
    const seconds = index / sampleRate;
    const cut = cuts.some(
      (c) =>
        (c.channel === undefined || c.channel === channel) &&
        seconds >= c.startSeconds &&
        seconds < c.startSeconds + c.durationMs / 1000,
    );
    return cut ? 0 : programme(index, channel);
  };
}

/** Programme sound that fades out over `fadeMs`, stays at zero, and fades back in: a pause, not a cut. */
function programmeWithPause(pauseStartSeconds: number, pauseMs: number, fadeMs: number) {
  const fadeSeconds = fadeMs / 1000;
  const pauseEndSeconds = pauseStartSeconds + pauseMs / 1000;
  return (index: number, channel: number): number => {
    const seconds = index / sampleRate;
    let gain = 1;
    if (seconds >= pauseStartSeconds - fadeSeconds && seconds < pauseStartSeconds) {
      gain = (pauseStartSeconds - seconds) / fadeSeconds;
    } else if (seconds >= pauseStartSeconds && seconds < pauseEndSeconds) {
      gain = 0;
    } else if (seconds >= pauseEndSeconds && seconds < pauseEndSeconds + fadeSeconds) {
      gain = (seconds - pauseEndSeconds) / fadeSeconds;
    }
    return gain * programme(index, channel);
  };
}

const dropoutCuts: readonly Cut[] = [
  { startSeconds: 2, durationMs: 50 },
  { startSeconds: 5, durationMs: 120 },
  { startSeconds: 8, durationMs: 300 },
];

const cutEvents = (cuts: readonly Cut[]): ExpectedEvent[] =>
  cuts.map((c) => ({
    detector: 'audio-dropout',
    startSeconds: c.startSeconds,
    endSeconds: c.startSeconds + c.durationMs / 1000,
    ...(c.channel === undefined ? {} : { channel: c.channel }),
  }));

/** Audio goes missing from the first AAC frame that starts at or after 3 s, for `missingFrames` frames. */
const missingFrom = Math.ceil((3 * sampleRate) / aacFrameSamples) * aacFrameSamples;
const missingFrames = 2;
const missingEnd = missingFrom + missingFrames * aacFrameSamples;

// --- A/V sync test signal ---------------------------------------------------------------------------

/** Flashes on whole frames: frame 10 (0.4 s), then every 25 frames (1 s). */
const syncFirstFlashFrame = 10;
const syncPeriodFrames = fps;
const syncFirstFlashSeconds = syncFirstFlashFrame / fps;
const syncBurstMs = 40;

/** Black picture with a one-frame full-white flash every period (the common sync test pattern). */
const flashVideo = video((index, planes) => {
  const isFlash = index >= syncFirstFlashFrame && (index - syncFirstFlashFrame) % syncPeriodFrames === 0;
  drawFlat(planes, isFlash ? 235 : 16);
});

/** Silence with a 1 kHz burst at each flash, moved by `burstShiftMs` (positive: later). */
function burstAudio(burstShiftMs: number): AudioSpec {
  const periodSamples = Math.round((syncPeriodFrames / fps) * sampleRate);
  const firstBurst = Math.round((syncFirstFlashSeconds + burstShiftMs / 1000) * sampleRate);
  const burstSamples = Math.round((syncBurstMs / 1000) * sampleRate);
  const amplitude = dbfsToAmplitude(-18);
  return audio((index) => {
    if (index < firstBurst) return 0;
    const inBurst = (index - firstBurst) % periodSamples;
    // Half a sample of phase keeps every sample off the tone's zero crossings: at 48 kHz a 1 kHz sine would
    // otherwise have an exact zero every 24 samples, which the silence rule's 2 ms merge gap bridges.
    return inBurst < burstSamples
      ? amplitude * Math.sin((2 * Math.PI * 1000 * (inBurst + 0.5)) / sampleRate)
      : 0;
  });
}

const syncDurationSeconds = 10;
const syncOutOfRange = (): ExpectedEvent[] => [
  { detector: 'av-sync', startSeconds: syncFirstFlashSeconds, endSeconds: syncDurationSeconds },
];

export const timingFixtures: readonly Fixture[] = [
  {
    name: 'video-stall.mp4',
    description: 'no video frames from 4 s to 6 s while the audio goes on',
    expected: [{ detector: 'video-stall', startSeconds: 4, endSeconds: 6 }],
    build: (path) =>
      clip(path, 10, {
        video: video((index, planes) => drawMovingPattern(planes, index), {
          include: (i) => i < 4 * fps || i >= 6 * fps,
        }),
      }),
  },
  {
    name: 'audio-dropouts.mp4',
    description: 'programme sound cut to exact zero for 50 ms at 2 s, 120 ms at 5 s and 300 ms at 8 s',
    expected: cutEvents(dropoutCuts),
    build: (path) => clip(path, 10, { audio: audio(programmeWithCuts(dropoutCuts)) }),
  },
  {
    name: 'audio-dropout-one-channel.mp4',
    description: 'right channel (1) alone cut to exact zero for 100 ms at 4 s',
    expected: cutEvents([{ startSeconds: 4, durationMs: 100, channel: 1 }]),
    build: (path) =>
      clip(path, 8, { audio: audio(programmeWithCuts([{ startSeconds: 4, durationMs: 100, channel: 1 }])) }),
  },
  {
    name: 'audio-missing-frames.mp4',
    description: `${missingFrames} AAC frames of audio missing at 3 s (a timestamp gap the decoder fills with zeros)`,
    expected: [
      {
        detector: 'audio-dropout',
        startSeconds: missingFrom / sampleRate,
        endSeconds: missingEnd / sampleRate,
      },
    ],
    build: (path) =>
      clip(path, 8, {
        audio: audio(programme, { include: (start) => start < missingFrom || start >= missingEnd }),
      }),
  },
  {
    name: 'audio-faded-pauses.mp4',
    description:
      'programme sound fading out (60 ms) to zero for a 250 ms pause at 3 s, like speech: not a dropout',
    expected: [],
    build: (path) => clip(path, 8, { audio: audio(programmeWithPause(3, 250, 60)) }),
  },
  {
    name: 'av-sync-in-sync.mp4',
    description: 'flash and 1 kHz burst test signal, audio in sync',
    expected: [],
    build: (path) => clip(path, syncDurationSeconds, { video: flashVideo, audio: burstAudio(0) }),
  },
  {
    name: 'av-sync-audio-early-100ms.mp4',
    description: 'flash and 1 kHz burst test signal, bursts 100 ms early (beyond the 45 ms BT.1359 limit)',
    expected: syncOutOfRange(),
    build: (path) => clip(path, syncDurationSeconds, { video: flashVideo, audio: burstAudio(-100) }),
  },
  {
    name: 'av-sync-audio-late-160ms.mp4',
    description: 'flash and 1 kHz burst test signal, audio timestamps 160 ms late (beyond the 125 ms limit)',
    expected: syncOutOfRange(),
    build: (path) =>
      clip(path, syncDurationSeconds, { video: flashVideo, audio: burstAudio(0), audioDelaySeconds: 0.16 }),
  },
];
