/**
 * Turns a decoded picture into the VideoFrame detectors see: the 8-bit luma plane (zero-copy where the
 * decoder already gives planar 8-bit YUV, converted to gray by swscale otherwise), planar chroma where
 * available, and the decoder's corruption flags.
 */
import { Frame, SoftwareScaleContext } from 'node-av/lib';
import {
  AV_FRAME_FLAG_CORRUPT,
  AV_FRAME_FLAG_KEY,
  AV_PIX_FMT_GRAY8,
  AV_PIX_FMT_NV12,
  AV_PIX_FMT_NV21,
  AV_PIX_FMT_YUV410P,
  AV_PIX_FMT_YUV411P,
  AV_PIX_FMT_YUV420P,
  AV_PIX_FMT_YUV422P,
  AV_PIX_FMT_YUV440P,
  AV_PIX_FMT_YUV444P,
  AV_PIX_FMT_YUVA420P,
  AV_PIX_FMT_YUVJ420P,
  AV_PIX_FMT_YUVJ422P,
  AV_PIX_FMT_YUVJ440P,
  AV_PIX_FMT_YUVJ444P,
  AVCOL_RANGE_JPEG,
  SWS_POINT,
} from 'node-av/constants';
import type { ChromaPlanes, VideoFrame } from './chunk.js';
import { sampleLumaPlane } from './features/luma-sample.js';
import { PictureSampler } from './features/picture-sampler.js';

/** Planar formats whose first plane is 8-bit luma, with their chroma subsampling (log2 x, log2 y). */
const planarYuv = new Map<number, readonly [number, number] | null>([
  [AV_PIX_FMT_YUV420P, [1, 1]],
  [AV_PIX_FMT_YUVJ420P, [1, 1]],
  [AV_PIX_FMT_YUVA420P, [1, 1]],
  [AV_PIX_FMT_YUV422P, [1, 0]],
  [AV_PIX_FMT_YUVJ422P, [1, 0]],
  [AV_PIX_FMT_YUV444P, [0, 0]],
  [AV_PIX_FMT_YUVJ444P, [0, 0]],
  [AV_PIX_FMT_YUV440P, [0, 1]],
  [AV_PIX_FMT_YUVJ440P, [0, 1]],
  [AV_PIX_FMT_YUV411P, [2, 0]],
  [AV_PIX_FMT_YUV410P, [2, 2]],
  [AV_PIX_FMT_GRAY8, null],
  [AV_PIX_FMT_NV12, null],
  [AV_PIX_FMT_NV21, null],
]);

const fullRangeFormats = new Set<number>([
  AV_PIX_FMT_YUVJ420P,
  AV_PIX_FMT_YUVJ422P,
  AV_PIX_FMT_YUVJ444P,
  AV_PIX_FMT_YUVJ440P,
]);

/** Enough for about two 1-second chunks at 60 fps. */
const maxPooledBuffers = 128;

export interface FrameTiming {
  readonly timeSeconds: number;
  readonly durationSeconds: number;
}

/** A VideoFrame plus a hook to free memory it borrows (kept so a zero-copy path can come back). */
export interface HeldVideoFrame {
  readonly frame: VideoFrame;
  release(): void;
}

/** Converts pictures of any pixel format; keeps one swscale context for formats that need conversion. */
export class VideoFrameConverter {
  private scaler: SoftwareScaleContext | null = null;
  private scalerKey = '';

  /**
   * Luma buffers come back here when their chunk is released and are reused: allocating a fresh 2 MB buffer
   * per 1080p frame let garbage pile up to twice the live memory before the collector ran.
   */
  private readonly pool: Uint8Array[] = [];
  private poolBytes = 0;

  private readonly fullLuma: PictureSampler | null;

  /**
   * `fullLumaPerSecond`: keep the full-resolution luma plane of about this many pictures a second (Infinity:
   * all); the others keep only their luma sample. `wantChroma`: copy the chroma planes too.
   */
  constructor(
    fullLumaPerSecond = Infinity,
    private readonly wantChroma = false,
  ) {
    this.fullLuma = fullLumaPerSecond === Infinity ? null : new PictureSampler(fullLumaPerSecond);
  }

  private takeBuffer(bytes: number): Uint8Array {
    if (bytes !== this.poolBytes) {
      this.pool.length = 0;
      this.poolBytes = bytes;
    }
    return this.pool.pop() ?? new Uint8Array(bytes);
  }

