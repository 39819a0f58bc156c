/**
 * Fuzzing of the MPEG-TS analyser (framer, section assembly, every check) with random bytes and with valid
 * test streams broken by bit flips, truncation, duplicated or dropped packets and inserted garbage. Whatever
 * comes in: no throw, every byte pushed is either in a counted packet or discarded, the windows add up to the
 * summary, every event that opens closes once, and every time is a finite number in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { EventTransition } from '../detectors/contract.js';
import { fuzz, fuzzTimeoutMs } from '../test-support/fuzz-runs.js';
import { TsAnalyzer, type TsFinishResult, type TsPushResult } from './ts-analyzer.js';
import { tsChecks } from './ts-checks.js';
import { packetBytes } from './ts-constants.js';
import type { TsWindow } from './ts-window.js';
import { buildTestStream, type TestPacket } from './test-support/ts-test-stream.js';

interface Push {
  readonly bytes: Uint8Array;
  readonly receivedAtMs: number;
}

interface Outcome {
  readonly transitions: EventTransition[];
  readonly windows: TsWindow[];
  readonly finish: TsFinishResult;
}

function analyze(pushes: readonly Push[]): Outcome {
  const analyzer = new TsAnalyzer();
  const transitions: EventTransition[] = [];
  const windows: TsWindow[] = [];
  const take = (result: TsPushResult) => {
    transitions.push(...result.transitions);
    windows.push(...result.windows);
  };
  for (const push of pushes) take(analyzer.push(push.bytes, push.receivedAtMs));
  const finish = analyzer.finish();
  take(finish);
  return { transitions, windows, finish };
}

/** What must hold whatever the input. */
function assertConsistent(pushes: readonly Push[], outcome: Outcome): void {
  const { summary } = outcome.finish;
  const pushedBytes = pushes.reduce((sum, push) => sum + push.bytes.length, 0);
  assert.equal(summary.bytes, pushedBytes);
  assert.equal(summary.packets * packetBytes + summary.discardedBytes, pushedBytes, 'bytes unaccounted for');
  assert.ok(Number.isFinite(summary.durationSeconds) && summary.durationSeconds >= 0);
  assert.equal(
    summary.pids.reduce((sum, pid) => sum + pid.packets, 0),
    summary.packets,
  );
  assert.equal(
    outcome.windows.reduce((sum, window) => sum + window.packets, 0),
    summary.packets,
    'window packets do not add up to the summary',
  );
  for (const { counter } of tsChecks) {
    const inWindows = outcome.windows.reduce((sum, window) => sum + window.counts[counter], 0);
    assert.equal(inWindows, summary.counts[counter], `${counter}: windows ${inWindows}, summary`);
  }
  let previousEnd = 0;
  for (const window of outcome.windows) {
    assert.ok(Number.isFinite(window.startSeconds) && Number.isFinite(window.endSeconds));
    assert.ok(window.startSeconds >= previousEnd - 1e-9, 'windows overlap');
    assert.ok(window.endSeconds >= window.startSeconds);
    for (const pid of window.pids) {
      assert.ok(pid.bitrateBps === null || Number.isFinite(pid.bitrateBps));
      assert.ok(pid.bitrateByPcrBps === null || Number.isFinite(pid.bitrateByPcrBps));
    }
    previousEnd = window.endSeconds;
  }
  const open = new Map<string, number>();
  for (const transition of outcome.transitions) {
    if (transition.kind === 'open') {
      assert.ok(!open.has(transition.key), `${transition.key} opened twice`);
      assert.ok(Number.isFinite(transition.startSeconds) && transition.startSeconds >= 0);
      open.set(transition.key, transition.startSeconds);
    } else {
      const startSeconds = open.get(transition.key);
      assert.ok(startSeconds !== undefined, `${transition.key} closed without an open`);
      assert.ok(Number.isFinite(transition.endSeconds) && transition.endSeconds >= startSeconds);
      open.delete(transition.key);
    }
  }
  assert.deepEqual([...open.keys()], [], 'events left open after finish');
}

/** Pushes of `bytes` cut at the given sizes, all arriving `stepMs` apart. */
function cut(bytes: Uint8Array, sizes: readonly number[], stepMs: number): Push[] {
  // No bytes is still one push: the arrival clock moves.
  if (bytes.length === 0) return [{ bytes, receivedAtMs: 0 }];
  const pushes: Push[] = [];
  let offset = 0;
  for (let index = 0; offset < bytes.length; index++) {
    const size = Math.max(1, sizes[index % Math.max(1, sizes.length)] ?? bytes.length);
    pushes.push({ bytes: bytes.subarray(offset, offset + size), receivedAtMs: index * stepMs });
    offset += size;
  }
  return pushes;
}

