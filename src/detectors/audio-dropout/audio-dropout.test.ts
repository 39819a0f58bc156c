import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { MediaChunk, TimeSpan } from '../../media/chunk.js';
import { fixturePath } from '../../synth/fixtures.js';
import { programmeSound } from '../../synth/patterns.js';
import {
  analyzeFile,
  assertFound,
  realMediaDirectory,
  realMediaSkipReason,
} from '../../test-support/analyze.js';
import type { EventOpen, EventTransition } from '../contract.js';
import { audioDropoutDetector } from './audio-dropout.js';

const sampleRate = 48_000;

/** Stereo 1-second chunks of `sample(index, channel)`, with `gaps` listed as missing samples. */
function chunks(
  seconds: number,
  sample: (index: number, channel: number) => number,
  gaps: readonly TimeSpan[] = [],
): MediaChunk[] {
  return Array.from({ length: seconds }, (_, index) => ({
    index,
    startSeconds: index,
    endSeconds: index + 1,
    video: [],
    audio: {
      startSeconds: index,
      sampleRate,
      samples: [0, 1].map((channel) => {
        const samples = new Float32Array(sampleRate);
        for (let i = 0; i < sampleRate; i++) samples[i] = sample(index * sampleRate + i, channel);
        return samples;
      }),
      gaps: gaps.filter((gap) => gap.startSeconds >= index && gap.startSeconds < index + 1),
    },
    hasVideoStream: false,
    hasAudioStream: true,
    decodeErrorCount: 0,
    discontinuityCount: 0,
  }));
}

interface Span {
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly channel?: number;
}

const inSpans = (index: number, channel: number, spans: readonly Span[]): boolean =>
  spans.some(
    (span) =>
      (span.channel === undefined || span.channel === channel) &&
      index >= span.startSeconds * sampleRate &&
      index < span.endSeconds * sampleRate,
  );

const programme = (index: number, channel: number): number => programmeSound(index, sampleRate, channel);
const withCuts =
  (spans: readonly Span[], level = 1) =>
  (index: number, channel: number): number =>
    inSpans(index, channel, spans) ? 0 : level * programme(index, channel);

interface Dropout extends Span {
  readonly details: EventOpen['details'];
}

function dropouts(input: readonly MediaChunk[], config: Record<string, unknown> = {}): Dropout[] {
  const instance = audioDropoutDetector.create(audioDropoutDetector.configSchema.parse(config));
  const transitions: EventTransition[] = input.flatMap((chunk) => [...instance.analyze(chunk).transitions]);
  transitions.push(...instance.finish(input.length).transitions);
  return transitions.flatMap((open) => {
    if (open.kind !== 'open') return [];
    const close = transitions.find((t) => t.kind === 'close' && t.key === open.key);
    assert.ok(close?.kind === 'close', `${open.key} is closed`);
    return [
      {
        startSeconds: open.startSeconds,
        endSeconds: close.endSeconds,
        ...(open.channel === undefined ? {} : { channel: open.channel }),
        details: open.details,
      },
    ];
  });
}

function assertNear(found: readonly Span[], expected: readonly Span[], toleranceSeconds = 0.002): void {
  assert.equal(found.length, expected.length, JSON.stringify(found));
  expected.forEach((span, i) => {
    const got = found[i];
    assert.ok(
      got &&
        got.channel === span.channel &&
        Math.abs(got.startSeconds - span.startSeconds) <= toleranceSeconds &&
        Math.abs(got.endSeconds - span.endSeconds) <= toleranceSeconds,
      `expected ${JSON.stringify(span)}, got ${JSON.stringify(got)}`,
    );
  });
}

