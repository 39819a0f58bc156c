import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packetBytes } from './ts-constants.js';
import { TsFramer, type PacketSink } from './ts-framer.js';

class Recorder implements PacketSink {
  readonly events: string[] = [];
  onPacket(bytes: Uint8Array, offset: number, streamOffset: number): void {
    this.events.push(`packet ${bytes[offset + 3]} at ${streamOffset}`);
  }
  onSyncByteError(): void {
    this.events.push('sync byte error');
  }
  onSyncLost(): void {
    this.events.push('lost');
  }
  onSyncAcquired(): void {
    this.events.push('acquired');
  }
}

function packets(count: number): Uint8Array {
  const bytes = new Uint8Array(count * packetBytes).fill(0xa5);
  for (let index = 0; index < count; index++) {
    bytes[index * packetBytes] = 0x47;
    bytes[index * packetBytes + 3] = index;
  }
  return bytes;
}

function frame(chunks: readonly Uint8Array[]): string[] {
  const recorder = new Recorder();
  const framer = new TsFramer(recorder);
  for (const chunk of chunks) framer.push(chunk);
  return recorder.events;
}

describe('TsFramer', () => {
  it('needs five sync bytes to acquire and skips leading garbage', () => {
    const stream = new Uint8Array(50 + 6 * packetBytes);
    stream.set(packets(6), 50);
    const events = frame([stream]);
    assert.deepEqual(events.slice(0, 2), ['acquired', 'packet 0 at 50']);
    assert.equal(events.length, 7);
  });

  it('does not acquire on four packets', () => {
    assert.deepEqual(frame([packets(4)]), []);
  });

  it('gives the same packets one byte at a time', () => {
    const stream = packets(8);
    const oneByOne = frame(Array.from(stream, (byte) => Uint8Array.of(byte)));
    assert.deepEqual(oneByOne, frame([stream]));
  });

  it('skips one packet with a bad sync byte and keeps sync', () => {
    const stream = packets(12);
    stream[7 * packetBytes] = 0x00;
    const events = frame([stream]);
    assert.deepEqual(events.slice(7, 10), ['packet 6 at 1128', 'sync byte error', 'packet 8 at 1504']);
    assert.equal(events.filter((event) => event.startsWith('packet')).length, 11);
  });

  it('loses sync on two bad sync bytes and finds the packets after inserted garbage', () => {
    const stream = packets(12);
    const withGarbage = new Uint8Array(stream.length + 100);
    withGarbage.set(stream.subarray(0, 6 * packetBytes));
    withGarbage.set(stream.subarray(6 * packetBytes), 6 * packetBytes + 100);
    const events = frame([withGarbage.subarray(0, 1200), withGarbage.subarray(1200)]);
    assert.deepEqual(events.slice(6, 11), [
      'packet 5 at 940',
      'sync byte error',
      'sync byte error',
      'lost',
      'acquired',
    ]);
    assert.equal(events[11], `packet 6 at ${6 * packetBytes + 100}`);
    assert.equal(events.filter((event) => event.startsWith('packet')).length, 12);
  });
});
