import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecentKeys } from './recent-keys.js';
import { createTokenBucket } from './token-bucket.js';

describe('token bucket', () => {
  it('allows a burst of perMinute, then one token per 60/perMinute s', () => {
    let clockMs = 0;
    const bucket = createTokenBucket(3, () => clockMs);
    assert.deepEqual(
      [bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()],
      [true, true, true, false],
    );
    assert.equal(bucket.msUntilToken(), 20_000);
    clockMs += 19_999;
    assert.equal(bucket.tryTake(), false);
    clockMs += 1;
    assert.equal(bucket.tryTake(), true);
  });

  it('never holds more than the burst, and ignores a clock stepping back', () => {
    let clockMs = 1_000_000;
    const bucket = createTokenBucket(2, () => clockMs);
    clockMs += 10 * 60_000;
    clockMs -= 5 * 60_000;
    assert.deepEqual([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()], [true, true, false]);
  });
});

describe('recent keys', () => {
  it('forgets the oldest key beyond its capacity', () => {
    const keys = createRecentKeys(2);
    keys.add('a');
    keys.add('b');
    keys.add('c');
    assert.deepEqual(
      ['a', 'b', 'c'].map((key) => keys.has(key)),
      [false, true, true],
    );
  });
});