  private giveBack(buffer: Uint8Array): void {
    if (buffer.length === this.poolBytes && this.pool.length < maxPooledBuffers) this.pool.push(buffer);
  }

  convert(decoded: Frame, timing: FrameTiming, corruptFromDecoder: boolean): HeldVideoFrame | null {
    const layout = planarYuv.get(decoded.format);
    const source = layout === undefined ? this.toGray(decoded) : decoded;
    if (!source) return null;
    const planes = source.data;
    const strides = source.linesize;
    const lumaPlane = planes?.[0];
    const lumaStride = strides[0] ?? 0;
    if (!lumaPlane || lumaStride <= 0) {
      if (source !== decoded) source.free();
      return null;
    }
    // Copy the planes detectors read (full luma where asked, chroma on request) and let the decoder reuse its
    // buffer at once: holding whole decoded pictures for a 1-second chunk costs half as much memory again.
    const keepLuma = this.fullLuma === null || this.fullLuma.takes(timing.timeSeconds);
    const lumaBytes = lumaStride * source.height;
    const luma = keepLuma ? this.takeBuffer(lumaBytes) : null;
    luma?.set(lumaPlane.subarray(0, lumaBytes));
    const sample = luma ? undefined : sampleLumaPlane(lumaPlane, lumaStride, source.width, source.height);
    const fullRange =
      decoded.colorRange === AVCOL_RANGE_JPEG || fullRangeFormats.has(decoded.format) || layout === undefined;
    const chroma = layout && this.wantChroma ? chromaPlanes(source, layout) : null;
    const width = source.width;
    const height = source.height;
    if (source !== decoded) source.free();
    const frame: VideoFrame = {
      timeSeconds: timing.timeSeconds,
      durationSeconds: timing.durationSeconds,
      width,
      height,
      luma,
      lumaStride,
      ...(sample ? { lumaSample: sample } : {}),
      blackLevel: fullRange ? 0 : 16,
      whiteLevel: fullRange ? 255 : 235,
      chroma,
      keyFrame: decoded.hasFlags(AV_FRAME_FLAG_KEY),
      corrupt:
        corruptFromDecoder || decoded.hasFlags(AV_FRAME_FLAG_CORRUPT) || decoded.decodeErrorFlags !== 0,
    };
    let released = false;
    return {
      frame,
      release: () => {
        if (released) return;
        released = true;
        if (luma) this.giveBack(luma);
      },
    };
  }

  close(): void {
    this.scaler?.freeContext();
    this.scaler = null;
  }

  /** RGB, packed YUV, 10-bit and other formats: convert to 8-bit full-range gray. */
  private toGray(decoded: Frame): Frame | null {
    const key = `${decoded.width}x${decoded.height}:${decoded.format}`;
    if (!this.scaler || key !== this.scalerKey) {
      this.scaler?.freeContext();
      this.scaler = new SoftwareScaleContext();
      // getContext hands back an initialised context (and throws when it cannot make one); initialising it
      // again would allocate its filters twice and lose the first set (see encodeJpeg).
      try {
        this.scaler.getContext(
          decoded.width,
          decoded.height,
          decoded.format as unknown as Parameters<SoftwareScaleContext['getContext']>[2],
          decoded.width,
          decoded.height,
          AV_PIX_FMT_GRAY8,
          SWS_POINT,
        );
      } catch {
        this.scaler = null;
        return null;
      }
      this.scalerKey = key;
    }
    const gray = new Frame();
    gray.alloc();
    gray.format = AV_PIX_FMT_GRAY8;
    gray.width = decoded.width;
    gray.height = decoded.height;
    if (gray.getBuffer(32) < 0 || this.scaler.scaleFrameSync(gray, decoded) < 0) {
      gray.free();
      return null;
    }
    return gray;
  }
}

function chromaPlanes(frame: Frame, subsampling: readonly [number, number] | null): ChromaPlanes | null {
  if (!subsampling) return null;
  const u = frame.data?.[1];
  const v = frame.data?.[2];
  const stride = frame.linesize[1] ?? 0;
  if (!u || !v || stride <= 0) return null;
  const [shiftX, shiftY] = subsampling;
  const height = (frame.height + (1 << shiftY) - 1) >> shiftY;
  return {
    u: new Uint8Array(u.subarray(0, stride * height)),
    v: new Uint8Array(v.subarray(0, stride * height)),
    stride,
    width: (frame.width + (1 << shiftX) - 1) >> shiftX,
    height,
  };
}
