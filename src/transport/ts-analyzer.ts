/**
 * MPEG-TS analyser per ETSI TR 101 290 priority 1 and 2, over raw bytes fed in arbitrary chunks.
 * `push` returns the event transitions and the finished 1-second windows; `finish` closes what is open.
 * The hot path (one call per packet) reads the header with plain indexing and keeps per-PID state in typed
 * arrays: no allocation per packet. Times: see ts-clock.ts. What each check does: see the README in this
 * folder and the file of each part.
 */
import type { EventTransition } from '../detectors/contract.js';
import { countsRecord, TsCheck, type TsCounts } from './ts-checks.js';
import { ContinuityChecker, ContinuityResult } from './continuity.js';
import { sectionCrcIsValid } from './crc32-mpeg2.js';
import { GapWatch } from './gap-watch.js';
import { PidBitrate } from './pid-bitrate.js';
import { ProgramTable } from './program-table.js';
import { SectionAssembler, type SectionSink } from './section-assembler.js';
import {
  fixedSectionPids,
  nullPid,
  packetBytes,
  patPid,
  pcrTicksPerSecond,
  pidCount,
} from './ts-constants.js';
import { TsClock, wrappedPcrStep27MHz } from './ts-clock.js';
import { noPid } from './ts-events.js';
import { TsFindings } from './ts-findings.js';
import { TsFramer, type PacketSink } from './ts-framer.js';
import { buildSummary, type TsSummary } from './ts-summary.js';
import { TsWindowBuilder, type TsWindow } from './ts-window.js';

export interface TsAnalyzerOptions {
  /** TR 101 290 1.6: a PID a PMT refers to that is missing this long is an error. Default 5 s. */
  readonly pidTimeoutSeconds?: number;
  /** Errors of one check on one PID this close together make one event. Default 1 s. */
  readonly mergeSeconds?: number;
  /**
   * What PCR repetition (2.3) is measured on: `arrival` (default) the receive times of the PCR packets;
   * `pcr` the PCR values themselves, for a receiver whose receive times carry its own pauses (a live
   * input read by an event loop that also decodes). A step with discontinuity_indicator is never one.
   */
  readonly pcrRepetitionClock?: 'arrival' | 'pcr';
}

export interface TsPushResult {
  readonly windows: readonly TsWindow[];
  readonly transitions: readonly EventTransition[];
}

export interface TsFinishResult extends TsPushResult {
  readonly summary: TsSummary;
}

const patLimitSeconds = 0.5;
const pmtLimitSeconds = 0.5;
const pcrRepetitionLimitSeconds = 0.04;
const pcrJumpLimit27MHz = 0.1 * pcrTicksPerSecond;
const ptsLimitSeconds = 0.7;
/** Gaps are looked for this often (stream time); an occurrence that ends a gap is judged at once anyway. */
const sweepIntervalSeconds = 0.01;
/** After a longer jump of the stream clock, empty windows are not emitted one by one. */
const maxEmptyWindows = 10;
const noTransitions: readonly EventTransition[] = [];
const nothing: TsPushResult = { windows: [], transitions: noTransitions };

export class TsAnalyzer implements PacketSink, SectionSink {
  private readonly clock = new TsClock();
  private readonly framer = new TsFramer(this);
  private readonly findings: TsFindings;
  private readonly continuity = new ContinuityChecker();
  private readonly programs = new ProgramTable();
  private readonly bitrate = new PidBitrate();
  private readonly window = new TsWindowBuilder();
  private readonly patWatch: GapWatch;
  private readonly pmtWatch: GapWatch;
  private readonly pidWatch: GapWatch;
  private readonly pcrWatch: GapWatch;
  private readonly ptsWatch: GapWatch;
  /** 1 where sections are reassembled (PAT, fixed SI PIDs, PMTs). */
  private readonly sectionPid = new Uint8Array(pidCount);
  private readonly assemblers: (SectionAssembler | undefined)[] = new Array<SectionAssembler | undefined>(
    pidCount,
  );
  private readonly pcrPid = new Uint8Array(pidCount);
  private readonly ptsPid = new Uint8Array(pidCount);
  private readonly lastPcr27MHz = new Float64Array(pidCount).fill(Number.NaN);
  private readonly packetsByPid = new Float64Array(pidCount);
  private readonly hasPcr = new Uint8Array(pidCount);
  private readonly pcrOnValues: boolean;
  /** With `pcrRepetitionClock: 'pcr'`: per PID, the sum of its PCR steps (discontinuities add nothing). */
  private readonly pcrValueSeconds = new Float64Array(pidCount);
  private windows: TsWindow[] = [];
  private windowEndSeconds = 1;
  private nextTimerSeconds = 0;
  private everSynced = false;
  private bytes = 0;
  private receiveDroppedPackets = 0;
  private suppressedContinuityErrors = 0;

