/**
 * Cuts decoded media into 1-second chunks by timestamp. The first decoded frame or sample is time 0.
 * A chunk is handed out once every decoded stream has moved past its end (or one stream is so far ahead
 * that the other must have stalled), so detectors always see video and audio of the same second together.
 */
import type { AudioBlock, MediaChunk, TimeSpan, VideoFrame } from './chunk.js';
import type { HeldVideoFrame } from './video-frames.js';

const timestampEpsilonSeconds = 1e-6;
/**
 * No picture is shown longer than this: a longer duration is a broken or hostile container's and would
 * release millions of empty chunks at once. (The decode loop already treats over 1 s as a stall.)
 */
const maxFrameDurationSeconds = 10;
/**
 * A stream whose first timestamp lies further than this from the other stream's timeline (a missing first
 * timestamp, streams on unrelated clocks) is placed where the other stream is, as the stream clock does
 * for a discontinuity, instead of opening that many seconds of empty chunks.
 */
const maxStartOffsetSeconds = 10;

export interface ChunkerOptions {
  readonly expectVideo: boolean;
  readonly expectAudio: boolean;
  readonly hasVideoStream: boolean;
  readonly hasAudioStream: boolean;
  /** Hand out a chunk anyway once another stream is this far past its end. */
  readonly maxStreamSkewSeconds: number;
  /** Audio timestamps within this of where the previous frame ended are taken as contiguous. */
  readonly audioJitterSeconds: number;
}

export interface ReadyChunk {
  readonly chunk: MediaChunk;
  /** Frees the decoder memory the chunk's frames point into. Call once the chunk has been analysed. */
  release(): void;
}

class ChunkAudio {
  readonly samples: Float32Array[];
  firstOffset = -1;
  writtenEnd = 0;
  readonly gaps: TimeSpan[] = [];

  constructor(
    readonly sampleRate: number,
    channelCount: number,
  ) {
    this.samples = Array.from({ length: channelCount }, () => new Float32Array(sampleRate));
  }
}

class ChunkBuilder {
  readonly video: HeldVideoFrame[] = [];
  audio: ChunkAudio | null = null;
  decodeErrorCount = 0;
  discontinuityCount = 0;
  videoDiscontinuities = 0;
  audioDiscontinuities = 0;
  readonly audioCorrectionsMs: number[] = [];

  constructor(readonly index: number) {}
}

type PendingItem =
  | { readonly kind: 'video'; readonly held: HeldVideoFrame }
  | {
      readonly kind: 'audio';
      readonly startSeconds: number;
      readonly sampleRate: number;
      readonly channels: Float32Array[];
    };

export class Chunker {
  private originSeconds: number | null = null;
  private readonly pending: PendingItem[] = [];
  private readonly builders = new Map<number, ChunkBuilder>();
  private nextIndex = 0;
  private videoFrontierSeconds = 0;
  private audioFrontierSeconds = 0;
  private videoEnded: boolean;
  private audioEnded: boolean;
  private audioNextPosition: number | null = null;
  private audioFormatKey = '';
  private endSeconds = 0;
  private lateDrops = 0;
  /** Per stream, what is subtracted from its times after the origin; null until its first item is placed. */
  private readonly startOffsetSeconds: { video: number | null; audio: number | null } = {
    video: null,
    audio: null,
  };

  constructor(private readonly options: ChunkerOptions) {
    this.videoEnded = !options.expectVideo;
    this.audioEnded = !options.expectAudio;
  }

  /** Seconds from the first decoded item to the end of the last one. */
  get durationSeconds(): number {
    return this.endSeconds;
  }

  /** Chunks being filled and not yet handed out (bounded memory: at most a few). */
  get openChunkCount(): number {
    return this.builders.size;
  }

  /** Items that arrived after their chunk had been handed out. */
  get lateDropCount(): number {
    return this.lateDrops;
  }

  pushVideo(held: HeldVideoFrame): void {
    if (this.originSeconds === null) {
      this.pending.push({ kind: 'video', held });
      this.tryFixOrigin(false);
      return;
    }
    this.placeVideo(held);
  }

  pushAudio(startSeconds: number, sampleRate: number, channels: Float32Array[]): void {
    if (this.originSeconds === null) {
      this.pending.push({ kind: 'audio', startSeconds, sampleRate, channels });
      this.tryFixOrigin(false);
      return;
    }
    this.placeAudio(startSeconds, sampleRate, channels);
  }

  noteDecodeError(): void {
    this.currentBuilder().decodeErrorCount += 1;
  }

  noteDiscontinuity(kind: 'video' | 'audio'): void {
    const builder = this.currentBuilder();
    builder.discontinuityCount += 1;
    if (kind === 'video') builder.videoDiscontinuities += 1;
    else builder.audioDiscontinuities += 1;
  }

  /** Marks a stream as finished: it no longer holds chunks back. */
  endStream(kind: 'video' | 'audio'): void {
    if (kind === 'video') this.videoEnded = true;
    else this.audioEnded = true;
  }

