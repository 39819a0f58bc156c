import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConditionSpan } from './condition-span.js';
import type { EventTransition } from './contract.js';

describe('ConditionSpan', () => {
  it('opens once the condition has held for the minimum, with the true start, and closes at its end', () => {
    const span = new ConditionSpan({ keyPrefix: 'x', minDurationSeconds: 2, severity: 'warning' });
    const out: EventTransition[] = [];
    for (let t = 0; t < 5; t += 0.5) span.observe(t, t + 0.5, t >= 1 && t < 4, out);
    assert.deepEqual(out, [
      { kind: 'open', key: 'x#1', startSeconds: 1, severity: 'warning', details: {} },
      { kind: 'close', key: 'x#1', endSeconds: 4 },
    ]);
  });

  it('drops a span shorter than the minimum', () => {
    const span = new ConditionSpan({ keyPrefix: 'x', minDurationSeconds: 2, severity: 'warning' });
    const out: EventTransition[] = [];
    span.observe(0, 1.9, true, out);
    span.observe(1.9, 3, false, out);
    span.finish(out);
    assert.deepEqual(out, []);
  });

  it('closes an event still open at the end of the input', () => {
    const span = new ConditionSpan({
      keyPrefix: 'x',
      minDurationSeconds: 1,
      severity: 'critical',
      channel: 1,
    });
    const out: EventTransition[] = [];
    span.observe(0, 3, true, out);
    span.finish(out);
    assert.equal(out.length, 2);
    assert.deepEqual(out[1], { kind: 'close', key: 'x#1', endSeconds: 3 });
    assert.equal(out[0]?.kind === 'open' ? out[0].channel : undefined, 1);
  });

  it('merges interruptions shorter than the merge gap', () => {
    const span = new ConditionSpan({
      keyPrefix: 'x',
      minDurationSeconds: 0,
      mergeGapSeconds: 1,
      severity: 'warning',
    });
    const out: EventTransition[] = [];
    span.observe(0, 1, true, out);
    span.observe(1, 1.5, false, out);
    span.observe(1.5, 2, true, out);
    span.observe(2, 4, false, out);
    assert.deepEqual(
      out.map((t) => t.kind),
      ['open', 'close'],
    );
    assert.equal(out[1]?.kind === 'close' ? out[1].endSeconds : null, 2);
  });
});
