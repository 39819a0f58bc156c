import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from './api-error.js';
import { createRateLimiter } from './rate-limit.js';

function refusal(action: () => void): ApiError {
  try {
    action();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a 429');
}

describe('rate limiter', () => {
  it('keeps one bucket per key and says in Retry-After when the next request may come', () => {
    let clockMs = 0;
    const limiter = createRateLimiter({ perMinute: 2, what: 'requests', nowMs: () => clockMs });
    limiter.take('a');
    limiter.take('a');
    limiter.take('b');
    const refused = refusal(() => limiter.take('a'));
    assert.equal(refused.status, 429);
    assert.equal(refused.headers['retry-after'], '30');
    clockMs += 29_000;
    assert.equal(refusal(() => limiter.check('a')).headers['retry-after'], '1');
    clockMs += 1000;
    limiter.check('a');
    limiter.take('a');
  });

  it('check never takes a request', () => {
    const limiter = createRateLimiter({ perMinute: 1, what: 'requests', nowMs: () => 0 });
    for (let index = 0; index < 5; index += 1) limiter.check('a');
    limiter.take('a');
    assert.equal(refusal(() => limiter.check('a')).status, 429);
  });

  it('forgets the least recently used key beyond its bound, which starts again full', () => {
    const limiter = createRateLimiter({ perMinute: 1, what: 'requests', nowMs: () => 0, maxKeys: 2 });
    limiter.take('a');
    limiter.take('b');
    assert.equal(refusal(() => limiter.take('a')).status, 429, 'a is now the most recent');
    limiter.take('c');
    // Adding c forgot b, the least recently used, so b starts full again (and that forgets a).
    limiter.take('b');
    assert.equal(refusal(() => limiter.take('c')).status, 429, 'c is remembered as empty');
  });
});