  /** Chunks complete so far, in order. */
  takeReady(): ReadyChunk[] {
    if (this.originSeconds === null) return [];
    const ready: ReadyChunk[] = [];
    while (this.isComplete(this.nextIndex)) ready.push(this.emit(this.nextIndex));
    return ready;
  }

  /** The input ended: everything left, in order. */
  flush(): ReadyChunk[] {
    this.videoEnded = true;
    this.audioEnded = true;
    this.tryFixOrigin(true);
    if (this.originSeconds === null) return [];
    const ready: ReadyChunk[] = [];
    const lastIndex = Math.max(Math.ceil(this.endSeconds) - 1, ...this.builders.keys());
    while (this.nextIndex <= lastIndex) ready.push(this.emit(this.nextIndex));
    return ready;
  }

  /** Frees frames still held (the input was abandoned). */
  discard(): void {
    for (const item of this.pending) if (item.kind === 'video') item.held.release();
    this.pending.length = 0;
    for (const builder of this.builders.values()) for (const held of builder.video) held.release();
    this.builders.clear();
  }

  private tryFixOrigin(force: boolean): void {
    if (this.originSeconds !== null || this.pending.length === 0) return;
    const times = this.pending.map((item) =>
      item.kind === 'video' ? item.held.frame.timeSeconds : item.startSeconds,
    );
    const hasVideo = this.pending.some((item) => item.kind === 'video');
    const hasAudio = this.pending.some((item) => item.kind === 'audio');
    const earliest = Math.min(...times);
    const spanSeconds = Math.max(...times) - earliest;
    const allStarted = (hasVideo || !this.options.expectVideo) && (hasAudio || !this.options.expectAudio);
    if (!force && !allStarted && spanSeconds < this.options.maxStreamSkewSeconds) return;
    this.originSeconds = earliest;
    for (const kind of ['video', 'audio'] as const) {
      const kindTimes = times.filter((_, index) => this.pending[index]?.kind === kind);
      if (kindTimes.length === 0) continue;
      const lateSeconds = Math.min(...kindTimes) - earliest;
      this.startOffsetSeconds[kind] = lateSeconds > maxStartOffsetSeconds ? lateSeconds : 0;
    }
    const items = this.pending.splice(0);
    for (const item of items) {
      if (item.kind === 'video') this.placeVideo(item.held);
      else this.placeAudio(item.startSeconds, item.sampleRate, item.channels);
    }
  }

  private builder(index: number): ChunkBuilder {
    let builder = this.builders.get(index);
    if (!builder) {
      builder = new ChunkBuilder(index);
      this.builders.set(index, builder);
    }
    return builder;
  }

  private currentBuilder(): ChunkBuilder {
    const frontier = Math.max(this.videoFrontierSeconds, this.audioFrontierSeconds);
    return this.builder(Math.max(this.nextIndex, Math.floor(frontier)));
  }

  /** Seconds from the origin for a stream's time, fixing the stream's start offset on its first item. */
  private relativeSeconds(kind: 'video' | 'audio', timeSeconds: number): number {
    const fromOrigin = timeSeconds - (this.originSeconds ?? 0);
    let offset = this.startOffsetSeconds[kind];
    if (offset === null) {
      const other = kind === 'video' ? this.audioFrontierSeconds : this.videoFrontierSeconds;
      offset = Math.abs(fromOrigin - other) > maxStartOffsetSeconds ? fromOrigin - other : 0;
      this.startOffsetSeconds[kind] = offset;
    }
    return fromOrigin - offset;
  }

  private placeVideo(held: HeldVideoFrame): void {
    const relativeSeconds = this.relativeSeconds('video', held.frame.timeSeconds);
    // Timestamps converted from another time base land a hair below a whole second (8.0213 - 0.0213 is
    // 7.999999999999999): such a frame belongs to the next chunk, not to one already handed out.
    const index = Math.floor(relativeSeconds + timestampEpsilonSeconds);
    if (relativeSeconds < 0 || index < this.nextIndex) {
      this.lateDrops += 1;
      held.release();
      return;
    }
    const durationSeconds = Math.min(Math.max(held.frame.durationSeconds, 0), maxFrameDurationSeconds) || 0;
    const frame: VideoFrame = { ...held.frame, timeSeconds: relativeSeconds, durationSeconds };
    this.builder(index).video.push({ frame, release: held.release });
    const end = relativeSeconds + frame.durationSeconds;
    this.videoFrontierSeconds = Math.max(this.videoFrontierSeconds, end);
    this.endSeconds = Math.max(this.endSeconds, end);
  }