  constructor(options: TsAnalyzerOptions = {}) {
    this.findings = new TsFindings(options.mergeSeconds ?? 1);
    this.pcrOnValues = options.pcrRepetitionClock === 'pcr';
    this.patWatch = new GapWatch(this.findings, TsCheck.pat, patLimitSeconds);
    this.pmtWatch = new GapWatch(this.findings, TsCheck.pmt, pmtLimitSeconds);
    this.pidWatch = new GapWatch(this.findings, TsCheck.pid, options.pidTimeoutSeconds ?? 5);
    this.pcrWatch = new GapWatch(this.findings, TsCheck.pcrRepetition, pcrRepetitionLimitSeconds);
    this.ptsWatch = new GapWatch(this.findings, TsCheck.ptsRepetition, ptsLimitSeconds);
    this.patWatch.watch(patPid, 0, 0);
    this.sectionPid[patPid] = 1;
    for (const pid of fixedSectionPids) this.sectionPid[pid] = 1;
  }

  /** Feeds bytes that arrived at `receivedAtMs` (any origin; only differences matter). */
  push(bytes: Uint8Array, receivedAtMs: number): TsPushResult {
    this.clock.setArrival(receivedAtMs);
    this.bytes += bytes.length;
    this.framer.push(bytes);
    return this.takeResults();
  }

  /**
   * The monitor lost `packets` packets itself (socket overflow, a gap in RTP sequence numbers) just before
   * the next bytes pushed. They are counted apart, and continuity errors they cause are not the stream's
   * (see continuity.ts for the rule).
   */
  noteReceiveDrop(packets: number): void {
    if (!(packets > 0)) return;
    this.continuity.noteReceiveDrop(packets);
    this.receiveDroppedPackets += packets;
    this.window.receiveDroppedPackets += packets;
  }

  /**
   * The monitor lost `packets` packets somewhere among the bytes pushed from now until `endReceiveDropSpan`
   * (a kernel drop counter tells how many, not where). They are counted apart; continuity errors in the
   * span, and on each PID's first packet after it, are blamed on them, at most one per packet lost.
   */
  beginReceiveDropSpan(packets: number): void {
    const lost = packets > 0 ? packets : 0;
    this.continuity.beginDropSpan(lost);
    this.receiveDroppedPackets += lost;
    this.window.receiveDroppedPackets += lost;
  }

  endReceiveDropSpan(): void {
    this.continuity.endDropSpan();
  }

  /** Cumulative error counts. */
  counts(): TsCounts {
    return countsRecord(this.findings.totalCounts);
  }

  /** The input ended: judge gaps up to the last packet, close the last window and every open event. */
  finish(): TsFinishResult {
    const endSeconds = this.clock.nowSeconds;
    this.runTimers();
    // A gap judged at the very end, or a receive drop noted after the last bytes, still needs a window
    // (even one of no length), so the windows add up to the summary.
    const windowHasCounts =
      this.window.receiveDroppedPackets > 0 || this.findings.windowCounts.some((count) => count > 0);
    if (this.window.packets > 0 || windowHasCounts || endSeconds > this.window.startSeconds)
      this.closeWindow(endSeconds);
    this.findings.events.finish(endSeconds);
    const { windows, transitions } = this.takeResults();
    return {
      windows,
      transitions,
      summary: buildSummary({
        durationSeconds: endSeconds,
        bytes: this.bytes,
        discardedBytes: this.framer.discardedBytes,
        counts: this.counts(),
        receiveDroppedPackets: this.receiveDroppedPackets,
        suppressedContinuityErrors: this.suppressedContinuityErrors,
        packetsByPid: this.packetsByPid,
        hasPcr: this.hasPcr,
        programs: this.programs,
        referencePcrPid: this.clock.referencePcrPid,
      }),
    };
  }

