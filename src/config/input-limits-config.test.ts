/** The `inputs` and `limits` parts of the service config: defaults, paths relative to the file, refusals by path. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
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
});
