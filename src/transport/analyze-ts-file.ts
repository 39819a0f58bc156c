/**
 * Analyses a whole TS file: a first pass finds the reference PCRs and builds arrival times from them
 * (arrival-timeline.ts), a second pass feeds the analyser in datagram-sized pieces (7 packets, as a UDP
 * receiver would get them), each stamped with the arrival time of its first byte, and starting at every
 * reference PCR packet so each PCR arrives exactly at its own time. Two streaming passes keep memory flat for
 * files of any size.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { StreamqcError } from '../errors/streamqc-error.js';
import { ArrivalTimeline, PcrScanner } from './arrival-timeline.js';
import { TsAnalyzer, type TsAnalyzerOptions } from './ts-analyzer.js';
import { packetBytes } from './ts-constants.js';
import { TsFramer } from './ts-framer.js';
import { TsReportBuilder, type TsReport } from './ts-report.js';

export interface AnalyzeTsFileOptions extends TsAnalyzerOptions {
  /** Keep the 1-second windows in the report. */
  readonly keepWindows?: boolean;
  /** Rate assumed for arrival times when the file has no PCR. Default 10 Mb/s. */
  readonly nominalBitrateBps?: number;
}

const datagramBytes = 7 * packetBytes;
const readChunkBytes = 1 << 20;

export async function analyzeTsFile(path: string, options: AnalyzeTsFileOptions = {}): Promise<TsReport> {
  await checkFile(path);
  const scanner = new PcrScanner();
  const framer = new TsFramer(scanner);
  for await (const chunk of createReadStream(path, { highWaterMark: readChunkBytes }))
    framer.push(chunk as Buffer);
  const timeline = new ArrivalTimeline(scanner, options.nominalBitrateBps ?? 10_000_000);

  const analyzer = new TsAnalyzer(options);
  const builder = new TsReportBuilder(options.keepWindows ?? false);
  const pcrOffsets = timeline.pcrOffsets;
  let nextPcr = 0;
  // Pieces start at each reference PCR packet and every 7 packets after it, so they hold whole packets
  // and each packet gets the time of its own piece; bytes of a piece cut by the end of a read wait for
  // the next read.
  let carry: Buffer = Buffer.alloc(0);
  let carryOffset = 0;
  for await (const read of createReadStream(path, { highWaterMark: readChunkBytes })) {
    const data = carry.length === 0 ? (read as Buffer) : Buffer.concat([carry, read as Buffer]);
    const dataEnd = carryOffset + data.length;
    let position = carryOffset;
    for (;;) {
      while ((pcrOffsets[nextPcr] ?? Infinity) <= position) nextPcr++;
      const pieceEnd = Math.min(position + datagramBytes, pcrOffsets[nextPcr] ?? Infinity);
      if (pieceEnd > dataEnd) break;
      const piece = data.subarray(position - carryOffset, pieceEnd - carryOffset);
      builder.accept(analyzer.push(piece, timeline.secondsAt(position) * 1000));
      position = pieceEnd;
    }
    carry = data.subarray(position - carryOffset);
    carryOffset = position;
  }
  if (carry.length > 0) builder.accept(analyzer.push(carry, timeline.secondsAt(carryOffset) * 1000));
  const result = analyzer.finish();
  const warnings: string[] = [];
  if (result.summary.packets === 0) warnings.push('no MPEG-TS packets found (no sync byte pattern)');
  else if (!timeline.fromPcr) {
    warnings.push(
      `no usable PCR: arrival times assume ${(timeline.bitrateBps / 1e6).toFixed(1)} Mb/s, so interval checks are approximate`,
    );
  }
  return builder.finish(path, result, warnings);
}

async function checkFile(path: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new StreamqcError('INPUT_NOT_FOUND', `no such file: ${path}`, { cause: error });
  }
  if (info.isDirectory()) throw new StreamqcError('INPUT_IS_DIRECTORY', `${path} is a directory`);
  if (info.size === 0) throw new StreamqcError('INPUT_EMPTY', `${path} is empty`);
}
