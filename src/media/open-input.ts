/**
 * Opens an input with FFmpeg (through node-av) and sets up one decoder per stream we analyse: the best
 * video stream and the best audio stream. Turns every way an input can fail to open into a one-line
 * StreamqcError.
 */
import { stat } from 'node:fs/promises';
import {
  Codec,
  CodecContext,
  Dictionary,
  FFmpegError,
  FormatContext,
  InputFormat,
  IOContext,
  Log,
  type Stream,
} from 'node-av/lib';
import {
  AV_LOG_ERROR,
  AV_LOG_QUIET,
  AV_LOG_WARNING,
  AVERROR_EIO,
  AVERROR_ENOENT,
  AVERROR_EXIT,
  AVERROR_INVALIDDATA,
  AVFMT_FLAG_CUSTOM_IO,
  AVMEDIA_TYPE_AUDIO,
  AVMEDIA_TYPE_VIDEO,
} from 'node-av/constants';
import { StreamqcError } from '../errors/streamqc-error.js';
import {
  checkInputUrl,
  checkLocalFileOnDisk,
  ffmpegPolicyOptions,
  noteFfmpegLogLine,
  oneShotInputPolicy,
  refusalCount,
  refusedProtocolSince,
  type InputPolicy,
} from './input-policy.js';
import {
  checkStreamLimits,
  declaredStream,
  decoderLimitOptions,
  type StreamLimits,
} from './stream-limits.js';

export interface OpenInputOptions {
  /** Give up opening a network input after this long. */
  readonly connectTimeoutMs: number;
  readonly wantVideo: boolean;
  readonly wantAudio: boolean;
  /** Decoder threads per stream; 0 lets FFmpeg choose. */
  readonly decoderThreads: number;
  /**
   * Bytes received by this process (a UDP receiver) instead of FFmpeg's own protocol: `read` is FFmpeg's
   * custom I/O callback, `formatName` the container (no probing of the format).
   */
  readonly customInput?: {
    readonly read: (size: number) => Buffer | null | number | Promise<Buffer | null | number>;
    readonly formatName: string;
  };
  /** What the input may open (default: the one-shot policy, any local file and the default protocols). */
  readonly policy?: InputPolicy;
  /** Refuse streams declaring more than this, before decoding (default: no limit). */
  readonly limits?: StreamLimits;
}

export interface OpenedStream {
  readonly stream: Stream;
  readonly decoder: CodecContext;
  readonly codecName: string;
}

export interface OpenedInput {
  readonly url: string;
  readonly isNetwork: boolean;
  readonly format: FormatContext;
  readonly formatName: string;
  readonly video: OpenedStream | null;
  readonly audio: OpenedStream | null;
  /** Whether the input has such a stream at all, decoded or not. */
  readonly hasVideoStream: boolean;
  readonly hasAudioStream: boolean;
  close(): void;
}

/** FFmpeg returns negated POSIX errno values; node-av names only some of them. */
const AVERROR_ETIMEDOUT = -110;
const AVERROR_ECONNREFUSED = -111;

let ffmpegLogSilenced = false;

/**
 * FFmpeg's own log lines would bypass our one-line error contract: we report problems ourselves. Its
 * errors still reach the input policy, which names a protocol the whitelist refused.
 */
function silenceFfmpegLog(): void {
  if (ffmpegLogSilenced) return;
  Log.setLevel(AV_LOG_QUIET);
  Log.setCallback((_level, message) => noteFfmpegLogLine(message), { maxLevel: AV_LOG_ERROR });
  ffmpegLogSilenced = true;
}

/**
 * Hands FFmpeg's warnings and errors to `onMessage` instead of printing them (a channel worker reads its
 * own receive drops from them). Replaces the silencing done for one-shot analysis.
 */
export function captureFfmpegLog(onMessage: (message: string) => void): void {
  ffmpegLogSilenced = true;
  Log.setLevel(AV_LOG_WARNING);
  Log.setCallback((_level, message) => {
    noteFfmpegLogLine(message);
    onMessage(message);
  });
}

