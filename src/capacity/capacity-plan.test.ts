import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamqcError } from '../errors/streamqc-error.js';
import type { FileCosts, LiveCosts, ProfileCosts } from './bench-costs.js';
import { planCapacity, type PlanRequest } from './capacity-plan.js';

const machine = { cpuModel: 'test CPU', cores: 4, node: 'v20.0.0' };
// Round figures so the expected results are worked out by hand: 0.2 decode + 0.05 + 0.05 detectors = 0.3
// in file analysis; the live worker costs 0.4, so the live input adds 0.1.
const file: FileCosts = {
  measuredAtIso: '2026-11-26T12:00:00Z',
  machine,
  source: 'test',
  decodeCoresPerChannel: 0.2,
  detectorCoresPerChannel: { black: 0.05, freeze: 0.05 },
  peakRssMb: 200,
};
const live: LiveCosts = {
  measuredAtIso: '2026-11-26T12:00:00Z',
  machine,
  source: 'test',
  coresPerChannel: 0.4,
  rssMb: 250,
};

function request(costs: ProfileCosts, overrides: Partial<PlanRequest> = {}): PlanRequest {
  return {
    channels: 10,
    profile: 'test',
    costs,
    detectorIds: null,
    allDetectorIds: ['black', 'freeze', 'silence'],
    targetLoad: 0.8,
    coresPerWorker: 4,
    ...overrides,
  };
}

const close = (actual: number | null, expected: number) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);

describe('planCapacity', () => {
  it('adds decode, the selected detectors and the live-input overhead, then fills workers to the target load', () => {
    const plan = planCapacity(request({ file, live }));
    close(plan.perChannel.decodeCores, 0.2);
    close(plan.perChannel.detectorCores, 0.1);
    close(plan.perChannel.liveInputCores, 0.1);
    close(plan.perChannel.totalCores, 0.4);
    close(plan.coresNeeded, 5); // 10 x 0.4 / 0.8
    assert.equal(plan.channelsPerWorker, 8); // 4 cores x 0.8 / 0.4
    assert.equal(plan.workersNeeded, 2);
    assert.equal(plan.memoryPerWorkerMb, 8 * 250, 'live RSS per channel');
    assert.deepEqual(plan.notes, ['no figure for silence: counted as 0 (too small to measure)']);
  });

  it('a detector subset costs only its detectors', () => {
    const plan = planCapacity(request({ file, live }, { detectorIds: ['black'] }));
    close(plan.perChannel.totalCores, 0.35);
    close(plan.coresNeeded, 4.375);
    assert.equal(plan.channelsPerWorker, 9); // 3.2 / 0.35 = 9.14
    assert.equal(plan.workersNeeded, 2);
    assert.deepEqual(plan.notes, []);
  });

  it('counts whole channels where floating point lands a hair below (4 x 0.7 / 0.35 = 8)', () => {
    const plan = planCapacity(
      request({ live: { ...live, coresPerChannel: 0.35 } }, { channels: 16, targetLoad: 0.7 }),
    );
    assert.equal(plan.channelsPerWorker, 8);
    assert.equal(plan.workersNeeded, 2);
  });

  it('says what is missing: no live measurement, or no per-detector figures', () => {
    const fileOnly = planCapacity(request({ file }));
    close(fileOnly.perChannel.totalCores, 0.3);
    assert.equal(fileOnly.perChannel.liveInputCores, null);
    assert.equal(fileOnly.perChannel.memoryBasis, 'file analysis peak RSS');
    assert.ok(fileOnly.notes.some((note) => note.startsWith('no live measurement for test')));

    const liveOnly = planCapacity(request({ live }, { detectorIds: ['black'] }));
    close(liveOnly.perChannel.totalCores, 0.4);
    assert.equal(liveOnly.perChannel.decodeCores, null);
    assert.ok(liveOnly.notes.some((note) => note.includes('the cost of every detector is used')));
  });

  it('refuses what cannot be planned, with a message naming the option', () => {
    const fails = (overrides: Partial<PlanRequest>, pattern: RegExp, costs: ProfileCosts = { file, live }) =>
      assert.throws(
        () => planCapacity(request(costs, overrides)),
        (error: unknown) => error instanceof StreamqcError && pattern.test(error.message),
      );
    fails({ channels: 0 }, /--channels/);
    fails({ channels: 2.5 }, /--channels/);
    fails({ targetLoad: 0 }, /--target-load/);
    fails({ targetLoad: 1.5 }, /--target-load/);
    fails({ coresPerWorker: -1 }, /--cores-per-worker/);
    fails({ detectorIds: ['black', 'nope'] }, /unknown detector\(s\) nope/);
    fails({ coresPerWorker: 0.25 }, /holds none/);
    fails({}, /no cost figures/, {});
  });
});
