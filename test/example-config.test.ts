import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadServiceConfig } from '../src/config/service-config.js';

describe('examples/streamqc.yaml', () => {
  it('is a valid configuration with the documented parts', async () => {
    const config = await loadServiceConfig(join(import.meta.dirname, '..', 'examples', 'streamqc.yaml'));
    assert.deepEqual(
      config.channels.map((c) => c.id),
      ['news', 'sport', 'radio'],
    );
    assert.equal(config.notifications.length, 2);
    assert.equal(config.alerts.rules.black?.raiseAfterSeconds, 5);
  });

  it('a broken config lists every problem with its path', async () => {
    const { parseServiceConfig } = await import('../src/config/service-config.js');
    assert.throws(
      () =>
        parseServiceConfig(
          {
            http: { port: 70000 },
            channels: [
              { id: 'a', url: 'udp://x', detectors: ['nope'] },
              { id: 'a', url: 'udp://y', detectorConfig: { black: { minBlackRatio: 3 } } },
            ],
          },
          'bad.yaml',
        ),
      (error: Error) => /http\.port/.test(error.message),
    );
    assert.throws(
      () =>
        parseServiceConfig(
          {
            channels: [
              { id: 'a', url: 'udp://x', detectors: ['nope'] },
              { id: 'a', url: 'udp://y', detectorConfig: { black: { minBlackRatio: 3 } } },
            ],
          },
          'bad.yaml',
        ),
      (error: Error) =>
        /channels\.0\.detectors\.0: unknown detector 'nope'/.test(error.message) &&
        /channels\.1\.id: duplicate channel id 'a'/.test(error.message) &&
        /channels\.1\.detectorConfig\.black\.minBlackRatio/.test(error.message),
    );
  });
});
