import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TsAnalyzer } from './ts-analyzer.js';
import { feed, seededRandom, type FeedItem } from './test-support/feed-analyzer.js';
import { ccOf, clonePackets, pidOf, setCc, setScrambled, withheld } from './test-support/ts-test-edits.js';
import { indexAt, plainVideo, rewriteSection } from './test-support/ts-test-find.js';
import { buildTestStream, testPids, type TestPacket } from './test-support/ts-test-stream.js';

const clean = buildTestStream({ durationSeconds: 10, withAudio: true });
const stream = () => clonePackets(clean);
/** Packets of a 7-packet push share its arrival time: event times are good to a few milliseconds. */
const toleranceSeconds = 0.015;
const eventsOf = (report: ReturnType<typeof feed>, check: string) =>
  report.events.filter((event) => event.details.check === check);

describe('TsAnalyzer on a clean stream', () => {
  it('finds no error, sees every packet and reports per-second windows and bitrates', () => {
    const report = feed(clean);
    assert.deepEqual(report.nonZero, {});
    assert.deepEqual(report.events, []);
    assert.equal(report.summary.packets, 10_000);
    assert.equal(report.summary.referencePcrPid, testPids.video);
    assert.equal(report.windows?.length, 10);
    assert.equal(
      report.windows?.reduce((sum, window) => sum + window.packets, 0),
      10_000,
    );
    // 868 video packets per second: 1000 slots less PAT, PMT, audio (10 each), SDT (2) and null (100).
    const video = report.windows?.[5]?.pids.find((figures) => figures.pid === testPids.video);
    // Windows follow the stream clock, which places a packet in a 7-packet push within a few ms.
    assert.ok(Math.abs((video?.packets ?? 0) - 868) <= 2, `${video?.packets}`);
    assert.ok(Math.abs((video?.bitrateBps ?? 0) - 868 * 1504) < 868 * 1504 * 0.01, `${video?.bitrateBps}`);
    assert.ok(
      Math.abs((video?.bitrateByPcrBps ?? 0) - 868 * 1504) < 868 * 1504 * 0.02,
      `${video?.bitrateByPcrBps}`,
    );
  });

  it('gives the same results however the bytes are cut into chunks', () => {
    const packets = stream();
    packets.splice(indexAt(packets, 'video', 2.5, plainVideo), 2);
    setCc(packets[indexAt(packets, 'video', 6, plainVideo)] as TestPacket, 3);
    const items: FeedItem[] = [...packets];
    items.splice(indexAt(packets, 'video', 8), 0, { bytes: new Uint8Array(100), timeSeconds: 8 });
    const whole = feed(items);
    const random = seededRandom(7);
    const cut = feed(items, { pieceBytes: () => Math.floor(random() * 400) + 1 });
    assert.deepEqual(cut.nonZero, whole.nonZero);
    assert.deepEqual(cut.events, whole.events);
    assert.deepEqual(whole.nonZero, { continuityError: 2, syncLoss: 1, syncByteError: 2 });
  });

  it('keeps interval checks on the PCR when packets arrive in half-second bursts', () => {
    // Arrival says 0.5 s pass between bursts: PCR repetition (an arrival measure) sees that, the
    // PAT/PMT/PID/PTS checks on the PCR-driven stream clock do not.
    const report = feed(clean, { packetsPerPush: 500 });
    assert.deepEqual(Object.keys(report.nonZero), ['pcrRepetitionError']);
  });

  it('handles the wrap of the 33-bit PCR without an error', () => {
    const wrapping = buildTestStream({ durationSeconds: 5, pcrStart27MHz: 2 ** 33 * 300 - 2 * 27_000_000 });
    assert.deepEqual(feed(wrapping).nonZero, {});
  });
});

