/** The building blocks every fault fixture shares: a small H.264 picture and stereo AAC from callbacks. */
import { writeClip, type AudioSpec, type ClipSpec, type VideoSpec } from './clip-writer.js';
import { drawMovingPattern, programmeSound } from './patterns.js';

export const fixtureFps = 25;
export const fixtureSampleRate = 48_000;

/** 320x240 at 25 fps, x264 CRF 23, drawn by `draw`. */
export function videoSpec(draw: VideoSpec['draw'], extra: Partial<VideoSpec> = {}): VideoSpec {
  return {
    width: 320,
    height: 240,
    framesPerSecond: fixtureFps,
    codec: 'libx264',
    options: { crf: '23' },
    draw,
    ...extra,
  };
}

/** Stereo 48 kHz AAC whose sample `index` of `channel` is `sample(index, channel)`. */
export function audioSpec(
  sample: (index: number, channel: number) => number,
  extra: Partial<AudioSpec> = {},
): AudioSpec {
  return {
    sampleRate: fixtureSampleRate,
    channels: 2,
    codec: 'aac',
    fill(start, out) {
      out.forEach((samples, channel) => {
        for (let i = 0; i < samples.length; i++) samples[i] = sample(start + i, channel);
      });
    },
    ...extra,
  };
}

export const movingVideo = videoSpec((index, planes) => drawMovingPattern(planes, index));
export const programme = (index: number, channel: number): number =>
  programmeSound(index, fixtureSampleRate, channel);

/** An mp4 of moving pictures and programme sound, with `parts` replaced. */
export function fixtureClip(path: string, durationSeconds: number, parts: Partial<ClipSpec>): Promise<void> {
  return writeClip({
    path,
    container: 'mp4',
    durationSeconds,
    video: movingVideo,
    audio: audioSpec(programme),
    ...parts,
  });
}
