import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concat } from './test-support/feed-analyzer.js';
import { ccOf, clonePackets, pidOf, setCc } from './test-support/ts-test-edits.js';
import { buildTestStream, testPids, type TestPacket } from './test-support/ts-test-stream.js';
import { LiveTransport, type TransportChunkFigures, type TransportCondition } from './live-transport.js';
import { nullPid } from './ts-constants.js';

interface Datagram {
  readonly bytes: Uint8Array;
  readonly atMs: number;
  readonly packets: readonly TestPacket[];
}

function datagrams(packets: readonly TestPacket[]): Datagram[] {
  const result: Datagram[] = [];
  for (let index = 0; index < packets.length; index += 7) {
    const group = packets.slice(index, index + 7);
    result.push({
      bytes: concat(group.map((p) => p.bytes)),
      atMs: (group[0]?.timeSeconds ?? 0) * 1000,
      packets: group,
    });
  }
  return result;
}

interface Run {
  readonly figures: TransportChunkFigures[];
  readonly conditions: TransportCondition[];
}

/**
 * Feeds datagrams as a receiver would, reading the kernel counter every 100 ms: `lost` are datagrams the
 * kernel dropped (never received); `reportDrops` says whether the counter tells of them.
 */
function run(all: readonly Datagram[], lost: ReadonlySet<number>, reportDrops: boolean, jitterMs = 0): Run {
  const conditions: TransportCondition[] = [];
  const transport = new LiveTransport({ onCondition: (c) => conditions.push(c) });
  const figures: TransportChunkFigures[] = [];
  let dropped = 0;
  let nextSettleMs = 100;
  all.forEach((datagram, index) => {
    while (datagram.atMs >= nextSettleMs) {
      transport.settle(reportDrops ? dropped : 0);
      nextSettleMs += 100;
      const taken = transport.takeChunkFigures();
      if (taken) figures.push(taken);
    }
    if (lost.has(index)) dropped += 1;
    else transport.receive(datagram.bytes, datagram.atMs + (index % 3) * jitterMs);
  });
  transport.finish();
  const taken = transport.takeChunkFigures();
  if (taken) figures.push(taken);
  return { figures, conditions };
}

function total(figures: readonly TransportChunkFigures[], key: keyof TransportChunkFigures): number {
  return figures.reduce((sum, f) => sum + (typeof f[key] === 'number' ? (f[key] as number) : 0), 0);
}

describe('LiveTransport', () => {
  const stream = datagrams(buildTestStream({ durationSeconds: 4, withAudio: true }));
  // Three datagrams in a row at 2 s, lost by the receiver.
  const first = stream.findIndex((d) => d.atMs >= 2000);
  const lost = new Set([first, first + 1, first + 2]);
  const lostPids = new Set(
    [...lost].flatMap((index) => (stream[index]?.packets ?? []).map(pidOf)).filter((pid) => pid !== nullPid),
  );

  it('blames continuity breaks on the monitor when the kernel counted its drops', () => {
    const { figures, conditions } = run(stream, lost, true);
    assert.equal(total(figures, 'continuityError'), 0);
    assert.equal(
      total(figures, 'suppressedContinuityErrors'),
      lostPids.size,
      'one break per PID that lost packets',
    );
    assert.equal(total(figures, 'receiveDroppedPackets'), 21, 'three datagrams of 7 packets');
    assert.deepEqual(
      conditions.filter((c) => c.incidentKind === 'ts-continuity'),
      [],
    );
  });

  it('does not judge PCR steps across datagrams the monitor lost', () => {
    // Ten datagrams (70 ms) hold at least two PCRs (every 30 ms): the PCR step across them is about 90 ms.
    const from = stream.findIndex((d) => d.atMs >= 2500);
    const longLoss = new Set(Array.from({ length: 10 }, (_, i) => from + i));
    assert.equal(total(run(stream, longLoss, true).figures, 'pcrRepetitionError'), 0);
    assert.ok(
      total(run(stream, longLoss, false).figures, 'pcrRepetitionError') > 0,
      'the stream’s when not ours',
    );
  });

  it('counts the same breaks as the stream’s when the monitor lost nothing', () => {
    const { figures, conditions } = run(stream, lost, false);
    assert.equal(total(figures, 'continuityError'), lostPids.size);
    assert.equal(total(figures, 'priority1Errors'), lostPids.size);
    assert.equal(total(figures, 'suppressedContinuityErrors'), 0);
    assert.deepEqual(
      conditions.filter((c) => c.incidentKind === 'ts-continuity').map((c) => c.kind),
      ['open', 'close'],
      'the PIDs of one check make one condition',
    );
  });

  it('makes one condition per check across PIDs, closed with every PID and error', () => {
    const packets = clonePackets(buildTestStream({ durationSeconds: 4, withAudio: true }));
    for (const pid of [testPids.video, testPids.audio]) {
      const packet = packets.find((p) => pidOf(p) === pid && p.timeSeconds >= 2) as TestPacket;
      setCc(packet, ccOf(packet) + 8);
    }
    const { conditions, figures } = run(datagrams(packets), new Set(), true);
    assert.equal(total(figures, 'continuityError'), 2);
    const continuity = conditions.filter((c) => c.incidentKind === 'ts-continuity');
    assert.equal(continuity.length, 2);
    assert.equal(continuity[0]?.kind, 'open');
    assert.equal(continuity[0]?.kind === 'open' && continuity[0].severity, 'critical');
    assert.equal(Math.round((continuity[0]?.atMs ?? 0) / 100), 20, 'opened at the first error, 2 s in');
    assert.deepEqual(continuity[1]?.details, { errors: 2, pids: [testPids.video, testPids.audio] });
  });

  it('measures PCR repetition on PCR values: receive-time jitter of its own is no error', () => {
    // PCR every 30 ms; receive times pushed up to 30 ms late: on receive times, intervals reach 60 ms.
    const { figures } = run(stream, new Set(), true, 15);
    assert.equal(total(figures, 'pcrRepetitionError'), 0);
    const packets = buildTestStream({ durationSeconds: 4, withAudio: true, pcrIntervalSeconds: 0.05 });
    assert.ok(
      total(run(datagrams(packets), new Set(), true).figures, 'pcrRepetitionError') > 0,
      'a 50 ms PCR interval is',
    );
  });

  it('reports bitrate per PID and in total', () => {
    const { figures } = run(stream, new Set(), true);
    const last = figures[figures.length - 2];
    const video = last?.pids.find((p) => p.pid === testPids.video)?.bitrateBps ?? 0;
    // The test stream: about 870 of its 1000 packets per second are video, 188 bytes each.
    assert.ok(Math.abs(video - 870 * 188 * 8) < 0.05 * video, `video ${video} b/s`);
    assert.ok(Math.abs((last?.bitrateBps ?? 0) - 1000 * 188 * 8) < 0.05 * 1_504_000);
  });
});
