/** The `cluster` section of the service config: defaults, every problem with its path, the URL from the environment. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamqcError } from '../errors/streamqc-error.js';
import { parseServiceConfig, resolveClusterConfig } from './service-config.js';

const url = 'postgres://streamqc:secret@db.example:5432/streamqc';

function problems(raw: unknown): string[] {
  try {
    parseServiceConfig(raw, 'test.yaml');
    return [];
  } catch (error) {
    assert.ok(error instanceof StreamqcError);
    return error.message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
  }
}

describe('cluster config', () => {
  it('has working defaults and no cluster without the section', () => {
    assert.equal(resolveClusterConfig(parseServiceConfig({}, 'test')), null);
    const cluster = resolveClusterConfig(parseServiceConfig({ cluster: { postgresUrl: url } }, 'test'));
    assert.deepEqual(cluster, {
      postgresUrl: url,
      schema: 'public',
      leaseSeconds: 5,
      checkIntervalSeconds: 1,
      detectorGroups: {},
    });
  });

  it('lists every problem with its path', () => {
    assert.deepEqual(
      problems({
        worker: { shardCount: 2, detectors: ['black'] },
        cluster: {
          postgresUrl: url,
          postgresUrlEnv: 'PG_URL',
          leaseSeconds: 2,
          checkIntervalSeconds: 1.5,
          detectorGroups: { video: ['black', 'nope'], audio: ['silence', 'black'] },
        },
      }),
      [
        'cluster: set exactly one of postgresUrl and postgresUrlEnv',
        'cluster.checkIntervalSeconds: at most half of cluster.leaseSeconds (2), so one failed renewal does not lose a lease',
        'worker.shardCount: leave it at 1 with cluster (leases share the channels)',
        'worker.detectors: use cluster.detectorGroups with cluster',
        "cluster.detectorGroups.video.1: unknown detector 'nope'",
        "cluster.detectorGroups.audio.1: 'black' is in two groups",
      ],
    );
    assert.deepEqual(problems({ cluster: { postgresUrl: 'mysql://x', schema: 'Bad-Name' } }), [
      'cluster.postgresUrl: a postgres:// URL',
      'cluster.schema: lower-case letters, digits and _',
    ]);
  });

  it('reads the URL from the named environment variable, and says when it is unset', () => {
    const config = parseServiceConfig({ cluster: { postgresUrlEnv: 'PG_URL' } }, 'test');
    assert.equal(resolveClusterConfig(config, { PG_URL: url })?.postgresUrl, url);
    assert.throws(
      () => resolveClusterConfig(config, {}),
      /cluster.postgresUrlEnv: environment variable PG_URL is not set/,
    );
  });
});
