/**
 * TR 101 290 checks on live UDP channels: a stream with injected faults (dropped packets, corrupted
 * continuity counters, the PAT withheld for 1 s, PCR gaps) is counted exactly as injected, through the
 * chunk records, the monitor's counters, the Prometheus family and incidents; the same stream without
 * the faults, received at the same time, gives no transport error and no transport incident.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { monitorMetricFamilies } from '../src/api/monitor-metrics.js';
import { parseProcNetUdp } from '../src/ingest/socket-drops.js';
import { parseServiceConfig } from '../src/config/service-config.js';
import type { ChunkRecord } from '../src/service/model.js';
import {
  readTimedPackets,
  sendPaced,
  writeLiveTestClip,
} from '../src/transport/test-support/live-ts-stream.js';
import {
  ccOf,
  clonePackets,
  hasPcr,
  pidOf,
  removePcr,
  setCc,
  startsUnit,
  withheld,
} from '../src/transport/test-support/ts-test-edits.js';
import type { TestPacket } from '../src/transport/test-support/ts-test-stream.js';
import { transportIncidentKinds, tsChecks, type TsCounterName } from '../src/transport/ts-checks.js';
import { recordingMonitor } from '../src/test-support/recording-monitor.js';

const streamSeconds = 10;
const videoPid = 0x100;
const audioPid = 0x101;

/** The first packet at or after `seconds` that `accept` takes. */
function firstAfter(packets: readonly TestPacket[], seconds: number, accept: (p: TestPacket) => boolean) {
  const index = packets.findIndex((p) => p.timeSeconds >= seconds && accept(p));
  assert.ok(index >= 0, `a packet to edit after ${seconds} s`);
  return index;
}

/** Injects the faults; returns the edited packets and the counts TR 101 290 must give for them. */
function injectFaults(clean: readonly TestPacket[]): {
  packets: TestPacket[];
  expected: Partial<Record<TsCounterName, number>>;
} {
  // The PAT withheld from 4 s to 5 s (null packets in its place, its counter renumbered after): one gap.
  let packets = withheld(clean, (p) => pidOf(p) === 0 && p.timeSeconds >= 4 && p.timeSeconds < 5);
  packets = clonePackets(packets);
  // Two PCR gaps: two PCRs in a row removed (20 ms apart -> a 60 ms interval), at 6 s and at 7 s.
  for (const seconds of [6, 7]) {
    const first = firstAfter(packets, seconds, (p) => pidOf(p) === videoPid && hasPcr(p));
    const second = firstAfter(packets, (packets[first]?.timeSeconds ?? 0) + 0.001, (p) => hasPcr(p));
    for (const index of [first, second]) removePcr(packets[index] as TestPacket);
  }
  // Two corrupted audio counters (the next packet goes on from before: one error each).
  for (const seconds of [3.2, 7.5]) {
    const packet = packets[firstAfter(packets, seconds, (p) => pidOf(p) === audioPid)] as TestPacket;
    setCc(packet, ccOf(packet) + 8);
  }
  // Three video packets dropped (no PCR, no PES start: only their counter shows it).
  const dropped = new Set(
    [3.5, 5.5, 7.8].map((seconds) =>
      firstAfter(packets, seconds, (p) => pidOf(p) === videoPid && !hasPcr(p) && !startsUnit(p)),
    ),
  );
  packets = packets.filter((_, index) => !dropped.has(index));
  return { packets, expected: { continuityError: 5, patError: 1, pcrRepetitionError: 2 } };
}

function transportCounts(records: readonly ChunkRecord[]): Record<TsCounterName, number> {
  const totals = Object.fromEntries(tsChecks.map((info) => [info.counter, 0])) as Record<
    TsCounterName,
    number
  >;
  for (const record of records) {
    const figures = record.measurements['transport'] as Record<string, unknown> | undefined;
    for (const info of tsChecks) {
      const value = figures?.[info.counter];
      if (typeof value === 'number') totals[info.counter] += value;
    }
  }
  return totals;
}

