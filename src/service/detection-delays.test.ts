import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectionDelaysFor } from './detection-delays.js';

describe('detectionDelaysFor', () => {
  it('is each run detector minimum duration plus 2 s, with the channel settings; 0 for others', () => {
    const delayOf = detectionDelaysFor(['black', 'freeze', 'silence'], { freeze: { minDurationSeconds: 7 } });
    assert.equal(delayOf('black'), 4);
    assert.equal(delayOf('freeze'), 9);
    assert.equal(delayOf('silence'), 4);
    assert.equal(delayOf('dead-channel'), 0);
  });

  it('a detector the channel does not run adds no wait', () => {
    const delayOf = detectionDelaysFor(['silence'], {});
    assert.equal(delayOf('freeze'), 0);
    assert.equal(delayOf('silence'), 4);
  });
});
