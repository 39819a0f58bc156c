import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeTransition } from '../test-support/local-receiver.js';
import { buildRequest, slackLine, slackPayload, webhookPayload } from './payloads.js';

describe('webhook payload', () => {
  it('carries the key, the event type and every time as ISO as well as ms', () => {
    const payload = webhookPayload(makeTransition({ kind: 'cleared' }));
    assert.equal(payload.key, 'inc-1:cleared');
    assert.equal(payload.type, 'incident.cleared');
    const incident = payload.incident as Record<string, unknown>;
    assert.equal(incident.closedAt, '2025-01-02T12:02:16.000Z');
    assert.equal(incident.closedAtMs, Date.UTC(2025, 0, 2, 12, 2, 16));
    assert.equal(incident.acknowledgedAt, null);
  });

  it('gives null for a time that is not a number rather than throwing', () => {
    const payload = webhookPayload(makeTransition({ atMs: Number.NaN }));
    assert.equal(payload.at, null);
  });

  it('lets configured headers add to but not replace the key and content type', () => {
    const request = buildRequest({
      kind: 'webhook',
      transition: makeTransition(),
      extraHeaders: { Authorization: 'Bearer t', 'idempotency-key': 'other', 'content-type': 'text/plain' },
      userAgent: 'streamqc/0',
    });
    assert.deepEqual(request.headers, {
      Authorization: 'Bearer t',
      'User-Agent': 'streamqc/0',
      'Content-Type': 'application/json',
      'Idempotency-Key': 'inc-1:raised',
    });
  });
});

describe('Slack payload', () => {
  it('reads as one line per transition', () => {
    assert.equal(
      slackLine(makeTransition({ incident: { severity: 'warning', kind: 'black' } })),
      ':large_orange_circle: RAISED warning black on channel news-1 (since 12:00:03 UTC)',
    );
    assert.equal(
      slackLine(makeTransition({ kind: 'cleared' })),
      ':large_green_circle: CLEARED critical freeze on channel news-1 (lasted 2m 13s)',
    );
    assert.equal(
      slackLine(makeTransition({ kind: 'acknowledged' })),
      ':eyes: ACKNOWLEDGED critical freeze on channel news-1 by alice',
    );
  });

  it('escapes Slack markup in names and details', () => {
    const payload = slackPayload(
      makeTransition({ incident: { channelId: '<!channel>', details: { note: 'a & b' } } }),
    );
    assert.match(payload.text, /&lt;!channel&gt;/);
    assert.doesNotMatch(JSON.stringify(payload), /<!channel>/);
    assert.match(JSON.stringify(payload.blocks), /note: a &amp; b/);
  });

  it('names the audio channel and lists the details', () => {
    const payload = slackPayload(
      makeTransition({ incident: { kind: 'silence', channel: 1, details: { levels: [-70.12345, -80] } } }),
    );
    const blocks = JSON.stringify(payload.blocks);
    assert.match(blocks, /silence \(audio 1\)/);
    assert.match(blocks, /levels: -70\.123, -80/);
  });
});
