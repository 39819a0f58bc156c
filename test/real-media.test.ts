/**
 * False alarms on real content (../shared/media, found through STREAMQC_REAL_MEDIA): no clip raises black or
 * freeze; clipping only where the clip really clips (boswars-speech-01.wav has runs of 5 full-scale samples).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile, realMediaDirectory, realMediaSkipReason } from '../src/test-support/analyze.js';

const directory = realMediaDirectory();
const clips = directory ? readdirSync(directory).filter((name) => !name.endsWith('.md')) : [];
const reallyClips = new Set(['boswars-speech-01.wav']);

describe('real media: no false alarms', { skip: directory ? false : realMediaSkipReason }, () => {
  for (const clip of clips) {
    it(`${clip}: no black, no freeze${reallyClips.has(clip) ? '' : ', no clipping'}, no decode errors`, async () => {
      const report = await analyzeFile(join(directory ?? '', clip), [
        'black',
        'freeze',
        'clipping',
        'decode-error',
      ]);
      const forbidden = report.events.filter(
        (event) => event.detector !== 'clipping' || !reallyClips.has(clip),
      );
      assert.deepEqual(forbidden, []);
    });
  }

  it('boswars-speech-01.wav clips: its two runs of 5 full-scale samples at 6.3 s make one clipping event', async () => {
    const report = await analyzeFile(join(directory ?? '', 'boswars-speech-01.wav'), ['clipping']);
    assert.equal(report.events.length, 1);
    const [event] = report.events;
    assert.ok(event && Math.abs(event.startSeconds - 6.31) < 0.05, JSON.stringify(event));
  });

  it('the same clip with the run length raised to 6 samples raises nothing (the rule has two sides)', async () => {
    const report = await analyzeFile(join(directory ?? '', 'boswars-speech-01.wav'), ['clipping'], {
      clipping: { minRunSamples: 6 },
    });
    assert.deepEqual(report.events, []);
  });

  it('boswars-intro.ogv: 1.7 s of real black is below the 2 s default, but found at 1.5 s', async () => {
    const path = join(directory ?? '', 'boswars-intro.ogv');
    assert.deepEqual((await analyzeFile(path, ['black'])).events, []);
    const shorter = await analyzeFile(path, ['black'], { black: { minDurationSeconds: 1.5 } });
    assert.equal(shorter.events.length, 1);
    assert.ok(Math.abs((shorter.events[0]?.endSeconds ?? 0) - 1.7) < 0.3, JSON.stringify(shorter.events));
  });
});
