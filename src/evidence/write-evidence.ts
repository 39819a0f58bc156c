/**
 * Evidence for an incident: a clip around its onset, remuxed from buffered packets (no re-encode, so it
 * costs almost nothing and shows exactly what was received) into MP4, which browsers play inline (the
 * container follows the file name's extension: `.ts` gives MPEG-TS), and a JPEG thumbnail of the
 * first picture at or after the onset (decoded from the same packets, encoded with FFmpeg's MJPEG encoder).
 */
import {
  Codec,
  CodecContext,
  FormatContext,
  Frame,
  Packet,
  Rational,
  SoftwareScaleContext,
  type Stream,
} from 'node-av/lib';
import {
  AV_PIX_FMT_YUVJ420P,
  AVERROR_EAGAIN,
  AVERROR_EOF,
  AVMEDIA_TYPE_VIDEO,
  SWS_BILINEAR,
} from 'node-av/constants';
import { writeFile } from 'node:fs/promises';
import type { BufferedPacket } from './packet-ring.js';

/** Writes `packets` to a file (MP4, or MPEG-TS for `.ts`), from the first video key frame. False when nothing fit. */
export async function writeClip(path: string, packets: readonly BufferedPacket[]): Promise<boolean> {
  const firstKey = packets.findIndex(
    (p) => p.stream.codecpar.codecType === AVMEDIA_TYPE_VIDEO && p.packet.isKeyframe,
  );
  const hasVideo = packets.some((p) => p.stream.codecpar.codecType === AVMEDIA_TYPE_VIDEO);
  const usable = hasVideo ? (firstKey >= 0 ? packets.slice(firstKey) : []) : packets;
  if (usable.length === 0) return false;
  const output = new FormatContext();
  if (output.allocOutputContext2(null, path.endsWith('.ts') ? 'mpegts' : 'mp4', path) < 0) return false;
  const outputStreams = new Map<Stream, Stream>();
  for (const { stream } of usable) {
    if (outputStreams.has(stream)) continue;
    const created = output.newStream(null);
    stream.codecpar.copy(created.codecpar);
    created.codecpar.codecTag = 0;
    created.timeBase = stream.timeBase;
    outputStreams.set(stream, created);
  }
  try {
    if ((await output.openOutput()) < 0 || (await output.writeHeader(null)) < 0) return false;
    const packet = new Packet();
    packet.alloc();
    for (const { packet: source, stream } of usable) {
      const target = outputStreams.get(stream);
      if (!target) continue;
      packet.ref(source);
      packet.streamIndex = target.index;
      packet.rescaleTs(stream.timeBase, target.timeBase);
      await output.interleavedWriteFrame(packet);
      packet.unref();
    }
    await output.writeTrailer();
    packet.free();
    return true;
  } finally {
    await output.closeOutput();
    output.freeContext();
  }
}

/** Decodes the video packets from their first key frame and saves the first picture at or after `atMs`. */
export async function writeThumbnail(
  path: string,
  packets: readonly BufferedPacket[],
  atMs: number,
  maxWidth = 640,
): Promise<boolean> {
  const video = packets.filter((p) => p.stream.codecpar.codecType === AVMEDIA_TYPE_VIDEO);
  const firstKey = video.findIndex((p) => p.packet.isKeyframe);
  if (firstKey < 0) return false;
  const stream = video[firstKey]?.stream;
  const codec = stream ? Codec.findDecoder(stream.codecpar.codecId) : null;
  if (!stream || !codec) return false;
  const decoder = new CodecContext();
  decoder.allocContext3(codec);
  decoder.parametersToContext(stream.codecpar);
  decoder.pktTimebase = stream.timeBase;
  if ((await decoder.open2(codec, null)) < 0) return false;
  const frame = new Frame();
  frame.alloc();
  try {
    for (const buffered of video.slice(firstKey)) {
      await decoder.sendPacket(buffered.packet);
      for (;;) {
        const received = await decoder.receiveFrame(frame);
        if (received === AVERROR_EAGAIN || received === AVERROR_EOF || received < 0) break;
        if (buffered.readAtMs >= atMs || buffered === video[video.length - 1]) {
          const jpeg = await encodeJpeg(frame, maxWidth);
          if (!jpeg) return false;
          await writeFile(path, jpeg);
          return true;
        }
        frame.unref();
      }
    }
    return false;
  } finally {
    frame.free();
    decoder.freeContext();
  }
}

/** A JPEG of `picture` scaled to at most `maxWidth` pixels wide (live thumbnails and evidence). */
export async function encodeJpeg(picture: Frame, maxWidth: number): Promise<Buffer | null> {
  const scale = Math.min(1, maxWidth / picture.width);
  const width = Math.max(2, Math.round((picture.width * scale) / 2) * 2);
  const height = Math.max(2, Math.round((picture.height * scale) / 2) * 2);
  const scaler = new SoftwareScaleContext();
  const converted = new Frame();
  converted.alloc();
  converted.format = AV_PIX_FMT_YUVJ420P;
  converted.width = width;
  converted.height = height;
  const codec = Codec.findEncoderByName('mjpeg' as Parameters<typeof Codec.findEncoderByName>[0]);
  const encoder = new CodecContext();
  const packet = new Packet();
  packet.alloc();
  try {
    // sws_getContext hands back a context already initialised, and throws here when it cannot make one. It
    // must not be initialised again (initContext): that allocates its filters a second time and loses the
    // first set, about 40 KB for every thumbnail, which was the channel workers' steady RSS growth.
    scaler.getContext(
      picture.width,
      picture.height,
      picture.format as never,
      width,
      height,
      AV_PIX_FMT_YUVJ420P,
      SWS_BILINEAR,
    );
    if (!codec || converted.getBuffer(32) < 0) return null;
    if (scaler.scaleFrameSync(converted, picture) < 0) return null;
    encoder.allocContext3(codec);
    encoder.width = width;
    encoder.height = height;
    encoder.pixelFormat = AV_PIX_FMT_YUVJ420P;
    encoder.timeBase = new Rational(1, 25);
    if ((await encoder.open2(codec, null)) < 0) return null;
    converted.pts = 0n;
    await encoder.sendFrame(converted);
    await encoder.sendFrame(null);
    if ((await encoder.receivePacket(packet)) < 0 || !packet.data) return null;
    return Buffer.from(packet.data);
  } catch {
    return null;
  } finally {
    packet.free();
    encoder.freeContext();
    converted.free();
    scaler.freeContext();
  }
}
