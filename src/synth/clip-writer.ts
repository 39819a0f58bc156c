/**
 * Writes synthetic clips with FFmpeg's encoders (through node-av): pictures and sound come from callbacks,
 * so fixtures carry known truth. Used by the fixture generator, the tests, the benchmark and the demo.
 */
import {
  Codec,
  CodecContext,
  Dictionary,
  FormatContext,
  Frame,
  Log,
  Packet,
  Rational,
  type Stream,
} from 'node-av/lib';
import {
  AV_CHANNEL_LAYOUT_MONO,
  AV_CHANNEL_LAYOUT_STEREO,
  AV_CHANNEL_LAYOUT_5POINT1,
  AV_PIX_FMT_YUV420P,
  AV_SAMPLE_FMT_FLTP,
  AV_SAMPLE_FMT_S16,
  AV_SAMPLE_FMT_S16P,
  AVERROR_EAGAIN,
  AVERROR_EOF,
  AVFMT_GLOBALHEADER,
  AV_CODEC_FLAG_GLOBAL_HEADER,
  AV_LOG_QUIET,
} from 'node-av/constants';

export interface PicturePlanes {
  readonly y: Uint8Array;
  readonly u: Uint8Array;
  readonly v: Uint8Array;
  readonly strideY: number;
  readonly strideC: number;
  readonly width: number;
  readonly height: number;
}

export interface VideoSpec {
  readonly width: number;
  readonly height: number;
  readonly framesPerSecond: number;
  readonly codec: 'libx264' | 'mpeg2video' | 'mpeg4';
  /** Encoder options, e.g. { preset: 'ultrafast', crf: '23' } or { 'x264-params': 'zones=...' }. */
  readonly options?: Readonly<Record<string, string>>;
  readonly bitRate?: number;
  readonly gopSize?: number;
  /** Paints frame `index` (shown at index / framesPerSecond s) into `planes`. */
  draw(index: number, planes: PicturePlanes): void;
  /** Frames for which this returns false are not written at all (a stall). */
  include?(index: number): boolean;
}

export interface AudioSpec {
  readonly sampleRate: number;
  readonly channels: 1 | 2 | 6;
  readonly codec: 'aac' | 'pcm_s16le' | 'mp2';
  readonly bitRate?: number;
  /** Fills `out[c][i]` with the sample at `startSample + i`, in [-1, 1] (values beyond are clipped by the codec). */
  fill(startSample: number, out: Float32Array[]): void;
  /** Audio frames starting at sample `startSample` for which this returns false are not written (a gap). */
  include?(startSample: number): boolean;
}

export interface ClipSpec {
  readonly path: string;
  /** FFmpeg muxer name: mp4, mpegts, matroska, wav, mov. */
  readonly container: string;
  readonly durationSeconds: number;
  readonly video?: VideoSpec;
  readonly audio?: AudioSpec;
  /** Offset added to every timestamp (a stream that does not start at 0). */
  readonly startOffsetSeconds?: number;
  /** Extra seconds added to the audio's timestamps (audio late when positive). */
  readonly audioDelaySeconds?: number;
  /** Audio timestamps advance this many times faster than the samples (a drifting audio clock). */
  readonly audioTimestampScale?: number;
  /** From `atSeconds` on, audio timestamps are shifted by `bySeconds` (the audio track jumps alone). */
  readonly audioTimestampJump?: { readonly atSeconds: number; readonly bySeconds: number };
}

interface Track {
  readonly encoder: CodecContext;
  readonly stream: Stream;
  readonly timeBase: Rational;
}

function layoutFor(channels: number) {
  if (channels === 1) return AV_CHANNEL_LAYOUT_MONO;
  if (channels === 2) return AV_CHANNEL_LAYOUT_STEREO;
  return AV_CHANNEL_LAYOUT_5POINT1;
}

async function openEncoder(
  name: string,
  configure: (context: CodecContext) => void,
  options?: Readonly<Record<string, string>>,
) {
  const codec = Codec.findEncoderByName(name as Parameters<typeof Codec.findEncoderByName>[0]);
  if (!codec) throw new Error(`encoder ${name} is not available`);
  const context = new CodecContext();
  context.allocContext3(codec);
  configure(context);
  const opened = await context.open2(codec, options ? Dictionary.fromObject({ ...options }) : null);
  if (opened < 0) throw new Error(`cannot open encoder ${name} (${opened})`);
  return context;
}

