import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VideoFrame } from './chunk.js';
import { Chunker, type ChunkerOptions } from './chunker.js';

const options: ChunkerOptions = {
  expectVideo: true,
  expectAudio: true,
  hasVideoStream: true,
  hasAudioStream: true,
  maxStreamSkewSeconds: 3,
  audioJitterSeconds: 0.02,
};

function frameAt(timeSeconds: number, released: number[]): { frame: VideoFrame; release: () => void } {
  const frame: VideoFrame = {
    timeSeconds,
    durationSeconds: 0.04,
    width: 2,
    height: 2,
    luma: new Uint8Array(4),
    lumaStride: 2,
    blackLevel: 16,
    whiteLevel: 235,
    chroma: null,
    keyFrame: false,
    corrupt: false,
  };
  return { frame, release: () => released.push(timeSeconds) };
}

describe('Chunker', () => {
  it('starts the timeline at the first decoded item and cuts 1-second chunks with video and audio together', () => {
    const released: number[] = [];
    const chunker = new Chunker(options);
    const sampleRate = 1000;
    for (let i = 0; i < 75; i++) chunker.pushVideo(frameAt(100 + i * 0.04, released));
    for (let block = 0; block < 30; block++) {
      chunker.pushAudio(100 + block * 0.1, sampleRate, [new Float32Array(100).fill(block / 100)]);
    }
    const ready = [...chunker.takeReady(), ...chunker.flush()];
    assert.deepEqual(
      ready.map((r) => r.chunk.index),
      [0, 1, 2],
    );
    const [first, second] = ready;
    assert.equal(first?.chunk.video.length, 25);
    assert.equal(first?.chunk.video[0]?.timeSeconds, 0);
    assert.equal(first?.chunk.audio?.samples[0]?.length, 1000);
    assert.equal(second?.chunk.audio?.startSeconds, 1);
    for (const r of ready) r.release();
    assert.equal(released.length, 75);
  });

  it('zero-fills missing audio and lists the gap', () => {
    const chunker = new Chunker({ ...options, expectVideo: false });
    chunker.pushAudio(0, 1000, [new Float32Array(400).fill(0.5)]);
    chunker.pushAudio(0.6, 1000, [new Float32Array(400).fill(0.5)]);
    const [chunk] = chunker.flush().map((r) => r.chunk);
    assert.equal(chunk?.audio?.samples[0]?.length, 1000);
    assert.equal(chunk?.audio?.samples[0]?.[500], 0);
    assert.deepEqual(chunk?.audio?.gaps, [{ startSeconds: 0.4, endSeconds: 0.6 }]);
  });

  it('does not wait for a stream that stopped: hands chunks out once the other is 3 s ahead', () => {
    const chunker = new Chunker(options);
    const released: number[] = [];
    chunker.pushAudio(0, 1000, [new Float32Array(500)]);
    for (let i = 0; i < 200; i++) chunker.pushVideo(frameAt(i * 0.04, released));
    const ready = chunker.takeReady();
    assert.ok(ready.length >= 4, `got ${ready.length}`);
    chunker.discard();
  });

  it('does not write an audio gap into chunks already handed out (no leak when audio resumes)', () => {
    const chunker = new Chunker(options);
    const released: number[] = [];
    const ready = [];
    for (let i = 0; i < 300; i++) {
      const t = i * 0.04;
      chunker.pushVideo(frameAt(t, released));
      const audioOn = t < 2 || t >= 8;
      if (audioOn && i % 25 === 0) chunker.pushAudio(t, 1000, [new Float32Array(1000).fill(0.1)]);
      ready.push(...chunker.takeReady());
    }
    ready.push(...chunker.flush());
    assert.deepEqual(
      ready.map((r) => r.chunk.index),
      Array.from({ length: 12 }, (_, i) => i),
    );
    assert.equal(chunker.openChunkCount, 0);
    for (const r of ready) r.release();
  });

  it('puts a frame a float rounding error below a whole second into its chunk, not the late bin', () => {
    // 90 kHz timestamps starting at 1920: frame 200 is 721920/90000 - 1920/90000 = 7.999999999999999 s.
    const released: number[] = [];
    const chunker = new Chunker({ ...options, expectAudio: false });
    const ready = [];
    for (let i = 0; i < 250; i++) {
      chunker.pushVideo(frameAt((1920 + 3600 * i) / 90_000, released));
      ready.push(...chunker.takeReady());
    }
    ready.push(...chunker.flush());
    assert.equal(chunker.lateDropCount, 0);
    assert.equal(
      ready.reduce((sum, r) => sum + r.chunk.video.length, 0),
      250,
    );
    for (const r of ready) r.release();
  });

  // Found by fuzzing (chunker.fuzz.test.ts): hostile timestamps released hours of empty chunks at once.
  it('places audio whose first timestamp is hours from the video where the video is', () => {
    const released: number[] = [];
    const chunker = new Chunker(options);
    // The first picture had no timestamp (the clock says 0); the audio's first is 13 hours on.
    chunker.pushVideo(frameAt(0, released));
    chunker.pushAudio(47_721.9, 1000, [new Float32Array(1000).fill(0.1)]);
    const ready = [...chunker.takeReady(), ...chunker.flush()];
    assert.deepEqual(
      ready.map((r) => [r.chunk.index, r.chunk.video.length, r.chunk.audio?.samples[0]?.length ?? 0]),
      [[0, 1, 1000]],
    );
    for (const r of ready) r.release();
  });

  it('keeps a stream that starts a few seconds late where its timestamps say', () => {
    const released: number[] = [];
    const chunker = new Chunker(options);
    for (let i = 0; i < 99; i++) chunker.pushVideo(frameAt(10 + i * 0.04, released));
    chunker.pushAudio(12.5, 1000, [new Float32Array(500).fill(0.1)]);
    const ready = [...chunker.takeReady(), ...chunker.flush()];
    assert.deepEqual(
      ready.map((r) => r.chunk.audio?.startSeconds ?? null),
      [null, null, 2.5, null],
    );
    for (const r of ready) r.release();
  });

  it('shows a picture with a days-long duration for at most 10 s', () => {
    const released: number[] = [];
    const chunker = new Chunker({ ...options, expectAudio: false });
    const held = frameAt(0, released);
    chunker.pushVideo({ frame: { ...held.frame, durationSeconds: 1e7 }, release: held.release });
    const ready = [...chunker.takeReady(), ...chunker.flush()];
    assert.equal(ready.length, 10);
    assert.equal(ready[0]?.chunk.video[0]?.durationSeconds, 10);
    for (const r of ready) r.release();
  });
});
