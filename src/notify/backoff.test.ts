import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs, parseRetryAfterMs, sleep } from './backoff.js';

describe('backoff', () => {
  const settings = { baseMs: 500, capMs: 60_000 };

  it('waits between zero and a ceiling that doubles up to the cap', () => {
    assert.equal(
      backoffDelayMs(1, settings, () => 0),
      0,
    );
    assert.equal(
      backoffDelayMs(1, settings, () => 0.999),
      499,
    );
    assert.equal(
      backoffDelayMs(4, settings, () => 0.5),
      2000,
    );
    assert.equal(
      backoffDelayMs(40, settings, () => 0.5),
      30_000,
    );
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const nowMs = Date.UTC(2025, 0, 2, 12, 0, 0);
    assert.equal(parseRetryAfterMs('3', nowMs), 3000);
    assert.equal(parseRetryAfterMs('Thu, 02 Jan 2025 12:00:10 GMT', nowMs), 10_000);
    assert.equal(parseRetryAfterMs('Thu, 02 Jan 2025 11:00:00 GMT', nowMs), 0);
    assert.equal(parseRetryAfterMs('soon', nowMs), null);
    assert.equal(parseRetryAfterMs(null, nowMs), null);
  });

  it('sleep ends early when aborted', async () => {
    const controller = new AbortController();
    const startedMs = Date.now();
    const slept = sleep(10_000, controller.signal);
    controller.abort();
    await slept;
    assert.ok(Date.now() - startedMs < 100, 'sleep returned on abort');
  });
});
