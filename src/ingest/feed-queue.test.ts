/**
 * The queue FFmpeg reads through custom I/O: a datagram source's pieces are dropped (and counted) when it is
 * full; a stream source waits for room instead, so nothing is cut.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FeedQueue } from './feed-queue.js';

const piece = (bytes: number, fill: number) => Buffer.alloc(bytes, fill);

describe('FeedQueue', () => {
  it('drops and counts a piece that does not fit', () => {
    const feed = new FeedQueue({ capacityBytes: 1000, readTimeoutMs: 1000 });
    assert.equal(feed.push(piece(600, 1)), true);
    assert.equal(feed.push(piece(600, 2)), false);
    assert.equal(feed.drops, 1);
    feed.clear();
  });

  it('whenRoom waits while the queue is over half full and resumes once FFmpeg has read it down', async () => {
    const feed = new FeedQueue({ capacityBytes: 1000, readTimeoutMs: 1000 });
    feed.push(piece(400, 1));
    let resumed = false;
    await feed.whenRoom();
    feed.push(piece(300, 2));
    const waiting = feed.whenRoom().then(() => (resumed = true));
    await Promise.resolve();
    assert.equal(resumed, false, 'held back at 700 of 1000 bytes');
    const first = feed.read(100) as Buffer;
    assert.ok(Buffer.isBuffer(first) && first.length === 100);
    await Promise.resolve();
    assert.equal(resumed, false, 'still 600 of 1000 bytes');
    void feed.read(200);
    await waiting;
    assert.equal(resumed, true, 'resumed at 400 of 1000 bytes');
    assert.equal(feed.drops, 0);
    feed.clear();
  });

  it('whenRoom resolves when the queue ends, so a waiting source does not hang', async () => {
    const feed = new FeedQueue({ capacityBytes: 1000, readTimeoutMs: 1000 });
    feed.push(piece(900, 1));
    const waiting = feed.whenRoom();
    feed.end();
    await waiting;
    feed.clear();
  });
});
