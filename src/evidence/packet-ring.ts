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
  private readonly packets: BufferedPacket[] = [];

  constructor(private readonly keepSeconds: number) {}

  push(packet: Packet, stream: Stream, readAtMs: number): void {
    const copy = packet.clone();
    if (!copy) return;
    this.packets.push({ packet: copy, readAtMs, stream });
    const oldestAllowedMs = readAtMs - this.keepSeconds * 1000;
    let drop = 0;
    while (drop < this.packets.length && (this.packets[drop]?.readAtMs ?? Infinity) < oldestAllowedMs)
      drop += 1;
    for (const old of this.packets.splice(0, drop)) old.packet.free();
  }

  /** Packets read in [fromMs, toMs), oldest first. They stay owned by the ring. */
  window(fromMs: number, toMs: number): BufferedPacket[] {
    return this.packets.filter((p) => p.readAtMs >= fromMs && p.readAtMs < toMs);
  }

  clear(): void {
    for (const p of this.packets.splice(0)) p.packet.free();
  }
}