describe('1.1 sync loss and 1.2 sync byte error', () => {
  it('counts one sync loss, re-acquired, for garbage inserted between packets, and loses no packet', () => {
    const items: FeedItem[] = [...clean];
    items.splice(indexAt(clean, 'video', 5), 0, { bytes: new Uint8Array(100), timeSeconds: 5 });
    const report = feed(items);
    assert.deepEqual(report.nonZero, { syncLoss: 1, syncByteError: 2 });
    assert.equal(report.summary.packets, 10_000);
    assert.equal(report.summary.discardedBytes, 100);
    const [loss] = eventsOf(report, '1.1 sync loss');
    assert.equal(eventsOf(report, '1.1 sync loss').length, 1);
    assert.equal(loss?.severity, 'critical');
    assert.ok(Math.abs((loss?.startSeconds ?? 0) - 5) < toleranceSeconds);
  });

  it('counts a single corrupted sync byte without losing sync', () => {
    const packets = stream();
    const target = packets[indexAt(packets, 'null', 3)] as TestPacket;
    target.bytes[0] = 0x46;
    assert.deepEqual(feed(packets).nonZero, { syncByteError: 1 });
  });
});

describe('1.3 PAT error', () => {
  it('puts a PAT gap judged only at the end into a last window, so the windows add up to the summary', () => {
    // Found by fuzzing: no packet at all for 1 s, the gap is judged when the input ends, after the first
    // window closed; the last window (of no length) was not emitted and its count was lost.
    const analyzer = new TsAnalyzer();
    analyzer.push(Uint8Array.of(0), 0);
    analyzer.push(Uint8Array.of(0), 1000);
    const finish = analyzer.finish();
    assert.equal(finish.summary.counts.patError, 1);
    assert.deepEqual(
      finish.windows.map((window) => [window.startSeconds, window.endSeconds, window.counts.patError]),
      [
        [0, 1, 0],
        [1, 1, 1],
      ],
    );
  });

  it('opens exactly one event spanning a PAT withheld for 1 s', () => {
    const report = feed(
      withheld(clean, (packet) => packet.kind === 'pat' && packet.timeSeconds >= 3 && packet.timeSeconds < 4),
    );
    assert.deepEqual(report.nonZero, { patError: 1 });
    const events = eventsOf(report, '1.3 PAT');
    assert.equal(events.length, 1);
    assert.ok(
      Math.abs((events[0]?.startSeconds ?? 0) - 2.9) < toleranceSeconds,
      `start ${events[0]?.startSeconds}`,
    );
    assert.ok(Math.abs((events[0]?.endSeconds ?? 0) - 4) < toleranceSeconds, `end ${events[0]?.endSeconds}`);
    assert.equal(events[0]?.details.errors, 1);
  });

  it('does not count a PAT gap of 0.5 s or less', () => {
    const report = feed(
      withheld(
        clean,
        (packet) =>
          packet.kind === 'pat' && [3, 3.1, 3.2, 3.3].some((t) => Math.abs(packet.timeSeconds - t) < 1e-6),
      ),
    );
    assert.deepEqual(report.nonZero, {});
  });

  it('counts a scrambled PAT packet and a PAT with the wrong table_id', () => {
    const packets = stream();
    setScrambled(packets[indexAt(packets, 'pat', 2)] as TestPacket);
    rewriteSection(packets[indexAt(packets, 'pat', 6)] as TestPacket, (section) => (section[0] = 0x01));
    const report = feed(packets);
    assert.deepEqual(report.nonZero, { patError: 2 });
    assert.deepEqual(
      eventsOf(report, '1.3 PAT').map((event) => event.details.reason),
      ['scrambled', 'table_id'],
    );
  });
});

