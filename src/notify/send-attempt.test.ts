import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyStatus } from './send-attempt.js';

describe('answer classification', () => {
  it('retries 429 and 5xx, refuses other 4xx and 3xx', () => {
    assert.equal(classifyStatus(204, null, 0).outcome, 'delivered');
    assert.deepEqual(classifyStatus(429, '2', 0), {
      outcome: 'retry',
      reason: 'HTTP 429',
      status: 429,
      retryAfterMs: 2000,
    });
    assert.equal(classifyStatus(502, null, 0).outcome, 'retry');
    // Retry-After is only honoured where HTTP gives it that meaning.
    const serverError = classifyStatus(500, '2', 0);
    assert.equal(serverError.outcome === 'retry' ? serverError.retryAfterMs : 'not retried', null);
    assert.equal(classifyStatus(404, null, 0).outcome, 'refused');
    assert.match(JSON.stringify(classifyStatus(302, null, 0)), /redirects are not followed/);
  });
});