const validStream: readonly TestPacket[] = buildTestStream({ durationSeconds: 3, withAudio: true });

/** A test stream as datagrams of 7 packets at their own time, so the arrival clock is the muxer's. */
type Datagram = { bytes: Uint8Array; timeSeconds: number };

function datagrams(packets: readonly TestPacket[]): Datagram[] {
  const result: Datagram[] = [];
  for (let index = 0; index < packets.length; index += 7) {
    const group = packets.slice(index, index + 7);
    const bytes = new Uint8Array(group.length * packetBytes);
    group.forEach((packet, at) => bytes.set(packet.bytes, at * packetBytes));
    result.push({ bytes, timeSeconds: group[0]?.timeSeconds ?? 0 });
  }
  return result;
}

type Mutation =
  | { kind: 'flip'; datagram: number; byte: number; bit: number }
  | { kind: 'truncate'; datagram: number; keepBytes: number }
  | { kind: 'duplicatePacket'; datagram: number; packet: number }
  | { kind: 'dropPacket'; datagram: number; packet: number }
  | { kind: 'garbage'; datagram: number; bytes: Uint8Array }
  | { kind: 'pcrJump'; datagram: number; timeShiftSeconds: number };

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip'),
    datagram: fraction,
    byte: fraction,
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({ kind: fc.constant('truncate'), datagram: fraction, keepBytes: fraction }),
  fc.record({ kind: fc.constant('duplicatePacket'), datagram: fraction, packet: fraction }),
  fc.record({ kind: fc.constant('dropPacket'), datagram: fraction, packet: fraction }),
  fc.record({
    kind: fc.constant('garbage'),
    datagram: fraction,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 600, size: 'max' }),
  }),
  fc.record({
    kind: fc.constant('pcrJump'),
    datagram: fraction,
    timeShiftSeconds: fc.double({ min: -5, max: 5, noNaN: true }),
  }),
) as fc.Arbitrary<Mutation>;

const at = (fractionOf: number, length: number) => Math.min(length - 1, Math.floor(fractionOf * length));

function packetCount(datagram: Datagram): number {
  return Math.floor(datagram.bytes.length / packetBytes);
}

function withoutPacket(bytes: Uint8Array, packet: number): Uint8Array {
  const result = new Uint8Array(bytes.length - packetBytes);
  result.set(bytes.subarray(0, packet * packetBytes));
  result.set(bytes.subarray((packet + 1) * packetBytes), packet * packetBytes);
  return result;
}

function insertAt(bytes: Uint8Array, offset: number, inserted: Uint8Array): Uint8Array {
  const result = new Uint8Array(bytes.length + inserted.length);
  result.set(bytes.subarray(0, offset));
  result.set(inserted, offset);
  result.set(bytes.subarray(offset), offset + inserted.length);
  return result;
}

/** Applies mutations to copies of the datagrams; a truncation ends the stream there. */
function mutate(source: readonly Datagram[], mutations: readonly Mutation[]): Datagram[] {
  let list = source.map((datagram) => ({ ...datagram }));
  for (const mutation of mutations) {
    if (list.length === 0) break;
    const index = at(mutation.datagram, list.length);
    const target = list[index];
    if (!target) continue;
    switch (mutation.kind) {
      case 'flip': {
        const bytes = target.bytes.slice();
        const byte = at(mutation.byte, bytes.length);
        bytes[byte] = (bytes[byte] ?? 0) ^ (1 << mutation.bit);
        target.bytes = bytes;
        break;
      }
      case 'truncate':
        target.bytes = target.bytes.slice(0, Math.floor(mutation.keepBytes * target.bytes.length));
        list = list.slice(0, index + 1);
        break;
      case 'duplicatePacket': {
        if (packetCount(target) === 0) break;
        const packet = at(mutation.packet, packetCount(target));
        const copy = target.bytes.slice(packet * packetBytes, (packet + 1) * packetBytes);
        target.bytes = insertAt(target.bytes, (packet + 1) * packetBytes, copy);
        break;
      }
      case 'dropPacket':
        if (packetCount(target) === 0) break;
        target.bytes = withoutPacket(target.bytes, at(mutation.packet, packetCount(target)));
        break;
      case 'garbage':
        target.bytes = insertAt(target.bytes, at(mutation.datagram, target.bytes.length + 1), mutation.bytes);
        break;
      case 'pcrJump':
        // The receiver's clock jumps (suspend, NTP step): arrival times from here on move.
        list = list.map((datagram, position) =>
          position < index
            ? datagram
            : { ...datagram, timeSeconds: datagram.timeSeconds + mutation.timeShiftSeconds },
        );
        break;
      default: {
        const unknown: never = mutation;
        throw new Error(`unknown mutation ${JSON.stringify(unknown)}`);
      }
    }
  }
  return list;
}