async function writePackets(format: FormatContext, track: Track, packet: Packet): Promise<void> {
  for (;;) {
    const received = await track.encoder.receivePacket(packet);
    if (received === AVERROR_EAGAIN || received === AVERROR_EOF) return;
    if (received < 0) throw new Error(`encoder failed (${received})`);
    packet.streamIndex = track.stream.index;
    packet.rescaleTs(track.timeBase, track.stream.timeBase);
    const written = await format.interleavedWriteFrame(packet);
    if (written < 0) throw new Error(`muxer failed (${written})`);
    packet.unref();
  }
}

export async function writeClip(spec: ClipSpec): Promise<void> {
  Log.setLevel(AV_LOG_QUIET);
  const format = new FormatContext();
  if (format.allocOutputContext2(null, spec.container, spec.path) < 0)
    throw new Error(`no muxer ${spec.container}`);
  const globalHeader = format.oformat?.hasFlags(AVFMT_GLOBALHEADER) ?? false;
  const offset = spec.startOffsetSeconds ?? 0;
  let video: Track | null = null;
  let audio: Track | null = null;

  if (spec.video) {
    const v = spec.video;
    const timeBase = new Rational(1, v.framesPerSecond);
    const encoder = await openEncoder(
      v.codec,
      (c) => {
        c.width = v.width;
        c.height = v.height;
        c.pixelFormat = AV_PIX_FMT_YUV420P;
        c.timeBase = timeBase;
        c.framerate = new Rational(v.framesPerSecond, 1);
        c.gopSize = v.gopSize ?? v.framesPerSecond * 2;
        c.threadCount = 1;
        if (v.bitRate) c.bitRate = BigInt(v.bitRate);
        if (v.codec !== 'libx264') c.maxBFrames = 0;
        if (globalHeader) c.setFlags(AV_CODEC_FLAG_GLOBAL_HEADER);
      },
      v.codec === 'libx264' ? { preset: 'ultrafast', ...v.options } : v.options,
    );
    const stream = format.newStream(null);
    stream.codecpar.fromContext(encoder);
    stream.timeBase = timeBase;
    video = { encoder, stream, timeBase };
  }
  if (spec.audio) {
    const a = spec.audio;
    const timeBase = new Rational(1, a.sampleRate);
    const sampleFormat =
      a.codec === 'aac' ? AV_SAMPLE_FMT_FLTP : a.codec === 'mp2' ? AV_SAMPLE_FMT_S16 : AV_SAMPLE_FMT_S16;
    const encoder = await openEncoder(a.codec, (c) => {
      c.sampleRate = a.sampleRate;
      c.channelLayout = layoutFor(a.channels);
      c.sampleFormat = sampleFormat;
      c.timeBase = timeBase;
      c.bitRate = BigInt(a.bitRate ?? 64_000 * a.channels);
      if (globalHeader) c.setFlags(AV_CODEC_FLAG_GLOBAL_HEADER);
    });
    const stream = format.newStream(null);
    stream.codecpar.fromContext(encoder);
    stream.timeBase = timeBase;
    audio = { encoder, stream, timeBase };
  }

  if ((await format.openOutput()) < 0) throw new Error(`cannot write ${spec.path}`);
  if ((await format.writeHeader(null)) < 0) throw new Error(`cannot write header of ${spec.path}`);
  const packet = new Packet();
  packet.alloc();

  const frameCount = spec.video ? Math.round(spec.durationSeconds * spec.video.framesPerSecond) : 0;
  const sampleCount = spec.audio ? Math.round(spec.durationSeconds * spec.audio.sampleRate) : 0;
  let nextFrame = 0;
  let nextSample = 0;
  const audioFrameSize = audio ? audio.encoder.frameSize || 1152 : 0;

  while ((video && nextFrame < frameCount) || (audio && nextSample < sampleCount)) {
    const videoTime =
      video && spec.video && nextFrame < frameCount ? nextFrame / spec.video.framesPerSecond : Infinity;
    const audioTime =
      audio && spec.audio && nextSample < sampleCount ? nextSample / spec.audio.sampleRate : Infinity;
    if (video && spec.video && videoTime <= audioTime) {
      if (spec.video.include?.(nextFrame) ?? true) {
        const frame = videoFrame(
          spec.video,
          nextFrame,
          BigInt(nextFrame + Math.round(offset * spec.video.framesPerSecond)),
        );
        await video.encoder.sendFrame(frame);
        frame.free();
        await writePackets(format, video, packet);
      }
      nextFrame += 1;
    } else if (audio && spec.audio) {
      const count = Math.min(audioFrameSize, sampleCount - nextSample);
      if (spec.audio.include?.(nextSample) ?? true) {
        const delaySamples = Math.round((offset + (spec.audioDelaySeconds ?? 0)) * spec.audio.sampleRate);
        const jump = spec.audioTimestampJump;
        const jumpSamples =
          jump && nextSample >= jump.atSeconds * spec.audio.sampleRate
            ? Math.round(jump.bySeconds * spec.audio.sampleRate)
            : 0;
        const timestampSample = Math.round(nextSample * (spec.audioTimestampScale ?? 1)) + jumpSamples;
        const frame = audioFrame(
          spec.audio,
          audio.encoder,
          nextSample,
          count,
          BigInt(timestampSample + delaySamples),
        );
        await audio.encoder.sendFrame(frame);
        frame.free();
        await writePackets(format, audio, packet);
      }
      nextSample += count;
    }
  }
  for (const track of [video, audio]) {
    if (!track) continue;
    await track.encoder.sendFrame(null);
    await writePackets(format, track, packet);
  }
  await format.writeTrailer();
  packet.free();
  video?.encoder.freeContext();
  audio?.encoder.freeContext();
  await format.closeOutput();
  format.freeContext();
}

