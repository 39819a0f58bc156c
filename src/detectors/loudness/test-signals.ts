/** Test signals in memory: sines at a level, and 1-second MediaChunks cut from them (no files needed). */
import type { MediaChunk } from '../../media/chunk.js';
import type { ChunkResult, Detector, FinishResult } from '../contract.js';

export interface SineOptions {
  readonly frequencyHz: number;
  /** Peak level of the sine. */
  readonly levelDbfs: number;
  readonly seconds: number;
  readonly sampleRateHz: number;
  readonly phaseRadians?: number;
}

export function sine(options: SineOptions): Float32Array {
  const length = Math.round(options.seconds * options.sampleRateHz);
  const amplitude = 10 ** (options.levelDbfs / 20);
  const step = (2 * Math.PI * options.frequencyHz) / options.sampleRateHz;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = amplitude * Math.sin(step * i + (options.phaseRadians ?? 0));
  return out;
}

/** 1 kHz sine segments back to back, as Tech 3341 builds its cases: [levelDbfs, seconds] pairs. */
export function toneSequence(
  segments: readonly (readonly [number, number])[],
  sampleRateHz: number,
): Float32Array {
  const parts = segments.map(([levelDbfs, seconds]) =>
    sine({ frequencyHz: 1000, levelDbfs, seconds, sampleRateHz }),
  );
  const out = new Float32Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Cuts per-channel signals (equal lengths) into 1-second chunks with audio only. */
export function audioChunks(channels: readonly Float32Array[], sampleRateHz: number): MediaChunk[] {
  const length = channels[0]?.length ?? 0;
  const chunks: MediaChunk[] = [];
  for (let index = 0, start = 0; start < length; index++) {
    const end = Math.min(length, Math.round((index + 1) * sampleRateHz));
    chunks.push({
      index,
      startSeconds: index,
      endSeconds: index + 1,
      video: [],
      audio: {
        startSeconds: start / sampleRateHz,
        sampleRate: sampleRateHz,
        samples: channels.map((channel) => channel.slice(start, end)),
        gaps: [],
      },
      hasVideoStream: false,
      hasAudioStream: true,
      decodeErrorCount: 0,
      discontinuityCount: 0,
    });
    start = end;
  }
  return chunks;
}

export interface DetectorRun {
  readonly results: readonly ChunkResult[];
  readonly finished: FinishResult;
  /** Every transition, from the chunks then from finish. */
  readonly transitions: FinishResult['transitions'];
}

export function runDetector(
  detector: Detector,
  config: Record<string, unknown>,
  chunks: readonly MediaChunk[],
): DetectorRun {
  const instance = detector.create(detector.configSchema.parse(config));
  const results = chunks.map((chunk) => instance.analyze(chunk));
  const finished = instance.finish(chunks.at(-1)?.endSeconds ?? 0);
  return {
    results,
    finished,
    transitions: [...results.flatMap((r) => r.transitions), ...finished.transitions],
  };
}
