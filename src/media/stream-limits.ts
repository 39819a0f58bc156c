/**
 * The largest stream a channel may carry: picture size, frame rate and bit rate. Checked from what the
 * input declares right after it is opened and probed, before any decoder is opened, so a stream that
 * claims 16K at 240 fps costs a probe, never a decode. The decoder also gets FFmpeg's `max_pixels`, so a
 * stream that changes to a larger picture later is refused frame by frame instead of being decoded.
 */
import type { FormatContext, Stream } from 'node-av/lib';
import { StreamqcError } from '../errors/streamqc-error.js';

export interface StreamLimits {
  /** Picture size limit; a portrait picture is compared with its sides swapped. */
  readonly maxWidth: number;
  readonly maxHeight: number;
  readonly maxFramesPerSecond: number;
  /** Declared bit rate of the whole input (container, else the sum of its streams). */
  readonly maxBitsPerSecond: number;
}

export const defaultStreamLimits: StreamLimits = {
  maxWidth: 4096,
  maxHeight: 2160,
  maxFramesPerSecond: 120,
  maxBitsPerSecond: 100_000_000,
};

/** What an input says about itself; zero where it does not say. */
export interface DeclaredStream {
  readonly width: number;
  readonly height: number;
  readonly framesPerSecond: number;
  readonly bitsPerSecond: number;
}

function rate(value: { num: number; den: number }): number {
  return value.den > 0 && value.num > 0 ? value.num / value.den : 0;
}

/** The declared figures of the input's video stream (if any) and of the input as a whole. */
export function declaredStream(format: FormatContext, video: Stream | undefined): DeclaredStream {
  const containerBits = Number(format.bitRate);
  const streamBits = format.streams.reduce(
    (sum, stream) => sum + Math.max(0, Number(stream.codecpar.bitRate)),
    0,
  );
  return {
    width: video?.codecpar.width ?? 0,
    height: video?.codecpar.height ?? 0,
    framesPerSecond: video ? rate(video.avgFrameRate) || rate(video.rFrameRate) : 0,
    bitsPerSecond: containerBits > 0 ? containerBits : streamBits,
  };
}

function formatRate(framesPerSecond: number): string {
  return String(Math.round(framesPerSecond * 100) / 100);
}

/** Every limit the declaration breaks, as one line; null when it fits. */
export function limitViolation(declared: DeclaredStream, limits: StreamLimits): string | null {
  const problems: string[] = [];
  const [longSide, shortSide] = [
    Math.max(declared.width, declared.height),
    Math.min(declared.width, declared.height),
  ];
  const [maxLong, maxShort] = [
    Math.max(limits.maxWidth, limits.maxHeight),
    Math.min(limits.maxWidth, limits.maxHeight),
  ];
  if (longSide > maxLong || shortSide > maxShort) {
    problems.push(`picture ${declared.width}x${declared.height} over ${limits.maxWidth}x${limits.maxHeight}`);
  }
  if (declared.framesPerSecond > limits.maxFramesPerSecond) {
    problems.push(`${formatRate(declared.framesPerSecond)} fps over ${limits.maxFramesPerSecond} fps`);
  }
  if (declared.bitsPerSecond > limits.maxBitsPerSecond) {
    const mbps = (bits: number) => String(Math.round(bits / 1e5) / 10);
    problems.push(`${mbps(declared.bitsPerSecond)} Mb/s over ${mbps(limits.maxBitsPerSecond)} Mb/s`);
  }
  return problems.length === 0 ? null : problems.join(', ');
}

export function checkStreamLimits(declared: DeclaredStream, limits: StreamLimits): void {
  const violation = limitViolation(declared, limits);
  if (violation !== null)
    throw new StreamqcError('STREAM_OVER_LIMITS', `stream refused before decoding: ${violation}`);
}

/** Decoder options that hold the picture size limit for every frame, not only the declared one. */
export function decoderLimitOptions(limits: StreamLimits): Record<string, string> {
  return { max_pixels: String(limits.maxWidth * limits.maxHeight) };
}
