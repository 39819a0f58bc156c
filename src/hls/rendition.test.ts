import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VariantStream } from './m3u8-parser.js';
import { chooseVariant, chosenMediaPlaylistUrl, isHlsUrl } from './rendition.js';

const variant = (bandwidthBps: number, uri: string): VariantStream => ({
  uri,
  bandwidthBps,
  averageBandwidthBps: null,
  resolution: null,
  codecs: null,
  frameRate: null,
  audioGroup: null,
  videoGroup: null,
});

const variants = [
  variant(800_000, 'mid.m3u8'),
  variant(3_000_000, 'high.m3u8'),
  variant(200_000, 'low.m3u8'),
];

describe('rendition choice', () => {
  it('picks by highest, lowest, nearest bandwidth or index', () => {
    assert.equal(chooseVariant(variants, 'highest'), 1);
    assert.equal(chooseVariant(variants, 'lowest'), 2);
    assert.equal(chooseVariant(variants, { bandwidthBps: 1_000_000 }), 0);
    assert.equal(chooseVariant(variants, { index: 2 }), 2);
    assert.equal(chooseVariant(variants, { index: 9 }), 2, 'an index past the end takes the last');
    assert.equal(chooseVariant([], 'highest'), -1);
  });

  it('gives the chosen media playlist URL, resolved against the multivariant one', () => {
    const playlist = { kind: 'multivariant' as const, variants, renditions: [] };
    assert.equal(
      chosenMediaPlaylistUrl(playlist, 'https://cdn/x/master.m3u8?t=1', 'lowest'),
      'https://cdn/x/low.m3u8',
    );
  });

  it('tells HLS URLs by their path', () => {
    assert.equal(isHlsUrl('https://cdn/live/master.m3u8?token=a'), true);
    assert.equal(isHlsUrl('http://cdn/a.M3U'), true);
    assert.equal(isHlsUrl('udp://239.0.0.1:1234'), false);
    assert.equal(isHlsUrl('/media/file.m3u8'), false);
  });
});
