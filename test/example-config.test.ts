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

describe('API security settings', () => {
  it('names a bad token hash, a bad role, a duplicate name and a bad origin by their paths', async () => {
    const { parseServiceConfig } = await import('../src/config/service-config.js');
    const hash = `sha256:${'ab'.repeat(32)}`;
    assert.throws(
      () =>
        parseServiceConfig(
          {
            http: {
              tokens: [
                { name: 'ops', role: 'admin', hash: 'plain-token-in-the-config' },
                { name: 'wall', role: 'owner', hash },
              ],
              corsOrigins: ['https://ops.example.net/path'],
              anonymousReads: 'sometimes',
            },
          },
          'bad.yaml',
        ),
      (error: Error) =>
        /http\.tokens\.0\.hash: expected sha256:/.test(error.message) &&
        /http\.tokens\.1\.role/.test(error.message) &&
        /http\.corsOrigins\.0/.test(error.message) &&
        /http\.anonymousReads/.test(error.message),
    );
    assert.throws(
      () =>
        parseServiceConfig(
          {
            http: {
              tokens: [
                { name: 'ops', role: 'admin', hash },
                { name: 'ops', role: 'read', hash },
              ],
            },
          },
          'bad.yaml',
        ),
      /http\.tokens\.1\.name: duplicate token name 'ops'/,
    );
  });

  it('refuses a token in clear in the config and says where it goes instead', async () => {
    const { parseServiceConfig } = await import('../src/config/service-config.js');
    assert.throws(
      () => parseServiceConfig({ http: { authToken: 'a-token-in-clear-0123456789' } }, 'old.yaml'),
      /http\.authToken: no longer accepted in clear: put its hash in http\.tokens/,
    );
  });

  it('adds the environment token as an admin token, and refuses a short one', async () => {
    const { parseServiceConfig } = await import('../src/config/service-config.js');
    const { apiTokens } = await import('../src/cli/run-command.js');
    const { tokenMatches } = await import('../src/api/token-hash.js');
    const config = parseServiceConfig({ http: { authTokenEnv: 'OPS_TOKEN' } }, 'env.yaml');
    assert.deepEqual(apiTokens(config, {}), []);
    const [fromEnvironment] = apiTokens(config, { OPS_TOKEN: 'an-operator-token-of-some-length' });
    assert.equal(fromEnvironment?.role, 'admin');
    assert.equal(fromEnvironment?.name, 'env:OPS_TOKEN');
    assert.ok(
      fromEnvironment && (await tokenMatches('an-operator-token-of-some-length', fromEnvironment.hash)),
    );
    assert.throws(
      () => apiTokens(config, { OPS_TOKEN: 'short' }),
      /OPS_TOKEN: the API token must be at least 16/,
    );
  });
});
