import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countsRecord, tsCheckCount, TsCheck } from './ts-checks.js';
import {
  mergeTransportFigures,
  readTransportFigures,
  sumTransportWindows,
} from './transport-chunk-figures.js';
import type { TsWindow } from './ts-window.js';

function window(startSeconds: number, errors: Partial<Record<number, number>>, packets: number): TsWindow {
  const counts = new Float64Array(tsCheckCount);
  for (const [check, count] of Object.entries(errors)) counts[Number(check)] = count ?? 0;
  return {
    startSeconds,
    endSeconds: startSeconds + 1,
    counts: countsRecord(counts),
    packets,
    receiveDroppedPackets: 0,
    suppressedContinuityErrors: 0,
    pids: [{ pid: 0x100, packets, bitrateBps: packets * 1504, bitrateByPcrBps: null }],
  };
}

describe('transport chunk figures', () => {
  it('sums windows, also of two analyser sessions, and merges periods into the same figures', () => {
    // Two sessions (an HLS discontinuity): 0-2 s, then 0-1 s of the next.
    const windows = [
      window(0, { [TsCheck.continuity]: 2 }, 1000),
      window(1, { [TsCheck.crc]: 1 }, 1000),
      window(0, { [TsCheck.pat]: 1 }, 500),
    ];
    const all = sumTransportWindows(windows);
    assert.ok(all);
    assert.equal(all.seconds, 3);
    assert.equal(all.packets, 2500);
    assert.deepEqual(
      [all.continuityError, all.crcError, all.patError, all.priority1Errors, all.priority2Errors],
      [2, 1, 1, 3, 1],
    );
    assert.deepEqual(all.pids, [{ pid: 0x100, bitrateBps: 500 * 1504 }], 'the last window');
    const first = sumTransportWindows(windows.slice(0, 1));
    const rest = sumTransportWindows(windows.slice(1));
    assert.ok(first && rest);
    assert.deepEqual(mergeTransportFigures(first, rest), all);
    assert.equal(sumTransportWindows([]), null);
  });

  it('reads back only known fields, as finite counts, from another process', () => {
    const all = sumTransportWindows([window(0, { [TsCheck.pid]: 1 }, 10)]);
    assert.deepEqual(readTransportFigures(JSON.parse(JSON.stringify(all))), all);
    const hostile = readTransportFigures({
      continuityError: -3,
      patError: 'many',
      packets: Infinity,
      seconds: 1,
      extra: 5,
      pids: [{ pid: 9000, bitrateBps: 1 }, { pid: 17, bitrateBps: 'x' }, null],
    });
    assert.equal(hostile?.continuityError, 0);
    assert.equal(hostile?.patError, 0);
    assert.equal(hostile?.packets, 0);
    assert.equal(hostile?.seconds, 1);
    assert.ok(hostile && !('extra' in hostile));
    assert.deepEqual(hostile?.pids, [{ pid: 17, bitrateBps: null }]);
    assert.equal(readTransportFigures([1, 2]), null);
    assert.equal(readTransportFigures(null), null);
  });
});
