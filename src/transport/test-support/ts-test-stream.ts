/**
 * A small MPEG-TS muxer for tests: a constant 1000 packets/s schedule (one packet per millisecond) with a
 * PAT and a PMT every 100 ms, an SDT every 500 ms, a video PID whose PES (one per 40 ms frame) carry a
 * PTS and whose adaptation fields carry a PCR every 30 ms, an optional audio PID with a one-packet PES
 * every 100 ms, and null packets. Every packet knows its time, so the arrival clock is exact and a test
 * can change packets (drop, corrupt, flag) and know what it injected.
 */
import { crc32Mpeg2 } from '../crc32-mpeg2.js';
import { nullPid, packetBytes, patPid, pcrTicksPerSecond } from '../ts-constants.js';

export const testPids = { pmt: 0x1000, video: 0x100, audio: 0x101, sdt: 0x11 } as const;

export type TestPacketKind = 'pat' | 'pmt' | 'sdt' | 'video' | 'audio' | 'null';

export interface TestPacket {
  /** 188 bytes; tests may change them. */
  readonly bytes: Uint8Array;
  readonly timeSeconds: number;
  readonly kind: TestPacketKind;
}

export interface TestStreamOptions {
  readonly durationSeconds: number;
  readonly withAudio?: boolean;
  readonly pcrIntervalSeconds?: number;
  /** PCR of the first packet slot, to test the 33-bit wrap. */
  readonly pcrStart27MHz?: number;
}

const packetsPerSecond = 1000;
const frameSeconds = 0.04;
/** Payload filler without 0x47, so inserted garbage cannot be mistaken for sync by chance. */
const fillerByte = 0xa5;

export function buildTestStream(options: TestStreamOptions): TestPacket[] {
  const pcrIntervalSeconds = options.pcrIntervalSeconds ?? 0.03;
  const pcrStart27MHz = options.pcrStart27MHz ?? 0;
  const cc = new Map<number, number>();
  const nextCc = (pid: number) => {
    const value = cc.get(pid) ?? 0;
    cc.set(pid, (value + 1) & 0xf);
    return value;
  };
  const packets: TestPacket[] = [];
  const slots = Math.round(options.durationSeconds * packetsPerSecond);
  let nextFrame = 0;
  let nextPcrSeconds = 0;
  for (let slot = 0; slot < slots; slot++) {
    const timeSeconds = slot / packetsPerSecond;
    const pcr27MHz = (pcrStart27MHz + Math.round(timeSeconds * pcrTicksPerSecond)) % (2 ** 33 * 300);
    let kind: TestPacketKind;
    let bytes: Uint8Array;
    if (slot % 100 === 0) {
      kind = 'pat';
      bytes = sectionPacket(patPid, nextCc(patPid), patSection());
    } else if (slot % 100 === 1) {
      kind = 'pmt';
      bytes = sectionPacket(testPids.pmt, nextCc(testPids.pmt), pmtSection(options.withAudio ?? false));
    } else if (slot % 500 === 2) {
      kind = 'sdt';
      bytes = sectionPacket(testPids.sdt, nextCc(testPids.sdt), sdtSection());
    } else if (slot % 100 === 3 && options.withAudio) {
      kind = 'audio';
      bytes = pesPacket(testPids.audio, nextCc(testPids.audio), 0xc0, timeSeconds, null);
    } else if (slot % 10 === 9) {
      kind = 'null';
      bytes = nullPacket();
    } else {
      kind = 'video';
      const startsFrame = timeSeconds >= nextFrame * frameSeconds - 1e-9;
      const carriesPcr = timeSeconds >= nextPcrSeconds - 1e-9;
      if (startsFrame) nextFrame += 1;
      if (carriesPcr) nextPcrSeconds += pcrIntervalSeconds;
      bytes = startsFrame
        ? pesPacket(testPids.video, nextCc(testPids.video), 0xe0, timeSeconds, carriesPcr ? pcr27MHz : null)
        : dataPacket(testPids.video, nextCc(testPids.video), carriesPcr ? pcr27MHz : null);
    }
    packets.push({ bytes, timeSeconds, kind });
  }
  return packets;
}

