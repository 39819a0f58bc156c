/** Sample-level helpers shared by the audio detectors. */

/** Calls `visit` for each maximal run of samples that are all below (quiet) or not below `threshold`. */
export function forEachLevelRun(
  samples: Float32Array,
  threshold: number,
  visit: (startIndex: number, endIndex: number, quiet: boolean) => void,
): void {
  const length = samples.length;
  if (length === 0) return;
  let runStart = 0;
  let quiet = Math.abs(samples[0] ?? 0) < threshold;
  for (let i = 1; i < length; i++) {
    const value = samples[i] ?? 0;
    const isQuiet = (value < 0 ? -value : value) < threshold;
    if (isQuiet !== quiet) {
      visit(runStart, i, quiet);
      runStart = i;
      quiet = isQuiet;
    }
  }
  visit(runStart, length, quiet);
}

/** Per-sample maximum absolute value across channels. */
export function maxAbsAcrossChannels(channels: readonly Float32Array[]): Float32Array {
  const length = channels[0]?.length ?? 0;
  const out = new Float32Array(length);
  for (const channel of channels) {
    for (let i = 0; i < length; i++) {
      const value = channel[i] ?? 0;
      const magnitude = value < 0 ? -value : value;
      if (magnitude > (out[i] ?? 0)) out[i] = magnitude;
    }
  }
  return out;
}

/** Peak absolute sample value of one channel. */
export function peakOf(samples: Float32Array): number {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const value = samples[i] ?? 0;
    const magnitude = value < 0 ? -value : value;
    if (magnitude > peak) peak = magnitude;
  }
  return peak;
}
