import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServiceConfig } from '../config/service-config.js';

describe('archive.s3 settings', () => {
  it('are off by default, and get their defaults when set', () => {
    assert.equal(parseServiceConfig({}, 'test').archive.s3, undefined);
    const config = parseServiceConfig(
      { archive: { s3: { region: 'eu-west-1', bucket: 'results' } } },
      'test',
    );
    assert.deepEqual(config.archive.s3, {
      region: 'eu-west-1',
      bucket: 'results',
      prefix: 'streamqc',
      periodSeconds: 60,
    });
  });

  it('list every problem with its path', () => {
    assert.throws(
      () =>
        parseServiceConfig(
          {
            archive: { s3: { bucket: 'ab', periodSeconds: 0, endpoint: 'not a url', secretAccessKey: 'x' } },
          },
          'bad.yaml',
        ),
      (error: Error) =>
        [
          'archive.s3.region',
          'archive.s3.bucket',
          'archive.s3.periodSeconds',
          'archive.s3.endpoint',
          'archive.s3',
        ].every((path) => error.message.includes(`${path}:`)) && /secretAccessKey/.test(error.message),
    );
  });
});