describe('live transport checks (TR 101 290 over UDP)', () => {
  let directory = '';
  let cleanPackets: TestPacket[] = [];

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'streamqc-live-ts-'));
    const clip = join(directory, 'live.ts');
    await writeLiveTestClip(clip, streamSeconds);
    cleanPackets = await readTimedPackets(clip);
  });

  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('counts injected faults exactly, raises their incidents, and nothing on the clean copy', async () => {
    const { packets: faulty, expected } = injectFaults(cleanPackets);
    const basePort = 30_000 + Math.floor(Math.random() * 20_000);
    const config = parseServiceConfig(
      {
        noSignalSeconds: 30,
        worker: { connectTimeoutMs: 1500, heartbeatTimeoutMs: 10_000 },
        channels: [
          { id: 'faulty', url: `udp://127.0.0.1:${basePort}`, detectors: ['black'] },
          { id: 'clean', url: `udp://127.0.0.1:${basePort + 1}`, detectors: ['black'] },
        ],
      },
      'test',
    );
    const { monitor, store, transitions } = recordingMonitor(config);
    await monitor.start();
    // Datagrams sent before a worker has bound its socket are lost for good: wait for both sockets.
    const listening = async () => {
      const ports = new Set(parseProcNetUdp(await readFile('/proc/net/udp', 'utf8')).map((l) => l.localPort));
      return ports.has(basePort) && ports.has(basePort + 1);
    };
    const bindDeadline = Date.now() + 30_000;
    while (!(await listening())) {
      assert.ok(Date.now() < bindDeadline, 'the workers listen');
      await sleep(100);
    }
    const senders = [sendPaced(faulty, basePort), sendPaced(cleanPackets, basePort + 1)];
    try {
      await Promise.all(senders.map((s) => s.done));
      // Every packet sent is accounted for once the input has timed out and its last chunks are in
      // (a loaded machine may decode well behind the live edge).
      const accounted = (id: string) => {
        const totals = monitor.getChannel(id)?.transport;
        return (totals?.packets ?? 0) + (totals?.receiveDroppedPackets ?? 0);
      };
      const deadline = Date.now() + 30_000;
      while (accounted('faulty') < faulty.length || accounted('clean') < cleanPackets.length) {
        assert.ok(Date.now() < deadline, 'every packet sent is analysed and reported');
        await sleep(250);
      }
      const records = (id: string) => store.queryChunks(id, 0, Date.now() + 60_000, 10_000);
      const faultyCounts = transportCounts(await records('faulty'));
      const cleanCounts = transportCounts(await records('clean'));
      for (const info of tsChecks) {
        assert.equal(faultyCounts[info.counter], expected[info.counter] ?? 0, `faulty ${info.counter}`);
        assert.equal(cleanCounts[info.counter], 0, `clean ${info.counter}`);
      }
      assert.deepEqual(monitor.counters().transportErrorsByChannel?.['faulty'], faultyCounts);
      assert.equal(monitor.getChannel('faulty')?.transport?.counts.continuityError, 5);

      const metric = (await monitorMetricFamilies(monitor)).find(
        (f) => f.name === 'streamqc_transport_errors_total',
      );
      const sample = metric?.samples.find(
        (s) => s.labels?.['channel'] === 'faulty' && s.labels['check'] === 'continuityError',
      );
      assert.equal(sample?.value, 5, 'the Prometheus counter');

      const raisedKinds = (id: string) =>
        new Set(
          transitions
            .filter((t) => t.kind === 'raised' && t.incident.channelId === id)
            .map((t) => t.incident.kind)
            .filter((kind) => transportIncidentKinds.includes(kind)),
        );
      assert.deepEqual(
        [...raisedKinds('faulty')].sort(),
        ['ts-continuity', 'ts-pat', 'ts-pcr-repetition'],
        'one incident kind per faulty check',
      );
      assert.deepEqual([...raisedKinds('clean')], [], 'no transport incident on the clean channel');
    } finally {
      for (const sender of senders) sender.close();
      await monitor.stop();
    }
  });
});
