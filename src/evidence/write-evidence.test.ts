import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Frame, SoftwareScaleContext } from 'node-av/lib';
import { AV_PIX_FMT_YUV420P } from 'node-av/constants';
import { encodeJpeg } from './write-evidence.js';

/** A 320x180 4:2:0 picture with a ramp in its luma. */
function testPicture(width = 320, height = 180): Frame {
  const frame = new Frame();
  frame.alloc();
  frame.format = AV_PIX_FMT_YUV420P;
  frame.width = width;
  frame.height = height;
  if (width > 0 && height > 0) {
    assert.ok(frame.getBuffer(32) >= 0);
    const [luma, u, v] = frame.data ?? [];
    luma?.forEach((_, i) => (luma[i] = 16 + (i % 200)));
    u?.fill(128);
    v?.fill(128);
  }
  return frame;
}

describe('encodeJpeg', () => {
  it('encodes a picture as one JPEG image', async () => {
    const picture = testPicture();
    const jpeg = await encodeJpeg(picture, 160);
    picture.free();
    assert.ok(jpeg);
    assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
    assert.deepEqual([...jpeg.subarray(-2)], [0xff, 0xd9]);
  });

  it('answers null for a picture it cannot scale', async () => {
    const picture = testPicture(0, 0);
    assert.equal(await encodeJpeg(picture, 160), null);
    picture.free();
  });

  it('initialises each scaler once (sws_getContext already did: a second time leaked ~40 KB a call)', async () => {
    const initContext = SoftwareScaleContext.prototype.initContext;
    let initialisations = 0;
    SoftwareScaleContext.prototype.initContext = function (this: SoftwareScaleContext) {
      initialisations += 1;
      return initContext.call(this);
    };
    try {
      const picture = testPicture();
      assert.ok(await encodeJpeg(picture, 160));
      picture.free();
    } finally {
      SoftwareScaleContext.prototype.initContext = initContext;
    }
    assert.equal(initialisations, 0);
  });

  it('keeps resident memory flat over many thumbnails once warm', async () => {
    // The leak cost about 100 MB over these 2500 calls. The warm-up lets the thread pool's malloc arenas and
    // V8's heap reach their working size first (about 1500 calls, measured); on a loaded machine an arena can
    // still grow once afterwards (up to 23 MB seen), hence the margin.
    // Garbage wrappers are collected before each reading, so what is left is FFmpeg's own memory.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const picture = testPicture();
    for (let i = 0; i < 1500; i++) await encodeJpeg(picture, 320);
    gc();
    const beforeBytes = process.memoryUsage.rss();
    for (let i = 0; i < 2500; i++) assert.ok(await encodeJpeg(picture, 320));
    gc();
    const grownMb = (process.memoryUsage.rss() - beforeBytes) / 1024 / 1024;
    picture.free();
    assert.ok(grownMb < 40, `RSS grew ${grownMb.toFixed(1)} MB over 2500 thumbnails`);
  });
});
