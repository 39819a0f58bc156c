/**
 * `npm run bench:ts`: throughput of TsAnalyzer on one core, on ~200 MB of TS in memory built by repeating
 * the clean offset-start fixture (FFmpeg output) with continuity counters and PCRs carried on across the
 * repeats, so the stream stays error-free and every check runs on its normal path. Fed two ways:
 * 1316-byte datagrams (UDP) stamped with arrival times from PCR interpolation (as analyzeTsFile does,
 * computed before the clock starts), and 1 MiB chunks with one arrival time (timing from the PCR alone).
 * Prints Gb/s per CPU second, the errors found (0 expected) and the GC runs seen during the run.
 */
import { readFile } from 'node:fs/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { fixturePath } from '../synth/fixtures.js';
import { ArrivalTimeline, PcrScanner } from './arrival-timeline.js';
import { TsAnalyzer } from './ts-analyzer.js';
import { packetBytes, pcrWrap27MHz } from './ts-constants.js';
import { TsFramer } from './ts-framer.js';
import { writePcr } from './test-support/ts-test-stream.js';

const targetBytes = Number(process.env.BENCH_TS_MB ?? 200) * 1e6;
const runs = Number(process.env.BENCH_TS_RUNS ?? 3);

function readPcr(bytes: Uint8Array, at: number): number {
  const b4 = bytes[at + 4] ?? 0;
  const base =
    (bytes[at] ?? 0) * 2 ** 25 +
    (bytes[at + 1] ?? 0) * 2 ** 17 +
    (bytes[at + 2] ?? 0) * 2 ** 9 +
    (bytes[at + 3] ?? 0) * 2 +
    (b4 >> 7);
  return base * 300 + ((b4 & 1) << 8) + (bytes[at + 5] ?? 0);
}

/** Repeats `clip` to `targetBytes`, continuing each PID's counter and shifting PCRs by the clip's span. */
function buildStream(clip: Uint8Array): { bytes: Uint8Array; bitrateBps: number } {
  const packets = Math.floor(clip.length / packetBytes);
  const pcrs: number[] = [];
  for (let index = 0; index < packets; index++) {
    const at = index * packetBytes;
    if (((clip[at + 3] ?? 0) & 0x20) !== 0 && (clip[at + 4] ?? 0) >= 7 && ((clip[at + 5] ?? 0) & 0x10) !== 0)
      pcrs.push(readPcr(clip, at + 6));
  }
  const first = pcrs[0] ?? 0;
  const last = pcrs[pcrs.length - 1] ?? 0;
  const spanPcr = last - first + (pcrs.length > 1 ? (last - first) / (pcrs.length - 1) : 0);
  const repeats = Math.ceil(targetBytes / (packets * packetBytes));
  const bytes = new Uint8Array(repeats * packets * packetBytes);
  const cc = new Int8Array(8192).fill(-1);
  for (let repeat = 0; repeat < repeats; repeat++) {
    bytes.set(clip.subarray(0, packets * packetBytes), repeat * packets * packetBytes);
    for (let index = 0; index < packets; index++) {
      const at = (repeat * packets + index) * packetBytes;
      const pid = (((bytes[at + 1] ?? 0) & 0x1f) << 8) | (bytes[at + 2] ?? 0);
      const adaptation = ((bytes[at + 3] ?? 0) >> 4) & 3;
      if (pid !== 0x1fff) {
        const previous = cc[pid] ?? -1;
        const next =
          previous < 0
            ? (bytes[at + 3] ?? 0) & 0xf
            : (adaptation & 1) !== 0
              ? (previous + 1) & 0xf
              : previous;
        cc[pid] = next;
        bytes[at + 3] = ((bytes[at + 3] ?? 0) & 0xf0) | next;
      }
      if ((adaptation & 2) !== 0 && (bytes[at + 4] ?? 0) >= 7 && ((bytes[at + 5] ?? 0) & 0x10) !== 0) {
        writePcr(bytes, at + 6, (readPcr(bytes, at + 6) + repeat * spanPcr) % pcrWrap27MHz);
      }
    }
  }
  return { bytes, bitrateBps: (packets * packetBytes * 8 * 27e6) / spanPcr };
}

interface Pieces {
  readonly ends: Float64Array;
  readonly arrivalMs: Float64Array;
}