  onPacket(bytes: Uint8Array, offset: number): void {
    const flags = bytes[offset + 1] ?? 0;
    const pid = ((flags & 0x1f) << 8) | (bytes[offset + 2] ?? 0);
    const control = bytes[offset + 3] ?? 0;
    const adaptation = (control >> 4) & 0x3;
    let payloadStart = offset + 4;
    let discontinuity = false;
    if ((adaptation & 0x2) !== 0) {
      const adaptationLength = bytes[offset + 4] ?? 0;
      payloadStart += 1 + adaptationLength;
      if (adaptationLength > 0) {
        const adaptationFlags = bytes[offset + 5] ?? 0;
        discontinuity = (adaptationFlags & 0x80) !== 0;
        if ((adaptationFlags & 0x10) !== 0 && adaptationLength >= 7)
          this.onPcr(pid, bytes, offset + 6, discontinuity);
      }
    }
    const clock = this.clock;
    if (clock.nowSeconds >= this.nextTimerSeconds) this.runTimers();
    const nowSeconds = clock.nowSeconds;
    this.window.countPacket(pid);
    this.packetsByPid[pid] = (this.packetsByPid[pid] ?? 0) + 1;
    this.bitrate.countPacket(pid, clock.arrivalSeconds);
    // TEI: counted, and the packet is still analysed. The flag says the demodulator could not correct
    // it, not where; skipping it would add a continuity error for the same defect.
    if ((flags & 0x80) !== 0) this.findings.error(TsCheck.transportError, pid, nowSeconds);
    if (pid === nullPid) return;
    this.pidWatch.seen(pid, nowSeconds, nowSeconds);
    const hasPayload = (adaptation & 0x1) !== 0;
    const continuity = this.continuity.check(pid, control & 0x0f, hasPayload, discontinuity);
    if (continuity !== ContinuityResult.ok) {
      if (continuity === ContinuityResult.duplicate) return;
      this.assemblers[pid]?.abort();
      if (continuity === ContinuityResult.error) {
        this.findings.error(TsCheck.continuity, pid, nowSeconds, {
          expectedCc: this.continuity.expectedCc,
          receivedCc: this.continuity.receivedCc,
        });
      } else {
        this.suppressedContinuityErrors += 1;
        this.window.suppressedContinuityErrors += 1;
      }
    }
    const payloadEnd = offset + packetBytes;
    if (!hasPayload || payloadStart >= payloadEnd) return;
    const unitStart = (flags & 0x40) !== 0;
    if (this.sectionPid[pid] === 1) {
      if ((control & 0xc0) !== 0) {
        this.onScrambledSectionPacket(pid, nowSeconds);
        return;
      }
      const assembler = (this.assemblers[pid] ??= new SectionAssembler(pid, this));
      assembler.push(bytes, payloadStart, payloadEnd, unitStart);
    } else if (unitStart && this.ptsPid[pid] === 1 && (control & 0xc0) === 0) {
      if (pesHasPts(bytes, payloadStart, payloadEnd)) this.onPts(pid, nowSeconds);
    }
  }

  onSection(pid: number, section: Uint8Array, length: number): void {
    const nowSeconds = this.clock.nowSeconds;
    const tableId = section[0] ?? 0;
    const hasCrc = ((section[1] ?? 0) & 0x80) !== 0 || tableId === 0x73;
    if (hasCrc && !sectionCrcIsValid(section, length)) {
      this.findings.error(TsCheck.crc, pid, nowSeconds, { tableId });
      return;
    }
    if (pid === patPid) {
      if (tableId !== 0x00) {
        this.findings.error(TsCheck.pat, pid, nowSeconds, { reason: 'table_id', tableId });
        return;
      }
      this.patWatch.seen(pid, nowSeconds, nowSeconds);
      if (this.programs.onPatSection(section, length)) this.programsChanged();
    } else if (this.programs.isPmtPid[pid] === 1 && tableId === 0x02) {
      this.pmtWatch.seen(pid, nowSeconds, nowSeconds);
      if (this.programs.onPmtSection(pid, section, length)) this.programsChanged();
    }
  }

