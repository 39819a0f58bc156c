/**
 * The decode loop: reads packets once, decodes the streams that detectors need, converts frames, and
 * hands 1-second chunks out as they complete. Local files are read with FFmpeg's synchronous calls (no
 * thread-pool round trip per packet); network inputs use the asynchronous ones, so timers keep running.
 */
import { FFmpegError, Frame, Packet } from 'node-av/lib';
import { AVERROR_EAGAIN, AVERROR_EOF, AVMEDIA_TYPE_AUDIO, AVMEDIA_TYPE_VIDEO } from 'node-av/constants';
import { audioFrameToFloat } from './audio-samples.js';
import { Chunker, type ReadyChunk } from './chunker.js';
import type { OpenedInput, OpenedStream } from './open-input.js';
import { StreamClock } from './stream-clock.js';
import { VideoFrameConverter, type HeldVideoFrame } from './video-frames.js';

export interface DecodeStats {
  videoFrames: number;
  audioFrames: number;
  /** Packets the decoder rejected and frames it could not produce. */
  decodeErrors: number;
  discontinuities: number;
  /** Frames that arrived after their chunk had been analysed, or had timestamps before the start. */
  lateDrops: number;
  /** Why reading stopped before the end of the input, if it did. */
  readError: string | null;
  durationSeconds: number;
}

export interface DecodeOptions {
  readonly signal?: AbortSignal;
  /** Stop after this many seconds of media (for previews and benchmarks). */
  readonly maxSeconds?: number;
  /** Sees every decoded picture before it is converted (live thumbnails). Must not keep it: clone it. */
  readonly onVideoFrame?: (frame: Frame) => void;
  /** Sees every packet of a decoded stream before it is decoded (evidence buffering). Must not keep it. */
  readonly onPacket?: (packet: Packet, stream: OpenedStream) => void;
  /** Pictures a second to keep full-resolution luma for (see `Detector.fullLumaPerSecond`); default all. */
  readonly fullLumaPerSecond?: number;
}

const discontinuityThresholdSeconds = 10;
const maxBackwardSeconds = 1;
/** A frame is taken to stay on screen until the next one for at most this long. */
const maxDisplaySeconds = 1;

function frameRateSeconds(stream: OpenedStream): number {
  const rate = stream.stream.avgFrameRate.num > 0 ? stream.stream.avgFrameRate : stream.stream.rFrameRate;
  return rate.num > 0 && rate.den > 0 ? rate.den / rate.num : 1 / 25;
}

function makeClock(stream: OpenedStream): StreamClock {
  const timeBase = stream.stream.timeBase;
  return new StreamClock({
    timeBase: { num: timeBase.num, den: timeBase.den },
    wrapBits: stream.stream.ptsWrapBits,
    discontinuityThresholdSeconds,
    maxBackwardSeconds,
  });
}

