/**
 * Evidence files through the real server: only files inside the evidence folder are ever served, whatever
 * the request path or the stored path says (encoded `..`, absolute paths, links out of the folder).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../test-support/api-test-support.js';
import { fakeIncident } from '../test-support/fake-monitor-api.js';

const secret = 'SECRET-CONTENT-outside-the-evidence-folder';
const evidenceBytes = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);

describe('evidence files', () => {
  let t: TestServer;
  let outside: string;
  before(async () => {
    t = await startTestServer();
    outside = await mkdtemp(join(tmpdir(), 'streamqc-outside-'));
    await writeFile(join(outside, 'secret.jpg'), secret);
    await mkdir(join(t.evidenceDirectory, 'cam'), { recursive: true });
    await writeFile(join(t.evidenceDirectory, 'cam', 'good.jpg'), evidenceBytes);
    await symlink(join(outside, 'secret.jpg'), join(t.evidenceDirectory, 'cam', 'link.jpg'));
    await symlink(outside, join(t.evidenceDirectory, 'linked-folder'));
    await symlink(join(t.evidenceDirectory, 'cam', 'good.jpg'), join(t.evidenceDirectory, 'inner-link.jpg'));
    await mkdir(join(t.evidenceDirectory, 'folder.jpg'));
  });
  after(async () => {
    await t.server.close();
    await rm(outside, { recursive: true, force: true });
    await rm(t.evidenceDirectory, { recursive: true, force: true });
  });

  const storeEvidence = (id: string, thumbnailPath: string): void => {
    t.api.incidents.set(id, fakeIncident(id, { evidence: { thumbnailPath, clipPath: null } }));
    t.api.evidencePaths.set(`${id}:thumbnail`, thumbnailPath);
  };

  /** node:http sends the path exactly as written (fetch would resolve `..` and `%2e%2e` first). */
  function rawGet(path: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const { hostname, port } = new URL(t.server.url);
      get({ hostname, port, path }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
      }).on('error', reject);
    });
  }

  async function assertRefused(path: string, allowed: readonly number[] = [404]): Promise<void> {
    const { status, text } = await rawGet(path);
    assert.ok(allowed.includes(status), `${path}: ${status}`);
    assert.doesNotMatch(text, /SECRET-CONTENT/, path);
    // The answer never names a server path (a request path may be echoed, so only stored paths count).
    assert.ok(!text.includes(t.evidenceDirectory), path);
  }

  it('serves a file inside the folder, also through a link that stays inside', async () => {
    storeEvidence('good', join(t.evidenceDirectory, 'cam', 'good.jpg'));
    const response = await t.request('/api/incidents/good/evidence/thumbnail');
    assert.equal(response.status, 200);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), evidenceBytes);
    storeEvidence('inner', join(t.evidenceDirectory, 'inner-link.jpg'));
    assert.equal((await t.request('/api/incidents/inner/evidence/thumbnail')).status, 200);
  });

  it('never serves a stored path that leaves the folder: .., absolute, links out, a folder', async () => {
    const stored = [
      join(t.evidenceDirectory, '..', 'x', '..', outside.split('/').pop() ?? '', 'secret.jpg'),
      join(t.evidenceDirectory, 'cam', '..', '..', outside.split('/').pop() ?? '', 'secret.jpg'),
      join(outside, 'secret.jpg'),
      '/etc/passwd',
      join(t.evidenceDirectory, 'cam', 'link.jpg'),
      join(t.evidenceDirectory, 'linked-folder', 'secret.jpg'),
      join(t.evidenceDirectory, 'folder.jpg'),
      t.evidenceDirectory,
      'relative/secret.jpg',
    ];
    for (const [index, path] of stored.entries()) {
      storeEvidence(`bad${index}`, path);
      await assertRefused(`/api/incidents/bad${index}/evidence/thumbnail`);
    }
    assert.ok(t.logged.some((line) => line.message === 'evidence path outside the evidence folder refused'));
  });

  it('answers 404 or 400 to traversal in the request path, plain or encoded, and never with a file', async () => {
    storeEvidence('good', join(t.evidenceDirectory, 'cam', 'good.jpg'));
    for (const path of [
      '/api/incidents/..%2f..%2f..%2fetc%2fpasswd/evidence/thumbnail',
      '/api/incidents/..%2F..%2Fsecret.jpg/evidence/thumbnail',
      '/api/incidents/%2e%2e%2f%2e%2e%2fsecret/evidence/clip',
      '/api/incidents/good/evidence/..%2f..%2f..%2fetc%2fpasswd',
      '/api/incidents/good/evidence/%2e%2e',
      '/api/incidents/good/evidence/thumbnail/../../../../etc/passwd',
      '/api/incidents/%252e%252e%252fsecret/evidence/thumbnail',
      '/api/incidents/good%00/evidence/thumbnail',
      `/api/incidents/${encodeURIComponent(join(outside, 'secret.jpg'))}/evidence/thumbnail`,
      '/api/incidents/%E0%A4%A/evidence/thumbnail',
    ]) {
      await assertRefused(path, [400, 404]);
    }
  });
});
