import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { feed } from './test-support/feed-analyzer.js';
import {
  clonePackets,
  hasPcr,
  pcrOf,
  removePcr,
  removePts,
  setDiscontinuity,
  setTransportError,
  startsUnit,
} from './test-support/ts-test-edits.js';
import { corruptSectionCrc, indexAt, plainVideo } from './test-support/ts-test-find.js';
import { writePcr, buildTestStream, testPids, type TestPacket } from './test-support/ts-test-stream.js';

const clean = buildTestStream({ durationSeconds: 10, withAudio: true });
const stream = () => clonePackets(clean);
const eventsOf = (report: ReturnType<typeof feed>, check: string) =>
  report.events.filter((event) => event.details.check === check);

describe('2.1 transport error indicator', () => {
  it('counts each packet with the flag set, and still analyses it', () => {
    const packets = stream();
    for (const seconds of [1, 2, 3, 4, 5])
      setTransportError(packets[indexAt(packets, 'video', seconds, plainVideo)] as TestPacket);
    setTransportError(packets[indexAt(packets, 'pat', 7)] as TestPacket);
    const report = feed(packets);
    assert.deepEqual(report.nonZero, { transportError: 6 });
    assert.ok(eventsOf(report, '2.1 transport error').every((event) => event.severity === 'warning'));
  });
});

describe('2.2 CRC error', () => {
  it('counts each PMT and SDT section whose CRC is wrong, and no PMT error for isolated ones', () => {
    const packets = stream();
    for (const seconds of [2, 4, 6])
      corruptSectionCrc(packets[indexAt(packets, 'pmt', seconds)] as TestPacket);
    corruptSectionCrc(packets[indexAt(packets, 'sdt', 5)] as TestPacket);
    const report = feed(packets);
    assert.deepEqual(report.nonZero, { crcError: 4 });
    const tables = eventsOf(report, '2.2 CRC').map((event) => [event.details.pid, event.details.tableId]);
    assert.deepEqual(tables, [
      [testPids.pmt, 0x02],
      [testPids.pmt, 0x02],
      [testPids.sdt, 0x42],
      [testPids.pmt, 0x02],
    ]);
  });
});

describe('2.3 PCR repetition and discontinuity', () => {
  it('counts one discontinuity for a PCR jump of 200 ms, and nothing else', () => {
    const packets = stream();
    for (const packet of packets) {
      if (packet.timeSeconds >= 5 && hasPcr(packet))
        writePcr(packet.bytes, 6, pcrOf(packet) + 0.2 * 27_000_000);
    }
    const report = feed(packets);
    assert.deepEqual(report.nonZero, { pcrDiscontinuityError: 1 });
    const jumpMs = eventsOf(report, '2.3 PCR discontinuity')[0]?.details.jumpMs;
    assert.ok(typeof jumpMs === 'number' && jumpMs > 200 && jumpMs < 240, `jump ${jumpMs}`);
  });

  it('accepts a PCR jump where the discontinuity_indicator is set', () => {
    const packets = stream();
    const at = indexAt(packets, 'video', 5, hasPcr);
    setDiscontinuity(packets[at] as TestPacket);
    for (const packet of packets.slice(at))
      if (hasPcr(packet)) writePcr(packet.bytes, 6, pcrOf(packet) + 10 * 27_000_000);
    assert.deepEqual(feed(packets).nonZero, {});
  });

  it('counts one repetition error per PCR interval stretched to about 60 ms', () => {
    const packets = stream();
    for (const seconds of [1.5, 3, 4.5, 6, 7.5])
      removePcr(packets[indexAt(packets, 'video', seconds, hasPcr)] as TestPacket);
    const report = feed(packets);
    assert.deepEqual(report.nonZero, { pcrRepetitionError: 5 });
    assert.equal(eventsOf(report, '2.3 PCR repetition').length, 5);
  });

  it('counts every interval of a stream that sends its PCR every 60 ms, in one event', () => {
    const built = buildTestStream({ durationSeconds: 3, pcrIntervalSeconds: 0.06 });
    // End on a PCR: packets after the last one would make one more gap over 40 ms.
    const sparse = built.slice(0, built.findLastIndex(hasPcr) + 1);
    const pcrPackets = sparse.filter(hasPcr).length;
    const report = feed(sparse);
    assert.deepEqual(report.nonZero, { pcrRepetitionError: pcrPackets - 1 });
    const events = eventsOf(report, '2.3 PCR repetition');
    assert.equal(events.length, 1);
    assert.equal(events[0]?.details.errors, pcrPackets - 1);
  });
});

describe('2.5 PTS repetition error', () => {
  it('counts one error when the video PES carry no PTS for 1 s', () => {
    const packets = stream();
    for (const packet of packets) {
      if (packet.kind === 'video' && startsUnit(packet) && packet.timeSeconds >= 3 && packet.timeSeconds < 4)
        removePts(packet);
    }
    const report = feed(packets);
    assert.deepEqual(report.nonZero, { ptsError: 1 });
    assert.equal(eventsOf(report, '2.5 PTS repetition')[0]?.details.pid, testPids.video);
  });

  it('does not count PTS gaps of up to 700 ms', () => {
    const packets = stream();
    for (const packet of packets) {
      if (
        packet.kind === 'video' &&
        startsUnit(packet) &&
        packet.timeSeconds >= 3 &&
        packet.timeSeconds < 3.6
      )
        removePts(packet);
    }
    assert.deepEqual(feed(packets).nonZero, {});
  });
});