async function checkLocalPath(path: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new StreamqcError('INPUT_NOT_FOUND', 'no such file');
  }
  if (info.isDirectory()) throw new StreamqcError('INPUT_IS_DIRECTORY', 'is a directory, not a media file');
  if (info.isFile() && info.size === 0) throw new StreamqcError('INPUT_EMPTY', 'the file is empty');
}

function describeOpenFailure(code: number, isNetwork: boolean): StreamqcError {
  const text = FFmpegError.strerror(code);
  if (code === AVERROR_EXIT || code === AVERROR_ETIMEDOUT) {
    return new StreamqcError('CONNECT_TIMEOUT', 'timed out connecting');
  }
  if (isNetwork && (code === AVERROR_ECONNREFUSED || code === AVERROR_EIO || code === AVERROR_ENOENT)) {
    return new StreamqcError('CONNECT_FAILED', `cannot connect (${text})`);
  }
  if (code === AVERROR_INVALIDDATA) {
    return new StreamqcError('INPUT_UNSUPPORTED', 'not a media format FFmpeg recognises');
  }
  if (code === AVERROR_ENOENT) return new StreamqcError('INPUT_NOT_FOUND', 'no such file');
  return new StreamqcError(isNetwork ? 'CONNECT_FAILED' : 'INPUT_UNREADABLE', `cannot open (${text})`);
}

async function openDecoder(
  stream: Stream,
  threads: number,
  limits: StreamLimits | undefined,
): Promise<OpenedStream | null> {
  const codec = Codec.findDecoder(stream.codecpar.codecId);
  if (!codec) return null;
  const decoder = new CodecContext();
  decoder.allocContext3(codec);
  if (decoder.parametersToContext(stream.codecpar) < 0) {
    decoder.freeContext();
    return null;
  }
  decoder.pktTimebase = stream.timeBase;
  decoder.threadCount = threads;
  const result = await decoder.open2(
    codec,
    limits ? Dictionary.fromObject(decoderLimitOptions(limits)) : null,
  );
  if (result < 0) {
    decoder.freeContext();
    return null;
  }
  return { stream, decoder, codecName: codec.name ?? 'unknown' };
}

/** Runs `work`, interrupting FFmpeg's blocking I/O when it takes longer than `timeoutMs`. */
async function withInterruptTimeout<T>(
  format: FormatContext,
  timeoutMs: number,
  work: () => Promise<T>,
): Promise<T> {
  const timer = setTimeout(() => format.interrupt(), timeoutMs);
  try {
    return await work();
  } finally {
    clearTimeout(timer);
  }
}

/** Custom I/O buffer: about 25 datagrams of 7 packets per read callback. */
const customIoBufferBytes = 32 * 1024;

/** With custom I/O the context is detached first: FFmpeg must not free a buffer node-av owns. */
async function closeFormat(format: FormatContext, customIo: IOContext | null): Promise<void> {
  if (customIo) format.pb = null;
  await format.closeInput();
  customIo?.freeContext();
}

/** A whitelist refusal reaches the log callback just after the failed call returns. */
async function protocolRefusedSince(mark: number): Promise<StreamqcError | null> {
  await new Promise((resolve) => setTimeout(resolve, 10));
  const refused = refusedProtocolSince(mark);
  return refused === null
    ? null
    : new StreamqcError(
        'INPUT_NOT_ALLOWED',
        `the input tried to open protocol '${refused}', which is not allowed`,
      );
}