/** A case analyses a whole 3 s test stream (twice for chunking). */
const mutatedStreamOptions = { msPerCase: 200 };
const chunkingOptions = { msPerCase: 200, runsScale: 0.5 };

describe('TS analyser fuzzing', () => {
  it('random bytes in random pieces', { timeout: fuzzTimeoutMs() }, async () => {
    await fuzz(
      'ts-analyzer random bytes',
      fc.property(
        fc.uint8Array({ maxLength: 20_000, size: 'max' }),
        fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 2000 }),
        (bytes, sizes, stepMs) => {
          const pushes = cut(bytes, sizes, stepMs);
          assertConsistent(pushes, analyze(pushes));
        },
      ),
    );
  });

  it(
    'random packets: sync bytes in place, headers and payloads random',
    { timeout: fuzzTimeoutMs() },
    async () => {
      // Random bytes rarely hold sync; these do, so the header, adaptation field and section paths run.
      const packet = fc.uint8Array({ minLength: packetBytes, maxLength: packetBytes }).map((bytes) => {
        bytes[0] = 0x47;
        return bytes;
      });
      const pid = fc.constantFrom(0, 0x11, 0x100, 0x1000, 0x1fff);
      const header = fc.tuple(packet, pid, fc.boolean()).map(([bytes, chosenPid, unitStart]) => {
        bytes[1] = ((bytes[1] ?? 0) & 0xa0) | (unitStart ? 0x40 : 0) | (chosenPid >> 8);
        bytes[2] = chosenPid & 0xff;
        return bytes;
      });
      await fuzz(
        'ts-analyzer random packets',
        fc.property(
          fc.array(header, { minLength: 1, maxLength: 80, size: 'max' }),
          fc.integer({ min: 1, max: 100 }),
          (list, stepMs) => {
            const bytes = new Uint8Array(list.length * packetBytes);
            list.forEach((item, index) => bytes.set(item, index * packetBytes));
            const pushes = cut(bytes, [7 * packetBytes], stepMs);
            assertConsistent(pushes, analyze(pushes));
          },
        ),
      );
    },
  );

  it(
    'a valid stream with bit flips, truncation, duplicated and dropped packets, garbage',
    { timeout: fuzzTimeoutMs(mutatedStreamOptions) },
    async () => {
      const source = datagrams(validStream);
      await fuzz(
        'ts-analyzer mutated stream',
        fc.property(fc.array(mutationArbitrary, { minLength: 1, maxLength: 6 }), (mutations) => {
          const pushes = mutate(source, mutations).map((datagram) => ({
            bytes: datagram.bytes,
            receivedAtMs: datagram.timeSeconds * 1000,
          }));
          assertConsistent(pushes, analyze(pushes));
        }),
        mutatedStreamOptions,
      );
    },
  );

  it(
    'how a mutated stream is cut into pieces does not change the result',
    { timeout: fuzzTimeoutMs(chunkingOptions) },
    async () => {
      const source = datagrams(validStream);
      await fuzz(
        'ts-analyzer chunking',
        fc.property(
          fc.array(mutationArbitrary, { maxLength: 4 }),
          fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 5 }),
          (mutations, sizes) => {
            const mutated = mutate(source, mutations);
            const whole = mutated.map((datagram) => ({
              bytes: datagram.bytes,
              receivedAtMs: datagram.timeSeconds * 1000,
            }));
            const pieces = mutated.flatMap((datagram) =>
              cut(datagram.bytes, sizes, 0).map((push) => ({
                ...push,
                receivedAtMs: datagram.timeSeconds * 1000,
              })),
            );
            const expected = analyze(whole);
            const actual = analyze(pieces);
            assert.deepEqual(actual.finish.summary, expected.finish.summary);
            assert.deepEqual(actual.transitions, expected.transitions);
          },
        ),
        chunkingOptions,
      );
    },
  );
});
