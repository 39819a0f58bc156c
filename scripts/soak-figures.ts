/**
 * The soak run's accounting, as pure functions (tested in test/soak-figures.test.ts): memory growth after
 * warm-up from RSS samples, chunk results stored against the time a channel was watched (with the seconds
 * a killed worker was down accounted for), and injected faults matched to the incidents raised.
 */

export interface Sample {
  readonly atMs: number;
  readonly value: number;
}

export interface Growth {
  /** Least-squares slope over the samples after warm-up, per minute. */
  readonly slopePerMinute: number;
  /** That slope over the time after warm-up, as a share of the fitted value at the end of warm-up (%). */
  readonly growthPercent: number;
  readonly samples: number;
}

/** Growth of `samples` after the first `warmupMs` of them; null with fewer than 3 samples after warm-up. */
export function growthAfterWarmup(samples: readonly Sample[], warmupMs: number): Growth | null {
  const first = samples[0];
  if (!first) return null;
  const steady = samples.filter((sample) => sample.atMs >= first.atMs + warmupMs);
  const start = steady[0];
  const end = steady[steady.length - 1];
  if (!start || !end || steady.length < 3 || end.atMs === start.atMs) return null;
  const meanT = steady.reduce((sum, sample) => sum + (sample.atMs - start.atMs), 0) / steady.length;
  const meanV = steady.reduce((sum, sample) => sum + sample.value, 0) / steady.length;
  let covariance = 0;
  let variance = 0;
  for (const sample of steady) {
    const t = sample.atMs - start.atMs - meanT;
    covariance += t * (sample.value - meanV);
    variance += t * t;
  }
  const slopePerMs = covariance / variance;
  const atStart = meanV - slopePerMs * meanT;
  const growth = slopePerMs * (end.atMs - start.atMs);
  return {
    slopePerMinute: slopePerMs * 60_000,
    growthPercent: atStart > 0 ? (growth / atStart) * 100 : 0,
    samples: steady.length,
  };
}

export interface StoredChunk {
  readonly startedAtMs: number;
  readonly durationSeconds: number;
}

export interface DownInterval {
  /** When the worker was killed. */
  readonly fromMs: number;
  /** How long after a kill a gap in the results counts as the worker being down. */
  readonly allowMs: number;
}

export interface ChunkAccount {
  /** Seconds from the first stored chunk's start to the last one's end. */
  readonly watchedSeconds: number;
  readonly storedSeconds: number;
  /** Seconds missing in gaps that begin at a kill (the worker was down). */
  readonly downSeconds: number;
  /** Seconds missing in gaps no kill explains: lost results. */
  readonly lostSeconds: number;
  /** Seconds stored twice (overlapping chunks). */
  readonly duplicateSeconds: number;
}

/** A gap shorter than this between one chunk's end and the next one's start is timing jitter. */
const jitterSeconds = 0.5;

export function accountChunks(chunks: readonly StoredChunk[], kills: readonly DownInterval[]): ChunkAccount {
  const sorted = [...chunks].sort((a, b) => a.startedAtMs - b.startedAtMs);
  const first = sorted[0];
  if (!first)
    return { watchedSeconds: 0, storedSeconds: 0, downSeconds: 0, lostSeconds: 0, duplicateSeconds: 0 };
  let storedSeconds = 0;
  let downSeconds = 0;
  let lostSeconds = 0;
  let duplicateSeconds = 0;
  let endMs = first.startedAtMs;
  for (const chunk of sorted) {
    storedSeconds += chunk.durationSeconds;
    const gapSeconds = (chunk.startedAtMs - endMs) / 1000;
    if (gapSeconds > jitterSeconds) {
      // A gap that starts within a kill's allowance (the kill may come just after the last chunk stored).
      const explained = kills.some(
        (kill) =>
          kill.fromMs >= endMs - 2000 &&
          kill.fromMs <= chunk.startedAtMs &&
          endMs <= kill.fromMs + kill.allowMs,
      );
      if (explained) downSeconds += gapSeconds;
      else lostSeconds += gapSeconds;
    } else if (gapSeconds < -jitterSeconds) {
      duplicateSeconds += Math.min(-gapSeconds, chunk.durationSeconds);
    }
    endMs = Math.max(endMs, chunk.startedAtMs + chunk.durationSeconds * 1000);
  }
  return {
    watchedSeconds: (endMs - first.startedAtMs) / 1000,
    storedSeconds,
    downSeconds,
    lostSeconds,
    duplicateSeconds,
  };
}

export interface ExpectedFault {
  readonly channelId: string;
  readonly kind: string;
  /** Wall-clock onset of the injected fault. */
  readonly onsetMs: number;
  readonly endMs: number;
}

export interface RaisedIncident {
  readonly id: string;
  readonly channelId: string;
  readonly kind: string;
  readonly startedAtMs: number;
}

export interface FaultMatch {
  readonly expected: number;
  /** Faults raised exactly once. */
  readonly raisedOnce: number;
  readonly missed: readonly ExpectedFault[];
  /** Faults with more than one incident. */
  readonly raisedTwice: readonly ExpectedFault[];
  /** Incidents of the faults' kinds that match no fault. */
  readonly unexpected: readonly RaisedIncident[];
}

/**
 * Each fault is matched with the incidents of its channel and kind that started between `toleranceMs`
 * before its onset and its end (the sender's phase is known only to about a second).
 */
export function matchFaults(
  faults: readonly ExpectedFault[],
  incidents: readonly RaisedIncident[],
  toleranceMs: number,
): FaultMatch {
  const used = new Set<string>();
  const missed: ExpectedFault[] = [];
  const raisedTwice: ExpectedFault[] = [];
  let raisedOnce = 0;
  for (const fault of faults) {
    const matching = incidents.filter(
      (incident) =>
        incident.channelId === fault.channelId &&
        incident.kind === fault.kind &&
        incident.startedAtMs >= fault.onsetMs - toleranceMs &&
        incident.startedAtMs <= fault.endMs,
    );
    for (const incident of matching) used.add(incident.id);
    if (matching.length === 0) missed.push(fault);
    else if (matching.length === 1) raisedOnce += 1;
    else raisedTwice.push(fault);
  }
  const kinds = new Set(faults.map((fault) => `${fault.channelId}/${fault.kind}`));
  const unexpected = incidents.filter(
    (incident) => kinds.has(`${incident.channelId}/${incident.kind}`) && !used.has(incident.id),
  );
  return { expected: faults.length, raisedOnce, missed, raisedTwice, unexpected };
}
