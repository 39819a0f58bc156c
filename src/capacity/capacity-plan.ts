/**
 * Cores and workers for N channels, from one profile's measured per-channel cost. Pure arithmetic.
 *
 * Per channel: decode + the selected detectors (file analysis, `npm run bench`) + the live-input overhead,
 * which is what one live channel's worker costs (`npm run bench:live`) beyond decode and every detector
 * (network reads, the evidence buffer). A worker of `coresPerWorker` cores is filled to `targetLoad`.
 */
import { StreamqcError } from '../errors/streamqc-error.js';
import type { ProfileCosts } from './bench-costs.js';

export interface PlanRequest {
  readonly channels: number;
  readonly profile: string;
  readonly costs: ProfileCosts;
  /** The detectors each channel runs; null: every detector. */
  readonly detectorIds: readonly string[] | null;
  readonly allDetectorIds: readonly string[];
  /** 0-1: the share of each worker's cores that channels may use; the rest is headroom. */
  readonly targetLoad: number;
  readonly coresPerWorker: number;
}

export interface PerChannelCost {
  /** Null where only a live measurement exists (then `totalCores` is that measurement). */
  readonly decodeCores: number | null;
  readonly detectorCores: number | null;
  /** Null where no live measurement exists. */
  readonly liveInputCores: number | null;
  readonly totalCores: number;
  readonly memoryMb: number;
  readonly memoryBasis: 'live worker RSS' | 'file analysis peak RSS';
}

export interface CapacityPlan {
  readonly channels: number;
  readonly profile: string;
  readonly detectorIds: readonly string[];
  readonly targetLoad: number;
  readonly coresPerWorker: number;
  readonly perChannel: PerChannelCost;
  /** channels x per-channel cores / target load. */
  readonly coresNeeded: number;
  readonly channelsPerWorker: number;
  readonly workersNeeded: number;
  /** The channels' workers on one fully used worker machine; the monitor process comes on top. */
  readonly memoryPerWorkerMb: number;
  /** What the figures leave out, for the reader. */
  readonly notes: readonly string[];
}

/** Products like 4 x 0.7 / 0.35 land a hair under a whole number; such a count is that whole number. */
const floorWithTolerance = (value: number): number => Math.floor(value + 1e-9);

function perChannelCost(request: PlanRequest, selected: readonly string[], notes: string[]): PerChannelCost {
  const { file, live } = request.costs;
  if (!file && !live) {
    throw new StreamqcError('BAD_CONFIG', `profile '${request.profile}' has no cost figures`);
  }
  const memory = live
    ? { memoryMb: live.rssMb, memoryBasis: 'live worker RSS' as const }
    : { memoryMb: file?.peakRssMb ?? 0, memoryBasis: 'file analysis peak RSS' as const };
  if (!file) {
    if (request.detectorIds !== null)
      notes.push(`no per-detector figures for ${request.profile}: the cost of every detector is used`);
    return {
      decodeCores: null,
      detectorCores: null,
      liveInputCores: null,
      totalCores: live?.coresPerChannel ?? 0,
      ...memory,
    };
  }
  const unmeasured = selected.filter((id) => file.detectorCoresPerChannel[id] === undefined);
  if (unmeasured.length > 0)
    notes.push(`no figure for ${unmeasured.join(', ')}: counted as 0 (too small to measure)`);
  const detectorCores = selected.reduce((sum, id) => sum + (file.detectorCoresPerChannel[id] ?? 0), 0);
  const everyDetectorCores = Object.values(file.detectorCoresPerChannel).reduce((a, b) => a + b, 0);
  let liveInputCores: number | null = null;
  if (live)
    liveInputCores = Math.max(0, live.coresPerChannel - file.decodeCoresPerChannel - everyDetectorCores);
  else notes.push(`no live measurement for ${request.profile} (npm run bench:live): live inputs cost more`);
  return {
    decodeCores: file.decodeCoresPerChannel,
    detectorCores,
    liveInputCores,
    totalCores: file.decodeCoresPerChannel + detectorCores + (liveInputCores ?? 0),
    ...memory,
  };
}

export function planCapacity(request: PlanRequest): CapacityPlan {
  if (!Number.isSafeInteger(request.channels) || request.channels < 1)
    throw new StreamqcError('BAD_USAGE', `--channels must be a whole number >= 1, not ${request.channels}`);
  if (!(request.targetLoad > 0 && request.targetLoad <= 1))
    throw new StreamqcError(
      'BAD_USAGE',
      `--target-load must be above 0 and at most 1, not ${request.targetLoad}`,
    );
  if (!(request.coresPerWorker > 0))
    throw new StreamqcError('BAD_USAGE', `--cores-per-worker must be above 0, not ${request.coresPerWorker}`);
  const unknown = (request.detectorIds ?? []).filter((id) => !request.allDetectorIds.includes(id));
  if (unknown.length > 0) {
    throw new StreamqcError(
      'BAD_USAGE',
      `unknown detector(s) ${unknown.join(', ')}; known: ${request.allDetectorIds.join(', ')}`,
    );
  }
  const selected = request.detectorIds ?? request.allDetectorIds;
  const notes: string[] = [];
  const perChannel = perChannelCost(request, selected, notes);
  const channelsPerWorker = floorWithTolerance(
    (request.coresPerWorker * request.targetLoad) / perChannel.totalCores,
  );
  if (channelsPerWorker < 1) {
    throw new StreamqcError(
      'BAD_USAGE',
      `one ${request.profile} channel needs ${perChannel.totalCores.toFixed(3)} cores: a worker of ` +
        `${request.coresPerWorker} core(s) at ${request.targetLoad} load holds none; raise --cores-per-worker`,
    );
  }
  return {
    channels: request.channels,
    profile: request.profile,
    detectorIds: selected,
    targetLoad: request.targetLoad,
    coresPerWorker: request.coresPerWorker,
    perChannel,
    coresNeeded: (request.channels * perChannel.totalCores) / request.targetLoad,
    channelsPerWorker,
    workersNeeded: Math.ceil(request.channels / channelsPerWorker),
    memoryPerWorkerMb: Math.min(channelsPerWorker, request.channels) * perChannel.memoryMb,
    notes,
  };
}
