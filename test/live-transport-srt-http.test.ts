/**
 * TR 101 290 checks on SRT and HTTP-TS channels, received by the worker itself: a stream with injected
 * continuity errors (corrupted counters, dropped packets) is counted exactly as injected in the chunk
 * records and raises `ts-continuity`; the same stream without the faults gives no transport error and no
 * transport incident. An SRT source that is cut raises no-signal, and clears when it is back.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseServiceConfig } from '../src/config/service-config.js';
import type { ChunkRecord } from '../src/service/model.js';
import { fixturePath } from '../src/synth/fixtures.js';
import { startLiveSender } from '../src/synth/live-sender.js';
import { randomPort } from '../src/test-support/media-servers.js';
import { recordingMonitor } from '../src/test-support/recording-monitor.js';
import { sendPacedSrt, servePacedHttp } from '../src/test-support/ts-byte-senders.js';
import { readTimedPackets, writeLiveTestClip } from '../src/transport/test-support/live-ts-stream.js';
import {
  ccOf,
  clonePackets,
  hasPcr,
  pidOf,
  setCc,
  startsUnit,
} from '../src/transport/test-support/ts-test-edits.js';
import type { TestPacket } from '../src/transport/test-support/ts-test-stream.js';
import { transportIncidentKinds, tsChecks, type TsCounterName } from '../src/transport/ts-checks.js';

const streamSeconds = 8;
const videoPid = 0x100;
const audioPid = 0x101;

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function firstAfter(packets: readonly TestPacket[], seconds: number, accept: (p: TestPacket) => boolean) {
  const index = packets.findIndex((p) => p.timeSeconds >= seconds && accept(p));
  assert.ok(index >= 0, `a packet to edit after ${seconds} s`);
  return index;
}

/** Two corrupted audio counters and three dropped video packets: five continuity errors, nothing else. */
function injectContinuityErrors(clean: readonly TestPacket[]): TestPacket[] {
  const packets = clonePackets(clean);
  for (const seconds of [2.2, 5.5]) {
    const packet = packets[firstAfter(packets, seconds, (p) => pidOf(p) === audioPid)] as TestPacket;
    setCc(packet, ccOf(packet) + 8);
  }
  const dropped = new Set(
    [3.5, 4.5, 6.5].map((seconds) =>
      firstAfter(packets, seconds, (p) => pidOf(p) === videoPid && !hasPcr(p) && !startsUnit(p)),
    ),
  );
  return packets.filter((_, index) => !dropped.has(index));
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

describe('live transport checks over SRT and HTTP', () => {
  let directory = '';
  let cleanPackets: TestPacket[] = [];

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'streamqc-srt-http-ts-'));
    const clip = join(directory, 'live.ts');
    await writeLiveTestClip(clip, streamSeconds);
    cleanPackets = await readTimedPackets(clip);
  });

  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('counts injected continuity errors exactly over SRT and HTTP, and nothing on clean copies', async () => {
    const faulty = injectContinuityErrors(cleanPackets);
    const srtPort = randomPort();
    const faultyHttp = await servePacedHttp(faulty);
    const cleanHttp = await servePacedHttp(cleanPackets);
    // Both SRT modes: the monitor calls a listening sender, and listens for a calling one.
    const senders = [
      sendPacedSrt(faulty, `srt://127.0.0.1:${srtPort}?mode=listener`),
      sendPacedSrt(cleanPackets, `srt://127.0.0.1:${srtPort + 1}`),
    ];
    const expected: Record<string, number> = {
      'faulty-srt': faulty.length,
      'clean-srt': cleanPackets.length,
      'faulty-http': faulty.length,
      'clean-http': cleanPackets.length,
    };
    const config = parseServiceConfig(
      {
        noSignalSeconds: 30,
        worker: { connectTimeoutMs: 3000, heartbeatTimeoutMs: 15_000 },
        channels: [
          { id: 'faulty-srt', url: `srt://127.0.0.1:${srtPort}`, detectors: ['black'] },
          { id: 'clean-srt', url: `srt://127.0.0.1:${srtPort + 1}?mode=listener`, detectors: ['black'] },
          // HTTP answers start when the worker asks: nothing is sent before it listens.
          { id: 'faulty-http', url: faultyHttp.url, detectors: ['black'] },
          { id: 'clean-http', url: cleanHttp.url, detectors: ['black'] },
        ],
      },
      'test',
    );
    const { monitor, store, transitions } = recordingMonitor(config);
    await monitor.start();
    try {
      await Promise.all([...senders.map((s) => s.done), faultyHttp.done, cleanHttp.done]);
      // Every packet sent is analysed once the input has ended and its last chunks are in (a loaded
      // machine may decode well behind the live edge). TCP and SRT lose nothing on the loopback.
      const accounted = (id: string) => monitor.getChannel(id)?.transport?.packets ?? 0;
      await waitFor(
        () => Object.entries(expected).every(([id, count]) => accounted(id) >= count),
        40_000,
        'every packet sent to be analysed and reported',
      );
      for (const [id, count] of Object.entries(expected)) {
        assert.equal(accounted(id), count, `${id}: each packet analysed once`);
        const counts = transportCounts(await store.queryChunks(id, 0, Date.now() + 60_000, 10_000));
        const injected = id.startsWith('faulty') ? 5 : 0;
        for (const info of tsChecks) {
          const want = info.counter === 'continuityError' ? injected : 0;
          assert.equal(counts[info.counter], want, `${id} ${info.counter}`);
        }
        assert.equal(monitor.getChannel(id)?.transport?.receiveDroppedPackets ?? 0, 0, `${id}: no own drops`);
        const raised = transitions
          .filter((t) => t.kind === 'raised' && t.incident.channelId === id)
          .map((t) => t.incident.kind)
          .filter((kind) => transportIncidentKinds.includes(kind));
        assert.deepEqual(
          [...new Set(raised)],
          injected > 0 ? ['ts-continuity'] : [],
          `${id} transport incidents`,
        );
      }
    } finally {
      for (const sender of senders) sender.close();
      faultyHttp.close();
      cleanHttp.close();
      await monitor.stop();
    }
  });

  it('an SRT source that is cut raises no-signal, cleared when it is back', async () => {
    const source = await fixturePath('offset-start.ts');
    const port = randomPort();
    const senderUrl = `srt://127.0.0.1:${port}?mode=listener`;
    const config = parseServiceConfig(
      {
        noSignalSeconds: 4,
        alerts: { defaults: { raiseAfterSeconds: 0, clearAfterSeconds: 1 } },
        worker: { connectTimeoutMs: 1500, heartbeatTimeoutMs: 10_000 },
        channels: [{ id: 'srt', url: `srt://127.0.0.1:${port}`, detectors: ['black', 'decode-error'] }],
      },
      'test',
    );
    const { monitor, transitions } = recordingMonitor(config);
    let sender = startLiveSender(source, senderUrl);
    await monitor.start();
    const seen = (kind: 'raised' | 'cleared', from: number) =>
      transitions.slice(from).some((t) => t.kind === kind && t.incident.kind === 'no-signal');
    try {
      await waitFor(
        () => (monitor.getChannel('srt')?.transport?.packets ?? 0) > 0,
        40_000,
        'transport figures',
      );
      const markAt = transitions.length;
      await sender.close();
      await waitFor(() => seen('raised', markAt), 20_000, 'no-signal once the source is cut');
      sender = startLiveSender(source, senderUrl);
      await waitFor(() => seen('cleared', markAt), 40_000, 'no-signal to clear once it is back');
      assert.equal(monitor.getChannel('srt')?.restarts, 0, 'the worker never crashed');
      assert.equal(monitor.getChannel('srt')?.transport?.counts.syncLoss ?? 0, 0);
    } finally {
      await sender.close();
      await monitor.stop();
    }
  });
});