function header(pid: number, cc: number, unitStart: boolean, adaptation: boolean): Uint8Array {
  const bytes = new Uint8Array(packetBytes).fill(fillerByte);
  bytes[0] = 0x47;
  bytes[1] = (unitStart ? 0x40 : 0) | (pid >> 8);
  bytes[2] = pid & 0xff;
  bytes[3] = (adaptation ? 0x30 : 0x10) | cc;
  return bytes;
}

/** Writes an adaptation field with a PCR at byte 4; returns where the payload starts. */
function writePcrField(bytes: Uint8Array, pcr27MHz: number): number {
  bytes[4] = 7;
  bytes[5] = 0x10;
  writePcr(bytes, 6, pcr27MHz);
  return 12;
}

export function writePcr(bytes: Uint8Array, at: number, pcr27MHz: number): void {
  const base = Math.floor(pcr27MHz / 300);
  const extension = pcr27MHz % 300;
  bytes[at] = Math.floor(base / 2 ** 25) & 0xff;
  bytes[at + 1] = Math.floor(base / 2 ** 17) & 0xff;
  bytes[at + 2] = Math.floor(base / 2 ** 9) & 0xff;
  bytes[at + 3] = Math.floor(base / 2) & 0xff;
  bytes[at + 4] = ((base & 1) << 7) | 0x7e | (extension >> 8);
  bytes[at + 5] = extension & 0xff;
}

function dataPacket(pid: number, cc: number, pcr27MHz: number | null): Uint8Array {
  const bytes = header(pid, cc, false, pcr27MHz !== null);
  if (pcr27MHz !== null) writePcrField(bytes, pcr27MHz);
  return bytes;
}

function pesPacket(pid: number, cc: number, streamId: number, timeSeconds: number, pcr27MHz: number | null) {
  const bytes = header(pid, cc, true, pcr27MHz !== null);
  const start = pcr27MHz === null ? 4 : writePcrField(bytes, pcr27MHz);
  const pts90k = Math.round((timeSeconds + 1) * 90_000);
  bytes.set([0, 0, 1, streamId, 0, 0, 0x80, 0x80, 5], start);
  bytes[start + 9] = 0x21 | ((Math.floor(pts90k / 2 ** 30) & 0x7) << 1);
  bytes[start + 10] = Math.floor(pts90k / 2 ** 22) & 0xff;
  bytes[start + 11] = ((Math.floor(pts90k / 2 ** 15) & 0x7f) << 1) | 1;
  bytes[start + 12] = Math.floor(pts90k / 2 ** 7) & 0xff;
  bytes[start + 13] = ((pts90k & 0x7f) << 1) | 1;
  return bytes;
}

function nullPacket(): Uint8Array {
  const bytes = header(nullPid, 0, false, false);
  bytes.fill(0xff, 4);
  return bytes;
}

function sectionPacket(pid: number, cc: number, section: Uint8Array): Uint8Array {
  const bytes = header(pid, cc, true, false);
  bytes.fill(0xff, 4);
  bytes[4] = 0;
  bytes.set(section, 5);
  return bytes;
}

/** A long-form section: table id, the body after the 5 header bytes, and its CRC. */
function section(tableId: number, idExtension: number, body: readonly number[]): Uint8Array {
  const length = 5 + body.length + 4;
  const bytes = new Uint8Array(3 + length);
  bytes.set([tableId, 0xb0 | (length >> 8), length & 0xff, idExtension >> 8, idExtension & 0xff, 0xc1, 0, 0]);
  bytes.set(body, 8);
  new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32Mpeg2(bytes, 0, bytes.length - 4));
  return bytes;
}

function patSection(): Uint8Array {
  return section(0x00, 1, [0x00, 0x01, 0xe0 | (testPids.pmt >> 8), testPids.pmt & 0xff]);
}

function pmtSection(withAudio: boolean): Uint8Array {
  const video = [0x1b, 0xe0 | (testPids.video >> 8), testPids.video & 0xff, 0xf0, 0x00];
  const audio = [0x0f, 0xe0 | (testPids.audio >> 8), testPids.audio & 0xff, 0xf0, 0x00];
  return section(0x02, 1, [
    0xe0 | (testPids.video >> 8),
    testPids.video & 0xff,
    0xf0,
    0x00,
    ...video,
    ...(withAudio ? audio : []),
  ]);
}

function sdtSection(): Uint8Array {
  return section(0x42, 1, [0x00, 0x01, 0xff]);
}
