/** Rounding for figures in reports: enough precision to compare, few digits to read. */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** dBFS of a linear amplitude (1.0 = full scale); -Infinity for 0. */
export function amplitudeToDbfs(amplitude: number): number {
  return 20 * Math.log10(amplitude);
}

export function dbfsToAmplitude(levelDbfs: number): number {
  return 10 ** (levelDbfs / 20);
}
