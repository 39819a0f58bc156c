import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { errorOf, startTestServer, type TestServer } from '../test-support/api-test-support.js';
import { fakeIncident } from '../test-support/fake-monitor-api.js';

interface IncidentBody {
  id: string;
  acknowledgedBy: string | null;
  evidence: { thumbnailUrl: string | null; clipUrl: string | null };
}

describe('API incidents', () => {
  let t: TestServer;
  let folder: string;
  before(async () => {
    t = await startTestServer();
    folder = t.evidenceDirectory;
    t.api.incidents.set('i1', fakeIncident('i1', { channelId: 'one', kind: 'black', startedAtMs: 1000 }));
    t.api.incidents.set(
      'i2',
      fakeIncident('i2', {
        channelId: 'two',
        kind: 'silence',
        state: 'closed',
        closedAtMs: 5000,
        startedAtMs: 3000,
      }),
    );
    t.api.incidents.set(
      'i3',
      fakeIncident('i3', {
        channelId: 'one',
        kind: 'freeze',
        startedAtMs: 4000,
        evidence: { thumbnailPath: '/srv/evidence/i3.jpg', clipPath: '/srv/evidence/i3.ts' },
      }),
    );
  });
  after(async () => {
    await t.server.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('lists incidents and passes every filter on', async () => {
    const all = await t.request('/api/incidents');
    assert.equal(all.status, 200);
    assert.equal(((await all.json()) as { incidents: unknown[] }).incidents.length, 3);
    assert.equal(t.api.incidentQueries.at(-1)?.limit, 100);

    const filtered = await t.request(
      '/api/incidents?channel=one&state=open&kind=freeze&since=2000&until=1970-01-01T00:00:05Z&limit=5',
    );
    const body = (await filtered.json()) as { incidents: IncidentBody[] };
    assert.deepEqual(
      body.incidents.map((incident) => incident.id),
      ['i3'],
    );
    assert.deepEqual(t.api.incidentQueries.at(-1), {
      channelId: 'one',
      state: 'open',
      kind: 'freeze',
      sinceMs: 2000,
      untilMs: 5000,
      limit: 5,
    });
  });

  it('answers 400 for a bad filter value', async () => {
    for (const query of ['state=maybe', 'since=soon', 'limit=-1']) {
      const response = await t.request(`/api/incidents?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal((await errorOf(response)).code, 'BAD_REQUEST');
    }
  });

  it('shows one incident with evidence as API URLs, never server paths', async () => {
    const response = await t.request('/api/incidents/i3');
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.doesNotMatch(text, /\/srv\/evidence/);
    const incident = JSON.parse(text) as IncidentBody;
    assert.deepEqual(incident.evidence, {
      thumbnailUrl: '/api/incidents/i3/evidence/thumbnail',
      clipUrl: '/api/incidents/i3/evidence/clip',
    });
    assert.equal((await t.request('/api/incidents/nope')).status, 404);
  });

  it('acknowledges with the token, by name or as "api"', async () => {
    const named = await t.request('/api/incidents/i1/ack', {
      method: 'POST',
      token: true,
      json: { by: 'ops-anna' },
    });
    assert.equal(named.status, 200);
    assert.equal(((await named.json()) as IncidentBody).acknowledgedBy, 'ops-anna');
    const anonymous = await t.request('/api/incidents/i3/ack', { method: 'POST', token: true });
    assert.equal(((await anonymous.json()) as IncidentBody).acknowledgedBy, 'api');
    const closed = await t.request('/api/incidents/i2/ack', { method: 'POST', token: true });
    assert.equal(closed.status, 409);
    assert.equal((await errorOf(closed)).code, 'CONFLICT');

    const invalid = await t.request('/api/incidents/i1/ack', {
      method: 'POST',
      token: true,
      json: { by: 7 },
    });
    assert.equal(invalid.status, 400);
    const missing = await t.request('/api/incidents/nope/ack', { method: 'POST', token: true });
    assert.equal(missing.status, 404);
    const unauthorised = await t.request('/api/incidents/i1/ack', { method: 'POST' });
    assert.equal(unauthorised.status, 401);
  });

  it('streams evidence files with their content type, 404 when absent or gone', async () => {
    const thumbnail = join(folder, 'i3.jpg');
    const clip = join(folder, 'i3.ts');
    await writeFile(thumbnail, Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    await writeFile(clip, Buffer.alloc(188 * 10, 0x47));
    t.api.evidencePaths.set('i3:thumbnail', thumbnail);
    t.api.evidencePaths.set('i3:clip', clip);

    const picture = await t.request('/api/incidents/i3/evidence/thumbnail');
    assert.equal(picture.status, 200);
    assert.equal(picture.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual([...new Uint8Array(await picture.arrayBuffer())], [0xff, 0xd8, 0xff, 0xd9]);

    const video = await t.request('/api/incidents/i3/evidence/clip');
    assert.equal(video.status, 200);
    assert.equal(video.headers.get('content-type'), 'video/mp2t');
    assert.equal(video.headers.get('content-length'), String(188 * 10));
    assert.equal((await video.arrayBuffer()).byteLength, 188 * 10);

    // No evidence recorded, a file that was pruned, and an unknown incident.
    assert.equal((await t.request('/api/incidents/i1/evidence/clip')).status, 404);
    t.api.evidencePaths.set('i1:thumbnail', join(folder, 'pruned.jpg'));
    const pruned = await t.request('/api/incidents/i1/evidence/thumbnail');
    assert.equal(pruned.status, 404);
    assert.equal((await errorOf(pruned)).code, 'NOT_FOUND');
    assert.equal((await t.request('/api/incidents/nope/evidence/clip')).status, 404);
    assert.equal((await t.request('/api/incidents/i3/evidence/audio')).status, 404);
  });
});
