/** Fault fixtures for timestamp-level A/V timing (av-timing). */
import type { ClipSpec } from './clip-writer.js';
import { fixtureClip } from './fixture-parts.js';
import type { Fixture } from './fixtures.js';

/** The shared fixture picture and sound, in MPEG-TS (timestamps are what these faults are about). */
function clip(path: string, durationSeconds: number, extra: Partial<ClipSpec>): Promise<void> {
  return fixtureClip(path, durationSeconds, { container: 'mpegts', ...extra });
}

export const avTimingFixtures: readonly Fixture[] = [
  {
    name: 'audio-clock-drift.ts',
    description: 'audio timestamps run 0.4% fast (4 ms per second) against the samples',
    // A correction comes each time the drift passes the chunker's 20 ms tolerance (about every 5 s); the
    // third one makes a series: the event starts at the first and lasts to the end.
    expected: [{ detector: 'av-timing', startSeconds: 5, endSeconds: 30 }],
    alsoAllowed: ['audio-dropout'],
    build: (path) => clip(path, 30, { audioTimestampScale: 1.004 }),
  },
  {
    name: 'audio-track-jump.ts',
    description: 'the audio timestamps alone jump 2 s ahead at 5 s (video continues): sound 2 s late',
    expected: [{ detector: 'av-timing', startSeconds: 5, endSeconds: 5 }],
    // The jump leaves 2 s without audio samples, which the timeline fills with silence.
    alsoAllowed: ['silence', 'loudness', 'video-stall'],
    build: (path) => clip(path, 12, { audioTimestampJump: { atSeconds: 5, bySeconds: 2 } }),
  },
];
