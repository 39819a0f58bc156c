/** Finding packets to inject faults into, by kind and time. */
import { crc32Mpeg2 } from '../crc32-mpeg2.js';
import { hasPcr, startsUnit } from './ts-test-edits.js';
import type { TestPacket, TestPacketKind } from './ts-test-stream.js';

/** Index of the first packet of `kind` at or after `fromSeconds` that `also` accepts. */
export function indexAt(
  packets: readonly TestPacket[],
  kind: TestPacketKind,
  fromSeconds: number,
  also: (packet: TestPacket) => boolean = () => true,
): number {
  const index = packets.findIndex(
    (packet) => packet.kind === kind && packet.timeSeconds >= fromSeconds && also(packet),
  );
  if (index < 0) throw new Error(`no ${kind} packet after ${fromSeconds} s`);
  return index;
}

/** A video packet that neither carries a PCR nor starts a PES: dropping or changing it touches only continuity. */
export const plainVideo = (packet: TestPacket) => !hasPcr(packet) && !startsUnit(packet);

/** Changes the section in a PSI packet (pointer field 0) and writes its CRC again. */
export function rewriteSection(packet: TestPacket, edit: (section: Uint8Array) => void): void {
  const bytes = packet.bytes;
  const length = 3 + ((((bytes[6] ?? 0) & 0x0f) << 8) | (bytes[7] ?? 0));
  const section = bytes.subarray(5, 5 + length);
  edit(section);
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(5 + length - 4, crc32Mpeg2(section, 0, length - 4));
}

/** Flips a bit in the CRC_32 of the section in a PSI packet. */
export function corruptSectionCrc(packet: TestPacket): void {
  const bytes = packet.bytes;
  const length = 3 + ((((bytes[6] ?? 0) & 0x0f) << 8) | (bytes[7] ?? 0));
  bytes[5 + length - 1] = (bytes[5 + length - 1] ?? 0) ^ 0x01;
}
