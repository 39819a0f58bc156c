/**
 * What the PAT and PMTs currently say: which PIDs carry PMTs, which PIDs the programs reference, which
 * carry their PCR and which must carry a PTS often. Sections that repeat unchanged (same CRC) are not
 * parsed again; a change returns true so the analyser can update what it watches.
 */
import { nullPid, pidCount } from './ts-constants.js';
import { parsePat, parsePmt, type PatProgram, type PmtSection } from './psi-tables.js';

export class ProgramTable {
  private patVersion = -1;
  private readonly patSections = new Map<number, readonly PatProgram[]>();
  private readonly patSectionCrcs = new Map<number, number>();
  /** program_number -> PMT PID, from the PAT (program 0, the NIT, excluded). */
  private readonly pmtPidOfProgram = new Map<number, number>();
  private readonly pmtOfProgram = new Map<number, PmtSection>();
  private readonly pmtCrcOfProgram = new Map<number, number>();
  /** 1 where the PID carries a PMT according to the PAT. */
  readonly isPmtPid = new Uint8Array(pidCount);

  onPatSection(section: Uint8Array, length: number): boolean {
    const pat = parsePat(section, length);
    if (!pat.current) return false;
    const crc = sectionCrc(section, length);
    if (pat.version === this.patVersion && this.patSectionCrcs.get(pat.sectionNumber) === crc) return false;
    if (pat.version !== this.patVersion) {
      this.patSections.clear();
      this.patSectionCrcs.clear();
      this.patVersion = pat.version;
    }
    this.patSections.set(pat.sectionNumber, pat.programs);
    this.patSectionCrcs.set(pat.sectionNumber, crc);
    this.pmtPidOfProgram.clear();
    this.isPmtPid.fill(0);
    for (const programs of this.patSections.values()) {
      for (const program of programs) {
        if (program.programNumber === 0) continue;
        this.pmtPidOfProgram.set(program.programNumber, program.pid);
        this.isPmtPid[program.pid] = 1;
      }
    }
    for (const programNumber of [...this.pmtOfProgram.keys()]) {
      if (this.pmtPidOfProgram.has(programNumber)) continue;
      this.pmtOfProgram.delete(programNumber);
      this.pmtCrcOfProgram.delete(programNumber);
    }
    return true;
  }

  onPmtSection(pid: number, section: Uint8Array, length: number): boolean {
    const programNumber = ((section[3] ?? 0) << 8) | (section[4] ?? 0);
    if (this.pmtPidOfProgram.get(programNumber) !== pid) return false;
    const crc = sectionCrc(section, length);
    if (this.pmtCrcOfProgram.get(programNumber) === crc) return false;
    const pmt = parsePmt(section, length);
    if (!pmt.current) return false;
    this.pmtOfProgram.set(programNumber, pmt);
    this.pmtCrcOfProgram.set(programNumber, crc);
    return true;
  }

  pmtPids(): number[] {
    return unique([...this.pmtPidOfProgram.values()]);
  }

  /** Elementary stream and PCR PIDs of every program: TR 101 290 1.6's "referred PIDs". */
  referencedPids(): number[] {
    const pids: number[] = [];
    for (const pmt of this.pmtOfProgram.values()) {
      if (pmt.pcrPid !== nullPid) pids.push(pmt.pcrPid);
      for (const stream of pmt.streams) pids.push(stream.pid);
    }
    return unique(pids);
  }

  pcrPids(): number[] {
    return unique([...this.pmtOfProgram.values()].map((pmt) => pmt.pcrPid).filter((pid) => pid !== nullPid));
  }

  ptsRepetitionPids(): number[] {
    const pids: number[] = [];
    for (const pmt of this.pmtOfProgram.values()) {
      for (const stream of pmt.streams) if (stream.ptsRepetitionApplies) pids.push(stream.pid);
    }
    return unique(pids);
  }

  /** stream_type of `pid` in the first program that lists it, for reports. */
  streamTypeOf(pid: number): number | null {
    for (const pmt of this.pmtOfProgram.values()) {
      const stream = pmt.streams.find((candidate) => candidate.pid === pid);
      if (stream) return stream.streamType;
    }
    return null;
  }
}

function sectionCrc(section: Uint8Array, length: number): number {
  return (
    (((section[length - 4] ?? 0) << 24) |
      ((section[length - 3] ?? 0) << 16) |
      ((section[length - 2] ?? 0) << 8) |
      (section[length - 1] ?? 0)) >>>
    0
  );
}

function unique(pids: number[]): number[] {
  return [...new Set(pids)].sort((a, b) => a - b);
}
