import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConditionUnion } from './condition-union.js';
import type { HlsTransition } from './hls-events.js';

const open = (key: string, startSeconds: number): HlsTransition => ({
  detector: 'hls-segment-failed',
  transition: { kind: 'open', key, startSeconds, severity: 'critical', details: { playlist: Number(key) } },
});
const close = (key: string, endSeconds: number): HlsTransition => ({
  detector: 'hls-segment-failed',
  transition: { kind: 'close', key, endSeconds },
});

describe('ConditionUnion', () => {
  it('opens with the first playlist and closes with the last', () => {
    const union = new ConditionUnion();
    const passed = [open('0', 1), open('1', 2), close('0', 3), close('1', 4), close('1', 5)].flatMap((t) =>
      union.accept(t),
    );
    assert.deepEqual(
      passed.map(({ transition }) =>
        transition.kind === 'open' ? ['open', transition.startSeconds] : ['close', transition.endSeconds],
      ),
      [
        ['open', 1],
        ['close', 4],
      ],
    );
    assert.deepEqual(passed[1]?.transition.kind === 'close' && passed[1].transition.details, {
      playlists: 2,
    });
  });
});
