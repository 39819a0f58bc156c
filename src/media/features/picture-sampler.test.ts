import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PictureSampler } from './picture-sampler.js';

function taken(sampler: PictureSampler, times: readonly number[]): number[] {
  return times.filter((time) => sampler.takes(time));
}

describe('PictureSampler', () => {
  const thirtyPerSecond = Array.from({ length: 60 }, (_, i) => i / 30);

  it('takes the first picture at or after every step', () => {
    const times = taken(new PictureSampler(10), thirtyPerSecond);
    assert.equal(times.length, 20);
    assert.deepEqual(times.slice(0, 4), [0, 3 / 30, 6 / 30, 9 / 30]);
  });

  it('starts again from the current picture after a gap', () => {
    const sampler = new PictureSampler(10);
    assert.deepEqual(taken(sampler, [0, 0.05, 0.1, 5, 5.04, 5.1]), [0, 0.1, 5, 5.1]);
  });

  it('takes none at rate 0 and every picture at a rate above the frame rate', () => {
    assert.equal(taken(new PictureSampler(0), thirtyPerSecond).length, 0);
    assert.equal(taken(new PictureSampler(120), thirtyPerSecond).length, 60);
  });
});