  onSyncByteError(): void {
    this.findings.error(TsCheck.syncByte, noPid, this.clock.nowSeconds);
  }

  onSyncLost(): void {
    this.findings.gapBegan(TsCheck.syncLoss, noPid, this.clock.nowSeconds);
  }

  onSyncAcquired(): void {
    if (this.everSynced) this.findings.gapEnded(TsCheck.syncLoss, noPid, this.clock.nowSeconds);
    this.everSynced = true;
  }

  private onPcr(pid: number, bytes: Uint8Array, at: number, discontinuity: boolean): void {
    const b4 = bytes[at + 4] ?? 0;
    const base90kHz =
      (bytes[at] ?? 0) * 0x2000000 +
      (((bytes[at + 1] ?? 0) << 17) | ((bytes[at + 2] ?? 0) << 9) | ((bytes[at + 3] ?? 0) << 1) | (b4 >> 7));
    const pcr27MHz = base90kHz * 300 + (((b4 & 0x01) << 8) | (bytes[at + 5] ?? 0));
    const reference = this.clock.onPcr(pid, pcr27MHz, discontinuity);
    if (reference !== 0) this.bitrate.onReferencePcr(reference === 1, this.clock.lastStepSeconds);
    const nowSeconds = this.clock.nowSeconds;
    const previous27MHz = this.lastPcr27MHz[pid] ?? Number.NaN;
    this.lastPcr27MHz[pid] = pcr27MHz;
    this.hasPcr[pid] = 1;
    // Packets the monitor itself lost may have carried PCRs: a step across such a loss is not judged.
    const acrossDrop = this.continuity.crossesDrop(pid);
    if (!discontinuity && !acrossDrop && !Number.isNaN(previous27MHz)) {
      const step27MHz = wrappedPcrStep27MHz(previous27MHz, pcr27MHz);
      if (step27MHz < 0 || step27MHz > pcrJumpLimit27MHz) {
        this.findings.error(TsCheck.pcrDiscontinuity, pid, nowSeconds, {
          jumpMs: Math.round(step27MHz / 27) / 1000,
        });
      }
    }
    let repetitionSeconds = this.clock.arrivalSeconds;
    if (this.pcrOnValues) {
      const step27MHz = Number.isNaN(previous27MHz) ? 0 : wrappedPcrStep27MHz(previous27MHz, pcr27MHz);
      if (!discontinuity && step27MHz > 0)
        this.pcrValueSeconds[pid] = (this.pcrValueSeconds[pid] ?? 0) + step27MHz / pcrTicksPerSecond;
      repetitionSeconds = this.pcrValueSeconds[pid] ?? 0;
    }
    if (this.pcrWatch.isWatched(pid)) {
      if (acrossDrop) this.pcrWatch.restart(pid, repetitionSeconds, nowSeconds);
      else this.pcrWatch.seen(pid, repetitionSeconds, nowSeconds);
    } else if (this.pcrPid[pid] === 1) this.pcrWatch.watch(pid, repetitionSeconds, nowSeconds);
  }

  private onPts(pid: number, nowSeconds: number): void {
    if (this.ptsWatch.isWatched(pid)) this.ptsWatch.seen(pid, nowSeconds, nowSeconds);
    else this.ptsWatch.watch(pid, nowSeconds, nowSeconds);
  }

  /** TR 101 290 1.3 and 1.5: PAT and PMT packets must not be scrambled. */
  private onScrambledSectionPacket(pid: number, nowSeconds: number): void {
    this.assemblers[pid]?.abort();
    if (pid === patPid) this.findings.error(TsCheck.pat, pid, nowSeconds, { reason: 'scrambled' });
    else if (this.programs.isPmtPid[pid] === 1)
      this.findings.error(TsCheck.pmt, pid, nowSeconds, { reason: 'scrambled' });
  }

