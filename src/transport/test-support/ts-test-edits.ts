/** Edits of test packets that inject known faults; each says what the analyser should see. */
import { nullPid, packetBytes } from '../ts-constants.js';
import type { TestPacket } from './ts-test-stream.js';

export const pidOf = (packet: TestPacket) => (((packet.bytes[1] ?? 0) & 0x1f) << 8) | (packet.bytes[2] ?? 0);
export const ccOf = (packet: TestPacket) => (packet.bytes[3] ?? 0) & 0x0f;
export const hasPcr = (packet: TestPacket) =>
  ((packet.bytes[3] ?? 0) & 0x20) !== 0 &&
  (packet.bytes[4] ?? 0) > 0 &&
  ((packet.bytes[5] ?? 0) & 0x10) !== 0;
export const startsUnit = (packet: TestPacket) => ((packet.bytes[1] ?? 0) & 0x40) !== 0;

export function setCc(packet: TestPacket, cc: number): void {
  packet.bytes[3] = ((packet.bytes[3] ?? 0) & 0xf0) | (cc & 0x0f);
}

export function pcrOf(packet: TestPacket): number {
  const b = packet.bytes;
  const base =
    (b[6] ?? 0) * 2 ** 25 +
    (b[7] ?? 0) * 2 ** 17 +
    (b[8] ?? 0) * 2 ** 9 +
    (b[9] ?? 0) * 2 +
    ((b[10] ?? 0) >> 7);
  return base * 300 + (((b[10] ?? 0) & 1) << 8) + (b[11] ?? 0);
}

/** Clears the PCR flag; the six PCR bytes become adaptation stuffing. */
export function removePcr(packet: TestPacket): void {
  packet.bytes[5] = (packet.bytes[5] ?? 0) & ~0x10;
  packet.bytes.fill(0xff, 6, 12);
}

/** Sets discontinuity_indicator; the packet must have an adaptation field. */
export function setDiscontinuity(packet: TestPacket): void {
  if (!hasPcr(packet)) throw new Error('setDiscontinuity needs a packet with an adaptation field');
  packet.bytes[5] = (packet.bytes[5] ?? 0) | 0x80;
}

export function setTransportError(packet: TestPacket): void {
  packet.bytes[1] = (packet.bytes[1] ?? 0) | 0x80;
}

export function setScrambled(packet: TestPacket): void {
  packet.bytes[3] = (packet.bytes[3] ?? 0) | 0x80;
}

/** Clears PTS_DTS_flags of a PES start; the PTS bytes stay as header stuffing. */
export function removePts(packet: TestPacket): void {
  const start = hasPcr(packet) ? 12 : 4;
  packet.bytes[start + 7] = (packet.bytes[start + 7] ?? 0) & 0x3f;
}

/**
 * Replaces the packets `remove` selects by null packets (the schedule keeps its timing) and renumbers the
 * continuity counters after them: a muxer that did not send them, not a loss.
 */
export function withheld(
  packets: readonly TestPacket[],
  remove: (packet: TestPacket) => boolean,
): TestPacket[] {
  const removedByPid = new Map<number, number>();
  return packets.map((packet) => {
    const pid = pidOf(packet);
    if (remove(packet)) {
      removedByPid.set(pid, (removedByPid.get(pid) ?? 0) + 1);
      const bytes = new Uint8Array(packetBytes).fill(0xff);
      bytes.set([0x47, nullPid >> 8, nullPid & 0xff, 0x10]);
      return { bytes, timeSeconds: packet.timeSeconds, kind: 'null' };
    }
    const removed = removedByPid.get(pid) ?? 0;
    if (removed === 0) return packet;
    const copy = { ...packet, bytes: packet.bytes.slice() };
    setCc(copy, ccOf(packet) - removed);
    return copy;
  });
}

export function clonePackets(packets: readonly TestPacket[]): TestPacket[] {
  return packets.map((packet) => ({ ...packet, bytes: packet.bytes.slice() }));
}
