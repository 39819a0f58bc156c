/**
 * Converts a decoded audio frame, in whatever sample format the decoder gives, into one Float32Array per
 * channel in [-1, 1].
 */
import type { Frame } from 'node-av/lib';
import {
  AV_SAMPLE_FMT_DBL,
  AV_SAMPLE_FMT_DBLP,
  AV_SAMPLE_FMT_FLT,
  AV_SAMPLE_FMT_FLTP,
  AV_SAMPLE_FMT_S16,
  AV_SAMPLE_FMT_S16P,
  AV_SAMPLE_FMT_S32,
  AV_SAMPLE_FMT_S32P,
  AV_SAMPLE_FMT_U8,
  AV_SAMPLE_FMT_U8P,
} from 'node-av/constants';

type SampleReader = (view: DataView, index: number) => number;

interface SampleLayout {
  readonly planar: boolean;
  readonly bytesPerSample: number;
  readonly read: SampleReader;
}

const layouts = new Map<number, SampleLayout>([
  [AV_SAMPLE_FMT_U8, { planar: false, bytesPerSample: 1, read: (v, i) => (v.getUint8(i) - 128) / 128 }],
  [AV_SAMPLE_FMT_U8P, { planar: true, bytesPerSample: 1, read: (v, i) => (v.getUint8(i) - 128) / 128 }],
  [AV_SAMPLE_FMT_S16, { planar: false, bytesPerSample: 2, read: (v, i) => v.getInt16(i * 2, true) / 32768 }],
  [AV_SAMPLE_FMT_S16P, { planar: true, bytesPerSample: 2, read: (v, i) => v.getInt16(i * 2, true) / 32768 }],
  [
    AV_SAMPLE_FMT_S32,
    { planar: false, bytesPerSample: 4, read: (v, i) => v.getInt32(i * 4, true) / 2147483648 },
  ],
  [
    AV_SAMPLE_FMT_S32P,
    { planar: true, bytesPerSample: 4, read: (v, i) => v.getInt32(i * 4, true) / 2147483648 },
  ],
  [AV_SAMPLE_FMT_FLT, { planar: false, bytesPerSample: 4, read: (v, i) => v.getFloat32(i * 4, true) }],
  [AV_SAMPLE_FMT_FLTP, { planar: true, bytesPerSample: 4, read: (v, i) => v.getFloat32(i * 4, true) }],
  [AV_SAMPLE_FMT_DBL, { planar: false, bytesPerSample: 8, read: (v, i) => v.getFloat64(i * 8, true) }],
  [AV_SAMPLE_FMT_DBLP, { planar: true, bytesPerSample: 8, read: (v, i) => v.getFloat64(i * 8, true) }],
]);

export function isSupportedSampleFormat(format: number): boolean {
  return layouts.has(format);
}

/** Float planar frames (the common case for AAC, MP3, Opus) are copied with a typed-array view, no per-sample calls. */
function copyFloatPlane(buffer: Buffer, sampleCount: number): Float32Array {
  const out = new Float32Array(sampleCount);
  if (buffer.byteOffset % 4 === 0) {
    out.set(new Float32Array(buffer.buffer, buffer.byteOffset, sampleCount));
  } else {
    const view = new DataView(buffer.buffer, buffer.byteOffset, sampleCount * 4);
    for (let i = 0; i < sampleCount; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/** Returns null for a sample format we cannot read. */
export function audioFrameToFloat(frame: Frame): Float32Array[] | null {
  const layout = layouts.get(frame.format);
  const planes = frame.extendedData ?? frame.data;
  if (!layout || !planes) return null;
  const sampleCount = frame.nbSamples;
  const channelCount = frame.channels;
  const channels: Float32Array[] = [];
  if (frame.format === AV_SAMPLE_FMT_FLTP) {
    for (let c = 0; c < channelCount; c++) {
      const plane = planes[c];
      channels.push(plane ? copyFloatPlane(plane, sampleCount) : new Float32Array(sampleCount));
    }
    return channels;
  }
  for (let c = 0; c < channelCount; c++) channels.push(new Float32Array(sampleCount));
  if (layout.planar) {
    for (let c = 0; c < channelCount; c++) {
      const plane = planes[c];
      const out = channels[c];
      if (!plane || !out) continue;
      const view = new DataView(plane.buffer, plane.byteOffset, sampleCount * layout.bytesPerSample);
      for (let i = 0; i < sampleCount; i++) out[i] = layout.read(view, i);
    }
  } else {
    const plane = planes[0];
    if (!plane) return channels;
    const view = new DataView(
      plane.buffer,
      plane.byteOffset,
      sampleCount * channelCount * layout.bytesPerSample,
    );
    for (let i = 0; i < sampleCount; i++) {
      for (let c = 0; c < channelCount; c++) {
        const out = channels[c];
        if (out) out[i] = layout.read(view, i * channelCount + c);
      }
    }
  }
  return channels;
}
