import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildTestStream } from '../transport/test-support/ts-test-stream.js';
import { packetBytes } from '../transport/ts-constants.js';
import type { HlsTransition } from './hls-events.js';
import { looksLikeTs, SegmentTsFeed } from './segment-ts-feed.js';

const fuzzRuns = Number(process.env.STREAMQC_FUZZ_RUNS ?? '') || 300;

/** Second `index` of a continuous test stream as one segment's bytes. */
function segments(count: number): Uint8Array[] {
  const packets = buildTestStream({ durationSeconds: count, withAudio: true });
  return Array.from({ length: count }, (_, index) => {
    const bytes = new Uint8Array(1000 * packetBytes);
    for (let slot = 0; slot < 1000; slot++)
      bytes.set(packets[index * 1000 + slot]?.bytes ?? [], slot * packetBytes);
    return bytes;
  });
}

describe('SegmentTsFeed', () => {
  const stream = segments(6);

  it('reads consecutive segments as one stream: no errors at the joins', () => {
    const transitions: HlsTransition[] = [];
    const feed = new SegmentTsFeed(0, (t) => transitions.push(t));
    stream.forEach((bytes, index) => feed.feed(bytes, 1, index > 0, index));
    feed.restart();
    assert.deepEqual(transitions, []);
    assert.ok(Object.values(feed.counts()).every((count) => count === 0));
  });

  it('starts over where a segment is missing, and counts the gap when told it continues', () => {
    const run = (continues: boolean) => {
      const transitions: HlsTransition[] = [];
      const feed = new SegmentTsFeed(2, (t) => transitions.push(t));
      feed.feed(stream[0] ?? new Uint8Array(), 1, false, 0);
      feed.feed(stream[2] ?? new Uint8Array(), 1, continues, 2);
      feed.restart();
      return { transitions, counts: feed.counts() };
    };
    assert.deepEqual(run(false).transitions, []);
    const joined = run(true);
    // Every PID with a payload jumps its counter once (PAT, PMT, SDT, video, audio); the PCR jumps by a second.
    assert.equal(joined.counts.continuityError, 5);
    assert.equal(joined.counts.pcrDiscontinuityError, 1);
    const open = joined.transitions.find((t) => t.transition.kind === 'open');
    assert.equal(open?.detector, 'transport');
    assert.equal(open?.transition.kind === 'open' && open.transition.details.playlist, 2);
  });

  it('tells TS from other segment formats', () => {
    assert.equal(looksLikeTs(stream[0] ?? new Uint8Array()), true);
    assert.equal(looksLikeTs(new TextEncoder().encode('....ftypisom'.padEnd(600, ' '))), false);
  });

  it('never throws on hostile segment bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 3000 }), fc.boolean(), fc.double({ min: 0, max: 20 })), {
          maxLength: 6,
        }),
        (pieces) => {
          const feed = new SegmentTsFeed(0, () => undefined);
          pieces.forEach(([bytes, continues, duration], index) => {
            // Some hostile pieces start like TS, so the framer and the analyser really see them.
            if (bytes.length > 0 && index % 2 === 0) bytes[0] = 0x47;
            feed.feed(bytes, duration, continues, index);
          });
          feed.restart();
          for (const count of Object.values(feed.counts())) assert.ok(Number.isFinite(count));
        },
      ),
      { numRuns: fuzzRuns },
    );
  });
});
