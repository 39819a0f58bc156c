import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountChunks, growthAfterWarmup, matchFaults } from '../scripts/soak-figures.js';

const minute = 60_000;

describe('soak accounting', () => {
  it('measures growth after warm-up only, as a share of the value where warm-up ended', () => {
    // 100 MB climbing 50 MB during a 2-minute warm-up, then 1 MB per minute for 10 minutes: 150 -> 160.
    const samples = Array.from({ length: 73 }, (_, index) => {
      const atMs = index * 10_000;
      const value = atMs < 2 * minute ? 100 + (50 * atMs) / (2 * minute) : 150 + (atMs - 2 * minute) / minute;
      return { atMs, value };
    });
    const growth = growthAfterWarmup(samples, 2 * minute);
    assert.ok(growth);
    assert.ok(Math.abs(growth.slopePerMinute - 1) < 1e-9, `${growth.slopePerMinute}`);
    assert.ok(Math.abs(growth.growthPercent - (10 / 150) * 100) < 1e-6, `${growth.growthPercent}`);
    assert.equal(growthAfterWarmup(samples.slice(0, 12), 2 * minute), null);
  });

  it('tells seconds a killed worker was down from lost results and duplicates', () => {
    const second = (atSeconds: number) => ({ startedAtMs: atSeconds * 1000, durationSeconds: 1 });
    const chunks = [
      ...Array.from({ length: 10 }, (_, i) => second(i)), // 0-10
      ...Array.from({ length: 10 }, (_, i) => second(16 + i)), // killed at 10: down 6 s
      ...Array.from({ length: 10 }, (_, i) => second(29 + i)), // 3 s lost with no kill
      second(38), // stored twice
    ];
    const account = accountChunks(chunks, [{ fromMs: 10_000, allowMs: 60_000 }]);
    assert.deepEqual(account, {
      watchedSeconds: 39,
      storedSeconds: 31,
      downSeconds: 6,
      lostSeconds: 3,
      duplicateSeconds: 1,
    });
  });

  it('matches each fault with the incidents of its channel and kind', () => {
    const faults = [
      { channelId: 'a', kind: 'black', onsetMs: 20_000, endMs: 28_000 },
      { channelId: 'a', kind: 'black', onsetMs: 80_000, endMs: 88_000 },
      { channelId: 'a', kind: 'black', onsetMs: 140_000, endMs: 148_000 },
      { channelId: 'b', kind: 'silence', onsetMs: 30_000, endMs: 45_000 },
    ];
    const incidents = [
      { id: '1', channelId: 'a', kind: 'black', startedAtMs: 19_000 },
      { id: '2', channelId: 'a', kind: 'black', startedAtMs: 141_000 },
      { id: '3', channelId: 'a', kind: 'black', startedAtMs: 145_000 },
      { id: '4', channelId: 'a', kind: 'black', startedAtMs: 60_000 },
      { id: '5', channelId: 'b', kind: 'silence', startedAtMs: 30_500 },
      { id: '6', channelId: 'b', kind: 'black', startedAtMs: 30_500 },
    ];
    const match = matchFaults(faults, incidents, 3000);
    assert.equal(match.expected, 4);
    assert.equal(match.raisedOnce, 2);
    assert.deepEqual(match.missed, [faults[1]]);
    assert.deepEqual(match.raisedTwice, [faults[2]]);
    assert.deepEqual(
      match.unexpected.map((incident) => incident.id),
      ['4'],
    );
  });
});
