/**
 * The last seconds of a channel's demuxed packets (references, no copies of the media), so that when an
 * incident is raised its onset can be saved as a clip by remuxing, without re-encoding.
 */
import type { Packet, Stream } from 'node-av/lib';

export interface BufferedPacket {
  readonly packet: Packet;
  /** Wall-clock ms the packet was read: for live and real-time inputs, when it was on air. */
  readonly readAtMs: number;
  readonly stream: Stream;
}

export class PacketRing {
  /** Oldest first; entries before `head` have been freed and wait to be cut off in one go. */
  private packets: BufferedPacket[] = [];
  private head = 0;

  constructor(private readonly keepSeconds: number) {}

  get size(): number {
    return this.packets.length - this.head;
  }

  push(packet: Packet, stream: Stream, readAtMs: number): void {
    const copy = packet.clone();
    if (!copy) return;
    this.packets.push({ packet: copy, readAtMs, stream });
    const oldestAllowedMs = readAtMs - this.keepSeconds * 1000;
    while (
      this.head < this.packets.length &&
      (this.packets[this.head]?.readAtMs ?? Infinity) < oldestAllowedMs
    ) {
      this.packets[this.head]?.packet.free();
      this.head += 1;
    }
    // Cutting the freed entries off at every packet would move the whole array each time (~70 packets a
    // second, 30 s kept): once they are half of it, one cut.
    if (this.head > 64 && this.head * 2 > this.packets.length) {
      this.packets = this.packets.slice(this.head);
      this.head = 0;
    }
  }

  /** Packets read in [fromMs, toMs), oldest first. They stay owned by the ring. */
  window(fromMs: number, toMs: number): BufferedPacket[] {
    const found: BufferedPacket[] = [];
    for (let i = this.head; i < this.packets.length; i++) {
      const p = this.packets[i] as BufferedPacket;
      if (p.readAtMs >= fromMs && p.readAtMs < toMs) found.push(p);
    }
    return found;
  }

  clear(): void {
    for (let i = this.head; i < this.packets.length; i++) this.packets[i]?.packet.free();
    this.packets = [];
    this.head = 0;
  }
}
