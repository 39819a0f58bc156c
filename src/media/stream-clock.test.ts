import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamClock } from './stream-clock.js';

const ninetyKhz = { num: 1, den: 90_000 };

describe('StreamClock', () => {
  it('continues across a 33-bit MPEG-TS timestamp wrap', () => {
    const clock = new StreamClock({
      timeBase: ninetyKhz,
      wrapBits: 33,
      discontinuityThresholdSeconds: 10,
      maxBackwardSeconds: 1,
    });
    const wrap = 2n ** 33n;
    const beforeWrap = wrap - 45_000n; // 0.5 s before the wrap
    const first = clock.toSeconds(beforeWrap, 0.04);
    const afterWrap = clock.toSeconds(45_000n, 0.04); // 0.5 s after it
    assert.ok(Math.abs(afterWrap - first - 1) < 1e-6, `${afterWrap - first}`);
    assert.equal(clock.discontinuities, 0);
  });

  it('smooths a forward jump beyond the threshold and counts it', () => {
    const clock = new StreamClock({
      timeBase: ninetyKhz,
      wrapBits: 33,
      discontinuityThresholdSeconds: 10,
      maxBackwardSeconds: 1,
    });
    clock.toSeconds(0n, 1);
    const jumped = clock.toSeconds(90_000n * 3600n, 1);
    assert.equal(jumped, 1);
    assert.equal(clock.toSeconds(90_000n * 3601n, 1), 2);
    assert.equal(clock.discontinuities, 1);
  });

  it('keeps a real gap shorter than the threshold (a stall stays visible)', () => {
    const clock = new StreamClock({
      timeBase: ninetyKhz,
      wrapBits: 33,
      discontinuityThresholdSeconds: 10,
      maxBackwardSeconds: 1,
    });
    clock.toSeconds(0n, 0.04);
    assert.equal(clock.toSeconds(90_000n * 3n, 0.04), 3);
    assert.equal(clock.discontinuities, 0);
  });

  it('fills in a missing timestamp from the previous frame', () => {
    const clock = new StreamClock({
      timeBase: ninetyKhz,
      wrapBits: 64,
      discontinuityThresholdSeconds: 10,
      maxBackwardSeconds: 1,
    });
    clock.toSeconds(9000n, 0.04);
    assert.ok(Math.abs(clock.toSeconds(-9223372036854775808n, 0.04) - 0.14) < 1e-9);
  });

  it('ignores a frame duration longer than a discontinuity (found by fuzzing)', () => {
    const clock = new StreamClock({
      timeBase: ninetyKhz,
      wrapBits: 33,
      discontinuityThresholdSeconds: 10,
      maxBackwardSeconds: 1,
    });
    clock.toSeconds(0n, 1e7);
    assert.ok(Math.abs(clock.toSeconds(3600n, 0.04) - 0.04) < 1e-9);
    assert.equal(clock.discontinuities, 0);
  });
});
