/**
 * Stream limits through real FFmpeg: a file whose header declares 16K at 240 fps (a YUV4MPEG2 header
 * followed by a few bytes, so the test never builds a 16K picture) is refused when opened, before any
 * decoder exists; a small stream within the limits opens and decodes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isStreamqcError } from '../errors/streamqc-error.js';
import { writeClip } from '../synth/clip-writer.js';
import { drawMovingPattern } from '../synth/patterns.js';
import { decodeInput, emptyDecodeStats } from './decode-input.js';
import { openInput } from './open-input.js';
import { defaultStreamLimits, limitViolation, type StreamLimits } from './stream-limits.js';

const work = mkdtempSync(join(tmpdir(), 'streamqc-limits-'));

/** A YUV4MPEG2 stream: a text header declaring the picture, then `frames` frames of flat grey. */
function writeY4m(
  path: string,
  header: { width: number; height: number; rate: string },
  frames: number,
): void {
  const text = `YUV4MPEG2 W${header.width} H${header.height} F${header.rate} Ip A1:1 C420jpeg\n`;
  const frameBytes = header.width * header.height * 1.5;
  const parts: Buffer[] = [Buffer.from(text)];
  for (let i = 0; i < frames; i++) parts.push(Buffer.from('FRAME\n'), Buffer.alloc(frameBytes, 128));
  if (frames === 0) parts.push(Buffer.from('FRAME\n'), Buffer.alloc(4096, 128));
  writeFileSync(path, Buffer.concat(parts));
}

const openOptions = { connectTimeoutMs: 5000, wantVideo: true, wantAudio: false, decoderThreads: 1 };

describe('stream limits', () => {
  it('names every limit a declaration breaks; a portrait picture counts with its sides swapped', () => {
    const huge = { width: 15360, height: 8640, framesPerSecond: 240, bitsPerSecond: 0 };
    assert.equal(
      limitViolation(huge, defaultStreamLimits),
      'picture 15360x8640 over 4096x2160, 240 fps over 120 fps',
    );
    const portrait = { width: 2160, height: 3840, framesPerSecond: 30, bitsPerSecond: 20e6 };
    assert.equal(limitViolation(portrait, defaultStreamLimits), null);
    const fast = { width: 1920, height: 1080, framesPerSecond: 50, bitsPerSecond: 150e6 };
    assert.equal(limitViolation(fast, defaultStreamLimits), '150 Mb/s over 100 Mb/s');
    const unknown = { width: 0, height: 0, framesPerSecond: 0, bitsPerSecond: 0 };
    assert.equal(limitViolation(unknown, defaultStreamLimits), null);
  });

  it('a stream declaring 16K at 240 fps is refused when opened, before decoding', async () => {
    const path = join(work, 'huge.y4m');
    writeY4m(path, { width: 15360, height: 8640, rate: '240:1' }, 0);
    const memoryBeforeMb = process.memoryUsage.rss() / 1e6;
    await assert.rejects(openInput(path, { ...openOptions, limits: defaultStreamLimits }), (error) => {
      assert.ok(isStreamqcError(error), String(error));
      assert.equal(error.code, 'STREAM_OVER_LIMITS');
      assert.match(
        error.message,
        /^stream refused before decoding: picture 15360x8640 over 4096x2160, 240 fps over 120 fps/,
      );
      return true;
    });
    // One 16K picture would need 200 MB: nothing of the kind was allocated.
    assert.ok(process.memoryUsage.rss() / 1e6 - memoryBeforeMb < 150);
  });

  it('a stream within the limits opens and decodes; without limits the huge one still opens (analyze)', async () => {
    const path = join(work, 'small.y4m');
    writeY4m(path, { width: 64, height: 36, rate: '25:1' }, 50);
    const opened = await openInput(path, { ...openOptions, limits: defaultStreamLimits });
    const stats = emptyDecodeStats();
    let chunks = 0;
    for await (const ready of decodeInput(opened, stats, {})) {
      chunks += 1;
      ready.release();
    }
    opened.close();
    assert.equal(stats.videoFrames, 50);
    assert.equal(chunks, 2);

    const huge = join(work, 'huge-unlimited.y4m');
    writeY4m(huge, { width: 15360, height: 8640, rate: '240:1' }, 0);
    const unlimited = await openInput(huge, openOptions);
    unlimited.close();
  });

  it('the declaration is checked against the limits as configured', async () => {
    const path = join(work, 'small-again.y4m');
    writeY4m(path, { width: 64, height: 36, rate: '25:1' }, 25);
    const exact: StreamLimits = { ...defaultStreamLimits, maxWidth: 64, maxHeight: 36 };
    (await openInput(path, { ...openOptions, limits: exact })).close();
    const tooTight: StreamLimits = { ...defaultStreamLimits, maxWidth: 32, maxHeight: 36 };
    await assert.rejects(openInput(path, { ...openOptions, limits: tooTight }), /picture 64x36 over 32x36/);
  });

  it('the decoder refuses pictures over the size limit when a stream grows after a small declaration', async () => {
    const part = async (name: string, width: number, height: number) => {
      const path = join(work, name);
      await writeClip({
        path,
        container: 'mpegts',
        durationSeconds: 1,
        video: {
          width,
          height,
          framesPerSecond: 25,
          codec: 'mpeg2video',
          draw: (i, p) => drawMovingPattern(p, i),
        },
      });
      return readFileSync(path);
    };
    const path = join(work, 'grows.ts');
    writeFileSync(path, Buffer.concat([await part('a.ts', 64, 36), await part('b.ts', 160, 90)]));
    const decodedFrames = async (limits: StreamLimits) => {
      const opened = await openInput(path, { ...openOptions, limits });
      const stats = emptyDecodeStats();
      for await (const ready of decodeInput(opened, stats, {})) ready.release();
      opened.close();
      return stats.videoFrames;
    };
    const all = await decodedFrames(defaultStreamLimits);
    const limited = await decodedFrames({ ...defaultStreamLimits, maxWidth: 64, maxHeight: 36 });
    assert.ok(all >= 48, `both parts decode without a tight limit (${all})`);
    assert.ok(limited <= 26, `only the small part decodes under a 64x36 limit (${limited})`);
  });
});