function videoFrame(spec: VideoSpec, index: number, pts: bigint): Frame {
  const frame = new Frame();
  frame.alloc();
  frame.format = AV_PIX_FMT_YUV420P;
  frame.width = spec.width;
  frame.height = spec.height;
  if (frame.getBuffer(32) < 0) throw new Error('cannot allocate a video frame');
  frame.makeWritable();
  const [y, u, v] = frame.data ?? [];
  const [strideY, strideC] = frame.linesize;
  if (!y || !u || !v || !strideY || !strideC) throw new Error('video frame has no planes');
  spec.draw(index, { y, u, v, strideY, strideC, width: spec.width, height: spec.height });
  frame.pts = pts;
  return frame;
}

function audioFrame(
  spec: AudioSpec,
  encoder: CodecContext,
  startSample: number,
  count: number,
  pts: bigint,
): Frame {
  const channels = Array.from({ length: spec.channels }, () => new Float32Array(count));
  spec.fill(startSample, channels);
  const frame = new Frame();
  frame.alloc();
  frame.format = encoder.sampleFormat;
  frame.sampleRate = spec.sampleRate;
  frame.channelLayout = layoutFor(spec.channels);
  frame.nbSamples = count;
  if (frame.getBuffer(0) < 0) throw new Error('cannot allocate an audio frame');
  frame.makeWritable();
  const planes = frame.data ?? [];
  const clamp = (value: number) => Math.max(-1, Math.min(1, value));
  if (encoder.sampleFormat === AV_SAMPLE_FMT_FLTP) {
    channels.forEach((samples, c) => {
      const plane = planes[c];
      if (!plane) return;
      for (let i = 0; i < count; i++) plane.writeFloatLE(clamp(samples[i] ?? 0), i * 4);
    });
  } else if (encoder.sampleFormat === AV_SAMPLE_FMT_S16P) {
    channels.forEach((samples, c) => {
      const plane = planes[c];
      if (!plane) return;
      for (let i = 0; i < count; i++) plane.writeInt16LE(Math.round(clamp(samples[i] ?? 0) * 32767), i * 2);
    });
  } else {
    const plane = planes[0];
    if (!plane) throw new Error('audio frame has no plane');
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < spec.channels; c++) {
        plane.writeInt16LE(Math.round(clamp(channels[c]?.[i] ?? 0) * 32767), (i * spec.channels + c) * 2);
      }
    }
  }
  frame.pts = pts;
  return frame;
}
