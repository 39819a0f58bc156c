/** The `inputs` and `limits` parts of the service config: defaults, paths relative to the file, refusals by path. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { effectiveStreamLimits } from './input-limits-config.js';
import { loadServiceConfig, parseServiceConfig } from './service-config.js';

describe('inputs and limits config', () => {
  it('defaults: the default protocols, no local directory, 4096x2160 at 120 fps and 100 Mb/s', () => {
    const config = parseServiceConfig({}, 'test');
    assert.deepEqual(config.inputs.allowedProtocols, [
      'http',
      'https',
      'hls',
      'udp',
      'rtp',
      'srt',
      'rtmp',
      'rtsp',
    ]);
    assert.deepEqual(config.inputs.localDirectories, []);
    assert.deepEqual(config.limits, {
      maxWidth: 4096,
      maxHeight: 2160,
      maxFramesPerSecond: 120,
      maxBitsPerSecond: 100_000_000,
    });
    assert.equal(config.worker.maxChannels, 100);
    assert.equal(config.worker.memoryLimitMb, 2048);
    assert.equal(config.storage.evidenceQuotaMb, 2048);
  });

  it('local directories and looped files are relative to the config file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'streamqc-inputs-config-'));
    const path = join(directory, 'streamqc.yaml');
    writeFileSync(
      path,
      'inputs:\n  localDirectories: [media]\nchannels:\n  - { id: a, url: media/a.ts, loop: true }\n',
    );
    const config = await loadServiceConfig(path);
    assert.deepEqual(config.inputs.localDirectories, [join(directory, 'media')]);
    assert.equal(config.channels[0]?.url, join(directory, 'media', 'a.ts'));

    writeFileSync(
      path,
      'inputs:\n  localDirectories: [media]\nchannels:\n  - { id: a, url: other/a.ts, loop: true }\n  - { id: b, url: "ftp://x/y" }\n',
    );
    await assert.rejects(loadServiceConfig(path), (error: Error) => {
      assert.match(error.message, /channels\.0\.url: local file outside inputs\.localDirectories/);
      assert.match(error.message, /channels\.1\.url: protocol 'ftp' is not one FFmpeg may open/);
      return true;
    });
  });

  it('refuses unknown protocols and limits that are not positive, by path', () => {
    assert.throws(
      () => parseServiceConfig({ inputs: { allowedProtocols: ['file'] }, limits: { maxWidth: 0 } }, 'test'),
      (error: Error) => {
        assert.match(error.message, /inputs\.allowedProtocols\.0: /);
        assert.match(error.message, /limits\.maxWidth: /);
        return true;
      },
    );
  });

  it('a channel may set stricter limits; the worker gets the deployment limits with them', () => {
    const config = parseServiceConfig(
      {
        limits: { maxWidth: 1920, maxHeight: 1080 },
        channels: [
          { id: 'a', url: 'udp://239.0.0.1:5000', limits: { maxWidth: 1280, maxFramesPerSecond: 30 } },
          { id: 'b', url: 'udp://239.0.0.1:5001' },
        ],
      },
      'test',
    );
    assert.deepEqual(effectiveStreamLimits(config.limits, config.channels[0]?.limits), {
      maxWidth: 1280,
      maxHeight: 1080,
      maxFramesPerSecond: 30,
      maxBitsPerSecond: 100_000_000,
    });
    assert.deepEqual(effectiveStreamLimits(config.limits, config.channels[1]?.limits), config.limits);
  });

  it('refuses channel limits above the deployment, not positive or unknown, each by path', () => {
    assert.throws(
      () =>
        parseServiceConfig(
          {
            limits: { maxWidth: 1920 },
            channels: [
              { id: 'a', url: 'udp://239.0.0.1:5000', limits: { maxWidth: 3840, maxBitsPerSecond: 2e8 } },
            ],
          },
          'test',
        ),
      (error: Error) => {
        assert.match(
          error.message,
          /channels\.0\.limits\.maxWidth: 3840 is above the deployment's limits\.maxWidth \(1920\); a channel may only be stricter/,
        );
        assert.match(
          error.message,
          /channels\.0\.limits\.maxBitsPerSecond: 200000000 is above .*\(100000000\)/,
        );
        assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace');
        return true;
      },
    );
    assert.throws(
      () =>
        parseServiceConfig(
          {
            channels: [{ id: 'a', url: 'udp://239.0.0.1:5000', limits: { maxHeight: -1, maxPixels: 5 } }],
          },
          'test',
        ),
      (error: Error) => {
        assert.match(error.message, /channels\.0\.limits\.maxHeight: /);
        assert.match(error.message, /channels\.0\.limits: .*maxPixels/);
        return true;
      },
    );
  });
});