export async function openInput(url: string, options: OpenInputOptions): Promise<OpenedInput> {
  silenceFfmpegLog();
  const policy = options.policy ?? oneShotInputPolicy;
  const checked = checkInputUrl(url, policy);
  const isNetwork = checked.kind === 'network';
  if (!isNetwork) {
    await checkLocalFileOnDisk(checked, policy);
    await checkLocalPath(checked.path);
  }

  const format = new FormatContext();
  format.allocContext();
  const timeoutMicroseconds = String(options.connectTimeoutMs * 1000);
  // FFmpeg's RTMP client reads `timeout` as "wait this long for a peer to connect" and turns into a
  // server: for rtmp:// the I/O timeout and the interrupt timer bound the connection instead.
  const isRtmp = /^rtmps?:/i.test(url);
  const ffmpegOptions = isNetwork
    ? Dictionary.fromObject({
        ...ffmpegPolicyOptions(checked, policy),
        ...(isRtmp ? {} : { timeout: timeoutMicroseconds }),
        rw_timeout: timeoutMicroseconds,
        reconnect: '0',
        // A live input must start fast: FFmpeg's default probe reads 5 s of MPEG-TS before the first frame.
        // RTMP is the exception: a server starts a new player's video at the next key frame, and FLV
        // declares a stream only when its first packet comes, so a short probe can miss the picture.
        analyzeduration: isRtmp ? '5000000' : '1500000',
        probesize: '2000000',
      })
    : Dictionary.fromObject(ffmpegPolicyOptions(checked, policy));

  let customIo: IOContext | null = null;
  if (options.customInput) {
    customIo = new IOContext();
    customIo.allocContextWithCallbacks(customIoBufferBytes, 0, options.customInput.read);
    format.pb = customIo;
    format.setFlags(AVFMT_FLAG_CUSTOM_IO);
  }
  const inputFormat = options.customInput
    ? InputFormat.findInputFormat(options.customInput.formatName)
    : null;
  const refusalMark = refusalCount();
  const opened = await withInterruptTimeout(format, options.connectTimeoutMs, () =>
    format.openInput(customIo ? '' : url, inputFormat, ffmpegOptions),
  );
  const releaseCustomIo = (): void => {
    format.pb = null;
    customIo?.freeContext();
  };
  if (opened < 0) {
    releaseCustomIo();
    format.freeContext();
    throw (await protocolRefusedSince(refusalMark)) ?? describeOpenFailure(opened, isNetwork);
  }
  const probed = await withInterruptTimeout(format, options.connectTimeoutMs, () =>
    format.findStreamInfo(null),
  );
  if (probed < 0 && format.nbStreams === 0) {
    await closeFormat(format, customIo);
    throw (await protocolRefusedSince(refusalMark)) ?? describeOpenFailure(probed, isNetwork);
  }

  const videoIndex = format.findBestStream(AVMEDIA_TYPE_VIDEO);
  const audioIndex = format.findBestStream(AVMEDIA_TYPE_AUDIO);
  const hasVideoStream = videoIndex >= 0;
  const hasAudioStream = audioIndex >= 0;
  if (!hasVideoStream && !hasAudioStream) {
    await closeFormat(format, customIo);
    throw new StreamqcError('NO_MEDIA_STREAMS', 'no audio or video stream found');
  }
  const streams = format.streams;
  const videoStream = hasVideoStream && options.wantVideo ? streams[videoIndex] : undefined;
  const audioStream = hasAudioStream && options.wantAudio ? streams[audioIndex] : undefined;
  if (options.limits) {
    try {
      checkStreamLimits(
        declaredStream(format, hasVideoStream ? streams[videoIndex] : undefined),
        options.limits,
      );
    } catch (error) {
      await closeFormat(format, customIo);
      throw error;
    }
  }
  const video = videoStream ? await openDecoder(videoStream, options.decoderThreads, options.limits) : null;
  const audio = audioStream ? await openDecoder(audioStream, options.decoderThreads, options.limits) : null;
  if (!video && !audio && (videoStream || audioStream)) {
    await closeFormat(format, customIo);
    throw new StreamqcError('DECODER_UNAVAILABLE', 'no decoder for its streams');
  }

  let closed = false;
  return {
    url,
    isNetwork,
    format,
    formatName: format.iformat?.name ?? 'unknown',
    video,
    audio,
    hasVideoStream,
    hasAudioStream,
    close() {
      if (closed) return;
      closed = true;
      video?.decoder.freeContext();
      audio?.decoder.freeContext();
      if (customIo) format.pb = null;
      format.closeInputSync();
      customIo?.freeContext();
    },
  };
}
