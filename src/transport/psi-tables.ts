/**
 * PAT and PMT section parsing (ISO/IEC 13818-1 2.4.4.3 and 2.4.4.8) into plain objects. Called only when
 * a section differs from the last one seen on its PID, so allocating here costs nothing per packet.
 * Sections reach these functions with a valid CRC.
 */

export interface PatProgram {
  readonly programNumber: number;
  /** program_map_PID, or network_PID for program 0. */
  readonly pid: number;
}

export interface PatSection {
  readonly transportStreamId: number;
  readonly version: number;
  readonly current: boolean;
  readonly sectionNumber: number;
  readonly programs: readonly PatProgram[];
}

export interface PmtStream {
  readonly pid: number;
  readonly streamType: number;
  /**
   * Whether TR 101 290 2.5 (a PTS at least every 700 ms) applies: not to subtitles and teletext, whose
   * PES come only when there is something to show (told by their DVB descriptors).
   */
  readonly ptsRepetitionApplies: boolean;
}

export interface PmtSection {
  readonly programNumber: number;
  readonly version: number;
  readonly current: boolean;
  readonly pcrPid: number;
  readonly streams: readonly PmtStream[];
}

/** DVB descriptor tags of sparse streams: VBI data, VBI teletext, teletext, subtitling. */
const sparseStreamDescriptorTags: ReadonlySet<number> = new Set([0x45, 0x46, 0x56, 0x59]);

const u8 = (section: Uint8Array, offset: number) => section[offset] ?? 0;
const u16 = (section: Uint8Array, offset: number) => (u8(section, offset) << 8) | u8(section, offset + 1);
const pid13 = (section: Uint8Array, offset: number) => u16(section, offset) & 0x1fff;
const length12 = (section: Uint8Array, offset: number) => u16(section, offset) & 0x0fff;

export function parsePat(section: Uint8Array, length: number): PatSection {
  const programs: PatProgram[] = [];
  for (let offset = 8; offset + 4 <= length - 4; offset += 4) {
    programs.push({ programNumber: u16(section, offset), pid: pid13(section, offset + 2) });
  }
  return {
    transportStreamId: u16(section, 3),
    version: (u8(section, 5) >> 1) & 0x1f,
    current: (u8(section, 5) & 0x01) === 1,
    sectionNumber: u8(section, 6),
    programs,
  };
}

export function parsePmt(section: Uint8Array, length: number): PmtSection {
  const streams: PmtStream[] = [];
  const end = length - 4;
  let offset = 12 + length12(section, 10);
  while (offset + 5 <= end) {
    const infoLength = length12(section, offset + 3);
    streams.push({
      pid: pid13(section, offset + 1),
      streamType: u8(section, offset),
      ptsRepetitionApplies: !hasDescriptor(section, offset + 5, Math.min(offset + 5 + infoLength, end)),
    });
    offset += 5 + infoLength;
  }
  return {
    programNumber: u16(section, 3),
    version: (u8(section, 5) >> 1) & 0x1f,
    current: (u8(section, 5) & 0x01) === 1,
    pcrPid: pid13(section, 8),
    streams,
  };
}

function hasDescriptor(section: Uint8Array, start: number, end: number): boolean {
  for (let offset = start; offset + 2 <= end; offset += 2 + u8(section, offset + 1)) {
    if (sparseStreamDescriptorTags.has(u8(section, offset))) return true;
  }
  return false;
}