  /** The PAT or a PMT changed: watch what they now refer to, from now on. */
  private programsChanged(): void {
    const nowSeconds = this.clock.nowSeconds;
    const pmtPids = this.programs.pmtPids();
    for (const pid of this.pmtWatch.pids) {
      if (pmtPids.includes(pid)) continue;
      this.pmtWatch.unwatch(pid, nowSeconds);
      if (pid !== patPid && !fixedSectionPids.includes(pid)) this.sectionPid[pid] = 0;
    }
    for (const pid of pmtPids) {
      this.pmtWatch.watch(pid, nowSeconds, nowSeconds);
      this.sectionPid[pid] = 1;
    }
    const referenced = this.programs.referencedPids();
    for (const pid of this.pidWatch.pids)
      if (!referenced.includes(pid)) this.pidWatch.unwatch(pid, nowSeconds);
    for (const pid of referenced) this.pidWatch.watch(pid, nowSeconds, nowSeconds);
    markOnly(this.pcrPid, this.programs.pcrPids(), this.pcrWatch, nowSeconds);
    markOnly(this.ptsPid, this.programs.ptsRepetitionPids(), this.ptsWatch, nowSeconds);
  }

  private runTimers(): void {
    const nowSeconds = this.clock.nowSeconds;
    if (nowSeconds >= this.windowEndSeconds) {
      if (nowSeconds - this.windowEndSeconds > maxEmptyWindows) {
        this.closeWindow(this.windowEndSeconds);
        this.window.startSeconds = Math.floor(nowSeconds);
        this.windowEndSeconds = this.window.startSeconds + 1;
      }
      while (nowSeconds >= this.windowEndSeconds) {
        this.closeWindow(this.windowEndSeconds);
        this.windowEndSeconds += 1;
      }
    }
    this.patWatch.sweep(nowSeconds);
    this.pmtWatch.sweep(nowSeconds);
    this.pidWatch.sweep(nowSeconds);
    this.ptsWatch.sweep(nowSeconds);
    // On PCR values a gap is known when the next PCR ends it: there is no clock to find it overdue.
    if (!this.pcrOnValues) this.pcrWatch.sweep(this.clock.arrivalSeconds);
    this.findings.events.expire(nowSeconds);
    this.nextTimerSeconds = Math.min(nowSeconds + sweepIntervalSeconds, this.windowEndSeconds);
  }

  private closeWindow(endSeconds: number): void {
    this.windows.push(
      this.window.close(endSeconds, this.findings.windowCounts, this.bitrate, this.clock.arrivalSeconds),
    );
  }

  private takeResults(): TsPushResult {
    const transitions = this.findings.events.drain();
    if (this.windows.length === 0 && transitions.length === 0) return nothing;
    const windows = this.windows;
    this.windows = [];
    return { windows, transitions };
  }
}

/** Sets `marks` for exactly `pids` and stops watching what is no longer marked. */
function markOnly(marks: Uint8Array, pids: readonly number[], watch: GapWatch, nowSeconds: number): void {
  marks.fill(0);
  for (const pid of pids) marks[pid] = 1;
  for (const pid of watch.pids) if (marks[pid] !== 1) watch.unwatch(pid, nowSeconds);
}

/**
 * Whether a PES header starting at `start` carries a PTS (PTS_DTS_flags 10 or 11). Stream ids without
 * the optional header (program stream map, padding, private stream 2, ECM, EMM, DSM-CC, directory) never do.
 */
function pesHasPts(bytes: Uint8Array, start: number, end: number): boolean {
  if (start + 9 > end || bytes[start] !== 0 || bytes[start + 1] !== 0 || bytes[start + 2] !== 1) return false;
  const streamId = bytes[start + 3] ?? 0;
  if (streamId === 0xbc || streamId === 0xbe || streamId === 0xbf) return false;
  if (streamId === 0xf0 || streamId === 0xf1 || streamId === 0xf2 || streamId === 0xf8 || streamId === 0xff)
    return false;
  return ((bytes[start + 7] ?? 0) & 0x80) !== 0;
}
