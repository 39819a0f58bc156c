/**
 * The analyser's per-second output, like a detector's per-chunk measurements: error counts per check,
 * packets, the monitor's own receive drops, and per-PID packets and bitrates, for each second of the
 * stream clock.
 */
import { countsRecord, type TsCounts } from './ts-checks.js';
import { pidCount } from './ts-constants.js';
import type { PidBitrate } from './pid-bitrate.js';

export interface TsPidFigures {
  readonly pid: number;
  readonly packets: number;
  /** Over the last second of arrival time, sliding in 100 ms steps. */
  readonly bitrateBps: number | null;
  /** Over the last whole second of PCR time; null without PCR. */
  readonly bitrateByPcrBps: number | null;
}

export interface TsWindow {
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly counts: TsCounts;
  readonly packets: number;
  /** Packets the monitor itself failed to receive (`noteReceiveDrop`), not the stream's fault. */
  readonly receiveDroppedPackets: number;
  /** Continuity errors blamed on those receive drops instead of counted. */
  readonly suppressedContinuityErrors: number;
  readonly pids: readonly TsPidFigures[];
}

export class TsWindowBuilder {
  private readonly packetsByPid = new Uint32Array(pidCount);
  startSeconds = 0;
  packets = 0;
  receiveDroppedPackets = 0;
  suppressedContinuityErrors = 0;

  countPacket(pid: number): void {
    this.packetsByPid[pid] = (this.packetsByPid[pid] ?? 0) + 1;
    this.packets += 1;
  }

  /** Ends the window at `endSeconds`, resets the counts (`windowCounts` too) and starts the next one there. */
  close(
    endSeconds: number,
    windowCounts: Float64Array,
    bitrate: PidBitrate,
    arrivalSeconds: number,
  ): TsWindow {
    const pids: TsPidFigures[] = [];
    for (let pid = 0; pid < pidCount; pid++) {
      const packets = this.packetsByPid[pid] ?? 0;
      if (packets === 0) continue;
      pids.push({
        pid,
        packets,
        bitrateBps: roundBps(bitrate.arrivalBitrateBps(pid, arrivalSeconds)),
        bitrateByPcrBps: roundBps(bitrate.pcrBitrateBps(pid)),
      });
    }
    const window: TsWindow = {
      startSeconds: this.startSeconds,
      // Whole seconds but for the last window, which ends with the input.
      endSeconds: Math.round(endSeconds * 1000) / 1000,
      counts: countsRecord(windowCounts),
      packets: this.packets,
      receiveDroppedPackets: this.receiveDroppedPackets,
      suppressedContinuityErrors: this.suppressedContinuityErrors,
      pids,
    };
    this.packetsByPid.fill(0);
    windowCounts.fill(0);
    this.startSeconds = endSeconds;
    this.packets = 0;
    this.receiveDroppedPackets = 0;
    this.suppressedContinuityErrors = 0;
    return window;
  }
}

function roundBps(bitsPerSecond: number | null): number | null {
  return bitsPerSecond === null ? null : Math.round(bitsPerSecond);
}