/**
 * Datagram pieces as analyzeTsFile cuts them (starting at each reference PCR packet, then every 7 packets)
 * with their arrival times from PCR interpolation; or `chunkBytes` pieces all stamped 0.
 */
function cutPieces(bytes: Uint8Array, chunkBytes: number, fromPcr: boolean): Pieces {
  const ends: number[] = [];
  const times: number[] = [];
  if (!fromPcr) {
    for (let offset = 0; offset < bytes.length; offset += chunkBytes)
      ends.push(Math.min(bytes.length, offset + chunkBytes));
    return { ends: Float64Array.from(ends), arrivalMs: new Float64Array(ends.length) };
  }
  const scanner = new PcrScanner();
  new TsFramer(scanner).push(bytes);
  const timeline = new ArrivalTimeline(scanner, 10_000_000);
  const pcrOffsets = timeline.pcrOffsets;
  let nextPcr = 0;
  for (let position = 0; position < bytes.length;) {
    while ((pcrOffsets[nextPcr] ?? Infinity) <= position) nextPcr++;
    const end = Math.min(position + chunkBytes, pcrOffsets[nextPcr] ?? Infinity, bytes.length);
    ends.push(end);
    times.push(timeline.secondsAt(position) * 1000);
    position = end;
  }
  return { ends: Float64Array.from(ends), arrivalMs: Float64Array.from(times) };
}

function measure(bytes: Uint8Array, pieces: Pieces) {
  let gcRuns = 0;
  const observer = new PerformanceObserver((list) => (gcRuns += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  const analyzer = new TsAnalyzer();
  const startCpu = process.cpuUsage();
  const startWall = performance.now();
  let start = 0;
  for (let index = 0; index < pieces.ends.length; index++) {
    const end = pieces.ends[index] ?? bytes.length;
    analyzer.push(bytes.subarray(start, end), pieces.arrivalMs[index] ?? 0);
    start = end;
  }
  const result = analyzer.finish();
  const cpu = process.cpuUsage(startCpu);
  const wallSeconds = (performance.now() - startWall) / 1000;
  observer.disconnect();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const errors = Object.values(result.summary.counts).reduce((sum, count) => sum + count, 0);
  return {
    gbPerCpuSecond: (bytes.length * 8) / cpuSeconds / 1e9,
    cpuSeconds,
    wallSeconds,
    errors,
    gcRuns,
    packets: result.summary.packets,
    mediaSeconds: result.summary.durationSeconds,
  };
}

const clip = await readFile(await fixturePath('offset-start.ts'));
const { bytes, bitrateBps } = buildStream(clip);
process.stdout.write(
  `TsAnalyzer throughput: ${(bytes.length / 1e6).toFixed(0)} MB of TS (offset-start.ts repeated, ${(bitrateBps / 1e6).toFixed(2)} Mb/s), node ${process.version}\n`,
);
for (const [label, chunkBytes, perPiece] of [
  ['1316-byte datagrams', 7 * packetBytes, true],
  ['1 MiB chunks', 1 << 20, false],
] as const) {
  const pieces = cutPieces(bytes, chunkBytes, perPiece);
  const results = Array.from({ length: runs }, () => measure(bytes, pieces));
  const best = results.reduce((a, b) => (b.gbPerCpuSecond > a.gbPerCpuSecond ? b : a));
  const median =
    [...results].sort((a, b) => a.gbPerCpuSecond - b.gbPerCpuSecond)[Math.floor(results.length / 2)] ?? best;
  process.stdout.write(
    `${label.padEnd(20)} median ${median.gbPerCpuSecond.toFixed(2)} Gb/s per core (best ${best.gbPerCpuSecond.toFixed(2)}), ` +
      `${median.cpuSeconds.toFixed(2)} CPU s, ${median.wallSeconds.toFixed(2)} wall s (${((bytes.length * 8) / median.wallSeconds / 1e9).toFixed(2)} Gb/s by wall clock) for ${median.mediaSeconds.toFixed(0)} s of stream, ` +
      `${(median.packets / median.cpuSeconds / 1e6).toFixed(1)} M packets per CPU s, errors found ${median.errors}, GC runs ${median.gcRuns}\n`,
  );
}
