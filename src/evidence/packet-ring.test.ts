/** The evidence ring keeps the last seconds of packets, frees what falls out, and finds a window by read time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packet, type Stream } from 'node-av/lib';
import { PacketRing } from './packet-ring.js';

const stream = {} as Stream;

function packetAt(pts: number): Packet {
  const packet = new Packet();
  packet.alloc();
  packet.pts = BigInt(pts);
  return packet;
}

describe('PacketRing', () => {
  it('keeps only the last seconds, oldest first, over many pushes', () => {
    const ring = new PacketRing(2);
    // 50 packets a second for 100 s: the ring must hold 2 s of them throughout.
    for (let i = 0; i < 5000; i++) {
      const packet = packetAt(i);
      ring.push(packet, stream, i * 20);
      packet.free();
      if (i > 200) assert.ok(ring.size >= 100 && ring.size <= 101, `size ${ring.size} at ${i}`);
    }
    const window = ring.window(99_000 - 1000, 99_000);
    assert.equal(window.length, 50);
    assert.deepEqual(
      window.map((p) => Number(p.packet.pts)),
      Array.from({ length: 50 }, (_, k) => 4900 + k),
    );
    assert.deepEqual(ring.window(0, 90_000), [], 'older packets are gone');
    ring.clear();
    assert.equal(ring.size, 0);
    assert.deepEqual(ring.window(0, Infinity), []);
  });
});
