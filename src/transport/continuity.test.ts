import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContinuityChecker, ContinuityResult } from './continuity.js';

const { ok, duplicate, error, receiveDrop } = ContinuityResult;

/** Results for a run of counters on one PID, all with a payload unless listed in `withoutPayload`. */
function run(
  checker: ContinuityChecker,
  counters: readonly number[],
  withoutPayload: readonly number[] = [],
) {
  return counters.map((cc, index) => checker.check(0x100, cc, !withoutPayload.includes(index), false));
}

describe('ContinuityChecker', () => {
  it('accepts the count wrapping from 15 to 0', () => {
    assert.deepEqual(run(new ContinuityChecker(), [14, 15, 0, 1]), [ok, ok, ok, ok]);
  });

  it('keeps the count on packets without payload and flags a change there', () => {
    assert.deepEqual(run(new ContinuityChecker(), [3, 3, 4], [1]), [ok, ok, ok]);
    assert.deepEqual(run(new ContinuityChecker(), [3, 4, 5], [1]), [ok, error, ok]);
  });

  it('gives one error for a lost packet and one for a corrupted counter', () => {
    assert.deepEqual(run(new ContinuityChecker(), [3, 4, 6, 7]), [ok, ok, error, ok]);
    assert.deepEqual(run(new ContinuityChecker(), [3, 4, 12, 6, 7]), [ok, ok, error, ok, ok]);
  });

  it('allows one duplicate, not two', () => {
    assert.deepEqual(run(new ContinuityChecker(), [3, 4, 4, 5]), [ok, ok, duplicate, ok]);
    assert.deepEqual(run(new ContinuityChecker(), [3, 4, 4, 4, 5]), [ok, ok, duplicate, error, ok]);
  });

  it('restarts the count on a discontinuity_indicator', () => {
    const checker = new ContinuityChecker();
    run(checker, [3, 4]);
    assert.equal(checker.check(0x100, 11, true, true), ok);
    assert.equal(checker.check(0x100, 12, true, false), ok);
  });

  it('blames at most the noted number of gaps on a receive drop, only across it', () => {
    const checker = new ContinuityChecker();
    checker.check(0x100, 1, true, false);
    checker.check(0x101, 1, true, false);
    checker.check(0x102, 1, true, false);
    checker.noteReceiveDrop(2);
    assert.equal(checker.check(0x100, 5, true, false), receiveDrop);
    assert.equal(checker.check(0x100, 9, true, false), error, 'after the drop: the stream again');
    assert.equal(checker.check(0x101, 5, true, false), receiveDrop);
    assert.equal(checker.check(0x102, 5, true, false), error, 'more gaps than packets dropped');
  });
});