  private placeAudio(startSeconds: number, sampleRate: number, channels: Float32Array[]): void {
    const sampleCount = channels[0]?.length ?? 0;
    if (sampleCount === 0 || sampleRate <= 0) return;
    const formatKey = `${sampleRate}:${channels.length}`;
    if (formatKey !== this.audioFormatKey) {
      this.audioFormatKey = formatKey;
      this.audioNextPosition = null;
    }
    let position = Math.round(this.relativeSeconds('audio', startSeconds) * sampleRate);
    let skip = 0;
    const expected = this.audioNextPosition;
    if (expected !== null) {
      const drift = position - expected;
      const jitter = this.options.audioJitterSeconds * sampleRate;
      if (Math.abs(drift) <= jitter) {
        position = expected;
      } else if (drift < 0) {
        skip = expected - position;
        position = expected;
        this.noteAudioCorrection(position, sampleRate, -skip);
      } else {
        this.noteAudioCorrection(expected, sampleRate, drift);
        // Zero-fill the gap, but never into chunks already handed out (they are gone).
        const gapStart = Math.max(expected, this.nextIndex * sampleRate);
        if (position > gapStart)
          this.writeAudio(gapStart, position - gapStart, null, 0, sampleRate, channels.length);
      }
    }
    if (position < this.nextIndex * sampleRate) {
      const behind = this.nextIndex * sampleRate - position;
      skip += behind;
      position += behind;
      if (behind > 0) this.lateDrops += 1;
    }
    if (skip >= sampleCount) return;
    this.writeAudio(position, sampleCount - skip, channels, skip, sampleRate, channels.length);
    this.audioNextPosition = position + sampleCount - skip;
    const end = this.audioNextPosition / sampleRate;
    this.audioFrontierSeconds = Math.max(this.audioFrontierSeconds, end);
    this.endSeconds = Math.max(this.endSeconds, end);
  }

  /** Records a timestamp correction in its chunk (or the next one still open, never one handed out). */
  private noteAudioCorrection(position: number, sampleRate: number, samples: number): void {
    const index = Math.max(this.nextIndex, Math.floor(position / sampleRate));
    this.builder(index).audioCorrectionsMs.push(Math.round((samples / sampleRate) * 1000));
  }

  /** Writes `count` samples at timeline position `position`; `source` null writes a gap (zeros). */
  private writeAudio(
    position: number,
    count: number,
    source: Float32Array[] | null,
    sourceOffset: number,
    sampleRate: number,
    channelCount: number,
  ): void {
    let written = 0;
    while (written < count) {
      const at = position + written;
      const index = Math.floor(at / sampleRate);
      const offset = at - index * sampleRate;
      const take = Math.min(count - written, sampleRate - offset);
      const builder = this.builder(index);
      if (
        !builder.audio ||
        builder.audio.sampleRate !== sampleRate ||
        builder.audio.samples.length !== channelCount
      ) {
        builder.audio = new ChunkAudio(sampleRate, channelCount);
      }
      const audio = builder.audio;
      if (source) {
        for (let c = 0; c < channelCount; c++) {
          const from = source[c];
          if (from)
            audio.samples[c]?.set(
              from.subarray(sourceOffset + written, sourceOffset + written + take),
              offset,
            );
        }
      } else {
        audio.gaps.push({
          startSeconds: index + offset / sampleRate,
          endSeconds: index + (offset + take) / sampleRate,
        });
      }
      if (audio.firstOffset < 0 || offset < audio.firstOffset) audio.firstOffset = offset;
      audio.writtenEnd = Math.max(audio.writtenEnd, offset + take);
      written += take;
    }
  }

  private isComplete(index: number): boolean {
    const end = index + 1;
    const videoDone = this.videoEnded || this.videoFrontierSeconds >= end;
    const audioDone = this.audioEnded || this.audioFrontierSeconds >= end;
    if (videoDone && audioDone) return !(this.videoEnded && this.audioEnded) || this.endSeconds >= end;
    const aheadSeconds = Math.max(this.videoFrontierSeconds, this.audioFrontierSeconds);
    return aheadSeconds >= end + this.options.maxStreamSkewSeconds;
  }

  private emit(index: number): ReadyChunk {
    this.nextIndex = index + 1;
    const builder = this.builders.get(index) ?? new ChunkBuilder(index);
    this.builders.delete(index);
    builder.video.sort((a, b) => a.frame.timeSeconds - b.frame.timeSeconds);
    const chunk: MediaChunk = {
      index,
      startSeconds: index,
      endSeconds: Math.min(index + 1, Math.max(this.endSeconds, index)),
      video: builder.video.map((held) => held.frame),
      audio: toAudioBlock(index, builder.audio),
      hasVideoStream: this.options.hasVideoStream,
      hasAudioStream: this.options.hasAudioStream,
      decodeErrorCount: builder.decodeErrorCount,
      discontinuityCount: builder.discontinuityCount,
      timing: {
        videoDiscontinuities: builder.videoDiscontinuities,
        audioDiscontinuities: builder.audioDiscontinuities,
        audioCorrectionsMs: builder.audioCorrectionsMs,
      },
    };
    return {
      chunk,
      release: () => {
        for (const held of builder.video) held.release();
      },
    };
  }
}

function toAudioBlock(index: number, audio: ChunkAudio | null): AudioBlock | null {
  if (!audio || audio.firstOffset < 0 || audio.writtenEnd <= audio.firstOffset) return null;
  return {
    startSeconds: index + audio.firstOffset / audio.sampleRate,
    sampleRate: audio.sampleRate,
    samples: audio.samples.map((channel) => channel.subarray(audio.firstOffset, audio.writtenEnd)),
    gaps: audio.gaps,
  };
}
