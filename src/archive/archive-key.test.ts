import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { archiveObjectKey, normalizePrefix, periodStartMs } from './archive-key.js';

describe('archive keys', () => {
  it('name the channel, the UTC hour path and the first row start', () => {
    const startMs = Date.UTC(2026, 10, 26, 9, 5, 7, 250);
    assert.equal(
      archiveObjectKey({ prefix: 'streamqc', channelId: 'news', startMs }),
      'streamqc/news/2026/11/26/09/news-2026-11-26T09:05:07.250Z.ndjson.gz',
    );
  });

  it('drop slashes around the prefix, and an empty prefix', () => {
    const startMs = Date.UTC(2027, 0, 1, 0, 0, 0, 0);
    assert.equal(normalizePrefix('/a/b/'), 'a/b');
    assert.equal(
      archiveObjectKey({ prefix: '/a/b/', channelId: 'c', startMs }),
      'a/b/c/2027/01/01/00/c-2027-01-01T00:00:00.000Z.ndjson.gz',
    );
    assert.equal(
      archiveObjectKey({ prefix: '', channelId: 'c', startMs }),
      'c/2027/01/01/00/c-2027-01-01T00:00:00.000Z.ndjson.gz',
    );
  });

  it('place a time in the period that holds it', () => {
    const minuteMs = 60_000;
    const t = Date.UTC(2026, 10, 26, 9, 5, 0, 0);
    assert.equal(periodStartMs(t, minuteMs), t);
    assert.equal(periodStartMs(t + 59_999, minuteMs), t);
    assert.equal(periodStartMs(t + 60_000, minuteMs), t + 60_000);
    assert.equal(periodStartMs(t - 1, minuteMs), t - 60_000);
  });
});
