import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../test-support/api-test-support.js';
import { webPages, webStaticFiles } from '../web/web-assets.js';

describe('dashboard files', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.server.close());

  it('serves the pages and their scripts with the right content types', async () => {
    for (const [path, type, marker] of [
      ['/', 'text/html', '/static/grid.js'],
      ['/index.html', 'text/html', '/static/grid.js'],
      ['/channel.html', 'text/html', '/static/channel.js'],
      ['/incidents.html', 'text/html', '/static/incidents.js'],
      ['/static/grid.js', 'text/javascript', 'openEventStream'],
      ['/static/common.js', 'text/javascript', 'EventSource'],
      ['/static/dashboard.css', 'text/css', '--alarm'],
    ] as const) {
      const response = await t.request(path);
      assert.equal(response.status, 200, path);
      assert.ok(
        response.headers.get('content-type')?.startsWith(type),
        `${path}: ${response.headers.get('content-type')}`,
      );
      assert.ok((await response.text()).includes(marker), `${path} holds ${marker}`);
    }
  });

  it('answers 404 for any other name, and a path can never leave the folder', async () => {
    for (const path of [
      '/static/missing.js',
      '/static/..%2F..%2Fpackage.json',
      '/static/%2E%2E%2Fweb-assets.ts',
      '/static/../../package.json',
      '/static/index.html',
      '/package.json',
    ]) {
      const response = await t.request(path);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(await response.text(), /"name": ?"streamqc"/, path);
    }
  });

  it('lists exactly the files in src/web/static (a new file needs its entry, a listed one must exist)', () => {
    const onDisk = readdirSync(fileURLToPath(new URL('../web/static/', import.meta.url))).sort();
    const listed = [...webPages, ...webStaticFiles].map((asset) => asset.fileName).sort();
    assert.deepEqual(onDisk, listed);
  });
});