export async function* decodeInput(
  input: OpenedInput,
  stats: DecodeStats,
  options: DecodeOptions = {},
): AsyncGenerator<ReadyChunk> {
  const chunker = new Chunker({
    expectVideo: input.video !== null,
    expectAudio: input.audio !== null,
    hasVideoStream: input.hasVideoStream,
    hasAudioStream: input.hasAudioStream,
    maxStreamSkewSeconds: 3,
    audioJitterSeconds: 0.02,
  });
  const converter = new VideoFrameConverter(options.fullLumaPerSecond);
  const videoClock = input.video ? makeClock(input.video) : null;
  const audioClock = input.audio ? makeClock(input.audio) : null;
  const nominalFrameSeconds = input.video ? frameRateSeconds(input.video) : 0;
  const videoIndex = input.video?.stream.index ?? -1;
  const audioIndex = input.audio?.stream.index ?? -1;
  // Formats without a header (FLV from an RTMP server, MPEG-TS) declare a stream when its first packet comes:
  // a picture or sound that starts after probing would otherwise be ignored for the whole session.
  const streamsAtOpen = input.format.nbStreams;
  const lateStream = (index: number): string | null => {
    if (index < streamsAtOpen) return null;
    const type = input.format.streams[index]?.codecpar.codecType;
    if (type === AVMEDIA_TYPE_VIDEO && !input.hasVideoStream) return 'video';
    if (type === AVMEDIA_TYPE_AUDIO && !input.hasAudioStream) return 'audio';
    return null;
  };
  const packet = new Packet();
  packet.alloc();
  const frame = new Frame();
  frame.alloc();
  // Reading a network input waits on the network: asynchronous, so the event loop goes on meanwhile (a
  // worker's heartbeat, datagrams received for the transport checks and for FFmpeg's custom I/O). Decoding
  // is CPU work either way, and done synchronously it costs less: the asynchronous calls' round trips to the
  // thread pool cost a 720p25 channel about 2 points of a core (six paired runs, 21.5-27.9% against
  // 23.4-30.7%). A picture takes milliseconds; datagrams wait in the socket's buffer meanwhile.
  const syncRead = !input.isNetwork;
  let finishedCleanly = false;

  let videoDiscontinuitiesSeen = 0;
  let audioDiscontinuitiesSeen = 0;
  const noteDiscontinuities = (): void => {
    while (videoDiscontinuitiesSeen < (videoClock?.discontinuities ?? 0)) {
      chunker.noteDiscontinuity('video');
      videoDiscontinuitiesSeen += 1;
    }
    while (audioDiscontinuitiesSeen < (audioClock?.discontinuities ?? 0)) {
      chunker.noteDiscontinuity('audio');
      audioDiscontinuitiesSeen += 1;
    }
    stats.discontinuities = videoDiscontinuitiesSeen + audioDiscontinuitiesSeen;
  };

  const drainDecoder = (stream: OpenedStream, isVideo: boolean): void => {
    for (;;) {
      const received = stream.decoder.receiveFrameSync(frame);
      if (received === AVERROR_EAGAIN || received === AVERROR_EOF) return;
      if (received < 0) {
        if (isVideo ? videoStarted : audioStarted) {
          stats.decodeErrors += 1;
          chunker.noteDecodeError();
        }
        return;
      }
      if (isVideo) videoStarted = true;
      else audioStarted = true;
      if (isVideo) acceptVideoFrame(stream);
      else acceptAudioFrame(stream);
      frame.unref();
    }
  };

  const acceptVideoFrame = (stream: OpenedStream): void => {
    const timeBase = stream.stream.timeBase;
    const durationSeconds =
      frame.duration > 0n ? (Number(frame.duration) * timeBase.num) / timeBase.den : nominalFrameSeconds;
    const timeSeconds = videoClock?.toSeconds(frame.bestEffortTimestamp, durationSeconds) ?? 0;
    noteDiscontinuities();
    options.onVideoFrame?.(frame);
    const held = converter.convert(frame, { timeSeconds, durationSeconds }, false);
    if (!held) {
      stats.decodeErrors += 1;
      return;
    }
    stats.videoFrames += 1;
    pushVideoInOrder(held);
  };

  // A frame is shown until the next one arrives: hold each frame until the next gives its real duration
  // (sources with dropped or skipped frames, variable frame rate). Gaps over a second are stalls, not display.
  let heldBack: HeldVideoFrame | null = null;
  const pushVideoInOrder = (next: HeldVideoFrame | null): void => {
    if (heldBack) {
      const shownSeconds = next ? next.frame.timeSeconds - heldBack.frame.timeSeconds : 0;
      const frame =
        shownSeconds > heldBack.frame.durationSeconds && shownSeconds <= maxDisplaySeconds
          ? { ...heldBack.frame, durationSeconds: shownSeconds }
          : heldBack.frame;
      chunker.pushVideo({ frame, release: heldBack.release });
    }
    heldBack = next;
  };

  const acceptAudioFrame = (stream: OpenedStream): void => {
    const channels = audioFrameToFloat(frame);
    const sampleRate = frame.sampleRate || stream.decoder.sampleRate;
    if (!channels || sampleRate <= 0) {
      stats.decodeErrors += 1;
      return;
    }
    const durationSeconds = frame.nbSamples / sampleRate;
    const startSeconds = audioClock?.toSeconds(frame.bestEffortTimestamp, durationSeconds) ?? 0;
    noteDiscontinuities();
    stats.audioFrames += 1;
    chunker.pushAudio(startSeconds, sampleRate, channels);
    // Video has stopped while audio goes on: the held frame will not be extended (a stall is not display
    // time), and must reach the chunker before its chunk is handed out without it.
    if (heldBack && startSeconds - heldBack.frame.timeSeconds > maxDisplaySeconds) {
      chunker.pushVideo(heldBack);
      heldBack = null;
    }
  };

  // A live input is joined mid-stream: until its first picture (a key frame with its parameter sets) or
  // first sound, the decoder refuses what it cannot start from. That is how joining works, not damage.
  let videoStarted = false;
  let audioStarted = false;
  const sendPacket = (stream: OpenedStream, isVideo: boolean, toSend: Packet | null): void => {
    const sent = stream.decoder.sendPacketSync(toSend);
    const started = isVideo ? videoStarted : audioStarted;
    if (sent < 0 && sent !== AVERROR_EAGAIN && sent !== AVERROR_EOF && started) {
      stats.decodeErrors += 1;
      chunker.noteDecodeError();
    }
    drainDecoder(stream, isVideo);
  };

  try {
    for (;;) {
      if (options.signal?.aborted) break;
      const read = syncRead ? input.format.readFrameSync(packet) : await input.format.readFrame(packet);
      if (read < 0) {
        if (read !== AVERROR_EOF) stats.readError = FFmpegError.strerror(read);
        break;
      }
      const index = packet.streamIndex;
      if (index === videoIndex && input.video) {
        options.onPacket?.(packet, input.video);
        sendPacket(input.video, true, packet);
      } else if (index === audioIndex && input.audio) {
        options.onPacket?.(packet, input.audio);
        sendPacket(input.audio, false, packet);
      } else {
        const appeared = lateStream(index);
        if (appeared) {
          stats.readError = `a ${appeared} stream appeared after the input was opened (open it again to decode it)`;
          packet.unref();
          break;
        }
      }
      packet.unref();
      for (const ready of chunker.takeReady()) yield ready;
      if (options.maxSeconds !== undefined && chunker.durationSeconds >= options.maxSeconds) break;
    }
    if (input.video) sendPacket(input.video, true, null);
    if (input.audio) sendPacket(input.audio, false, null);
    pushVideoInOrder(null);
    for (const ready of chunker.flush()) yield ready;
    finishedCleanly = true;
  } finally {
    stats.lateDrops = chunker.lateDropCount;
    stats.durationSeconds = chunker.durationSeconds;
    if (!finishedCleanly) {
      (heldBack as HeldVideoFrame | null)?.release();
      chunker.discard();
    }
    converter.close();
    packet.free();
    frame.free();
  }
}

export function emptyDecodeStats(): DecodeStats {
  return {
    videoFrames: 0,
    audioFrames: 0,
    decodeErrors: 0,
    discontinuities: 0,
    lateDrops: 0,
    readError: null,
    durationSeconds: 0,
  };
}