describe('1.4 continuity count error', () => {
  it('counts one error per gap of dropped packets', () => {
    const packets = stream();
    const drops: [number, number][] = [
      [2.5, 1],
      [4.2, 3],
      [6.1, 2],
      [8.3, 1],
    ];
    for (const [seconds, count] of drops) {
      const index = indexAt(packets, 'video', seconds, plainVideo);
      // Drop `count` consecutive packets of the video PID (other PIDs in between stay).
      let removed = 0;
      for (let at = index; removed < count;) {
        if ((packets[at] as TestPacket).kind === 'video' && plainVideo(packets[at] as TestPacket)) {
          packets.splice(at, 1);
          removed += 1;
        } else at += 1;
      }
    }
    const report = feed(packets);
    assert.deepEqual(report.nonZero, { continuityError: 4 });
    const events = eventsOf(report, '1.4 continuity');
    assert.equal(events.length, 4);
    assert.ok(events.every((event) => event.details.pid === testPids.video && event.severity === 'critical'));
    assert.equal(report.windows?.[2]?.counts.continuityError, 1);
    assert.equal(report.windows?.[4]?.counts.continuityError, 1);
  });

  it('counts one error per corrupted counter value', () => {
    const packets = stream();
    for (const seconds of [1.5, 3.5, 5.5, 7.5, 9.5]) {
      const target = packets[indexAt(packets, 'video', seconds, plainVideo)] as TestPacket;
      setCc(target, ccOf(target) + 8);
    }
    assert.deepEqual(feed(packets).nonZero, { continuityError: 5 });
  });

  it('allows one duplicate of a packet but not a second', () => {
    const packets = stream();
    for (const seconds of [2, 4, 6]) {
      const index = indexAt(packets, 'video', seconds, plainVideo);
      packets.splice(index + 1, 0, packets[index] as TestPacket);
    }
    assert.deepEqual(feed(packets).nonZero, {});
    const index = indexAt(packets, 'video', 8, plainVideo);
    packets.splice(index + 1, 0, packets[index] as TestPacket, packets[index] as TestPacket);
    assert.deepEqual(feed(packets).nonZero, { continuityError: 1 });
  });

  it('accepts a counter jump where the discontinuity_indicator is set', () => {
    const packets = stream();
    const at = indexAt(
      packets,
      'video',
      5,
      (packet) => !plainVideo(packet) && ((packet.bytes[3] ?? 0) & 0x20) !== 0,
    );
    (packets[at] as TestPacket).bytes[5] = ((packets[at] as TestPacket).bytes[5] ?? 0) | 0x80;
    for (let index = at; index < packets.length; index++) {
      const packet = packets[index] as TestPacket;
      if (pidOf(packet) === testPids.video) setCc(packet, ccOf(packet) + 5);
    }
    assert.deepEqual(feed(packets).nonZero, {});
  });

  it('blames gaps on noted receive drops, not on the stream', () => {
    const packets = stream();
    const index = indexAt(packets, 'video', 4, plainVideo);
    packets.splice(index, 3);
    const items: FeedItem[] = packets.map((packet, at) =>
      at === index ? { ...packet, receiveDropBefore: 3 } : packet,
    );
    const noted = feed(items);
    assert.deepEqual(noted.nonZero, {});
    assert.equal(noted.summary.receiveDroppedPackets, 3);
    assert.equal(noted.summary.suppressedContinuityErrors, 1);
    assert.equal(feed(packets).nonZero.continuityError, 1);
    // A later loss on a PID that has sent packets since the drop is the stream's again.
    items.splice(indexAt(packets, 'video', 4.5, plainVideo), 1);
    assert.deepEqual(feed(items).nonZero, { continuityError: 1 });
  });
});

describe('1.5 PMT error and 1.6 PID error', () => {
  it('counts one PMT error for a PMT withheld for 1 s', () => {
    const report = feed(
      withheld(clean, (packet) => packet.kind === 'pmt' && packet.timeSeconds >= 5 && packet.timeSeconds < 6),
    );
    assert.deepEqual(report.nonZero, { pmtError: 1 });
    assert.equal(eventsOf(report, '1.5 PMT')[0]?.details.pid, testPids.pmt);
  });

  it('counts one PID error (and one PTS error) for a referenced PID missing 6 s', () => {
    const report = feed(
      withheld(
        clean,
        (packet) => packet.kind === 'audio' && packet.timeSeconds >= 2 && packet.timeSeconds < 8,
      ),
    );
    assert.deepEqual(report.nonZero, { pidError: 1, ptsError: 1 });
    const [pidEvent] = eventsOf(report, '1.6 PID');
    assert.equal(pidEvent?.details.pid, testPids.audio);
    assert.ok(
      Math.abs((pidEvent?.startSeconds ?? 0) - 1.903) < toleranceSeconds,
      `start ${pidEvent?.startSeconds}`,
    );
    assert.ok(
      Math.abs((pidEvent?.endSeconds ?? 0) - 8.003) < toleranceSeconds,
      `end ${pidEvent?.endSeconds}`,
    );
  });

  it('does not count a PID missing for less than its timeout', () => {
    const report = feed(
      withheld(
        clean,
        (packet) => packet.kind === 'audio' && packet.timeSeconds >= 2 && packet.timeSeconds < 2.5,
      ),
    );
    assert.deepEqual(report.nonZero, {});
  });
});