describe('audio-dropout', () => {
  const cuts: Span[] = [
    { startSeconds: 0.5, endSeconds: 0.55 },
    { startSeconds: 1.95, endSeconds: 2.07 },
    { startSeconds: 4.2, endSeconds: 4.5 },
  ];

  it('finds cuts of 50, 120 (across a chunk boundary) and 300 ms, on all channels at once', () => {
    const found = dropouts(chunks(6, withCuts(cuts)));
    assertNear(found, cuts);
    assert.deepEqual(found[1]?.details.channels, [0, 1]);
    assert.equal(found[1]?.details.allChannels, true);
    assert.equal(found[1]?.details.missingSamples, false);
  });

  it('reports a cut on one channel with that channel', () => {
    const cut = { startSeconds: 1.3, endSeconds: 1.38, channel: 1 };
    assertNear(dropouts(chunks(3, withCuts([cut]))), [cut]);
  });

  it('reports samples missing from the stream (zero-filled gaps) as dropouts', () => {
    const gap = { startSeconds: 2.008, endSeconds: 2.0507 };
    const found = dropouts(chunks(4, withCuts([gap]), [gap]));
    assertNear(found, [gap]);
    assert.equal(found[0]?.details.missingSamples, true);
  });

  it('a pause that fades out and in, like speech, is not a dropout', () => {
    const fadeSeconds = 0.06;
    const pause = { startSeconds: 1.5, endSeconds: 1.75 };
    const faded = (index: number, channel: number): number => {
      const t = index / sampleRate;
      const distance = Math.max(pause.startSeconds - t, t - pause.endSeconds, 0);
      return Math.min(1, distance / fadeSeconds) * programme(index, channel);
    };
    assert.deepEqual(dropouts(chunks(3, faded)), []);
  });

  it('cuts in audio that is already quiet, cuts too short and silences too long are not dropouts', () => {
    assert.deepEqual(dropouts(chunks(3, withCuts([{ startSeconds: 1, endSeconds: 1.1 }], 0.001))), []);
    assert.deepEqual(dropouts(chunks(3, withCuts([{ startSeconds: 1, endSeconds: 1.005 }]))), []);
    assert.deepEqual(dropouts(chunks(3, withCuts([{ startSeconds: 1, endSeconds: 1.8 }]))), []);
  });

  it('the longest dropout is configurable', () => {
    assertNear(dropouts(chunks(6, withCuts(cuts)), { maxDurationMs: 200 }), cuts.slice(0, 2));
  });

  it('fixture audio-dropouts.mp4: three cuts found within 10 ms after AAC; silence raises nothing', async () => {
    const report = await analyzeFile(await fixturePath('audio-dropouts.mp4'), ['audio-dropout', 'silence']);
    const expected = [
      { startSeconds: 2, endSeconds: 2.05 },
      { startSeconds: 5, endSeconds: 5.12 },
      { startSeconds: 8, endSeconds: 8.3 },
    ];
    for (const span of expected) assertFound(report.events, { detector: 'audio-dropout', ...span }, 0.01);
    assert.equal(report.events.length, 3, JSON.stringify(report.events));
  });

  it('fixtures: a one-channel cut and two missing AAC frames', async () => {
    const oneChannel = await analyzeFile(await fixturePath('audio-dropout-one-channel.mp4'), [
      'audio-dropout',
    ]);
    assert.equal(oneChannel.events.length, 1);
    assertFound(
      oneChannel.events,
      { detector: 'audio-dropout', startSeconds: 4, endSeconds: 4.1, channel: 1 },
      0.01,
    );
    const missing = await analyzeFile(await fixturePath('audio-missing-frames.mp4'), ['audio-dropout']);
    assert.equal(missing.events.length, 1);
    const [event] = missing.events;
    assert.equal(event?.details.missingSamples, true);
    assertFound(missing.events, { detector: 'audio-dropout', startSeconds: 3.008, endSeconds: 3.051 }, 0.005);
  });

  it('the clean fixture and faded pauses raise no dropout', async () => {
    for (const name of ['clean.mp4', 'audio-faded-pauses.mp4']) {
      const report = await analyzeFile(await fixturePath(name), ['audio-dropout']);
      assert.deepEqual(report.events, [], name);
    }
  });

  const directory = realMediaDirectory();
  it('real speech raises no dropout', { skip: directory ? false : realMediaSkipReason }, async () => {
    const speech = ['asterisk-demo-echotest.wav', 'linphone-hello16k.wav', 'boswars-speech-01.wav'];
    for (const clip of [...speech, 'kphotoalbum-talkinghead.avi', 'chid-5.1-spoken.mp4']) {
      const report = await analyzeFile(join(directory ?? '', clip), ['audio-dropout']);
      assert.deepEqual(report.events, [], clip);
    }
  });
});
