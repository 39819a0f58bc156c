import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { errorOf, startTestServer, testToken, type TestServer } from '../test-support/api-test-support.js';
import { fakeChannelStatus } from '../test-support/fake-monitor-api.js';
import { maxBodyBytes } from './http-io.js';

const secretUrl = 'rtsp://operator:hunter2@camera.example:554/live?token=abc123&quality=hd';

describe('API channels', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.server.close());

  it('lists channels and shows one, with credentials redacted from the URL', async () => {
    t.api.channels.set('cam', fakeChannelStatus('cam', { url: secretUrl }));
    const list = await t.request('/api/channels');
    assert.equal(list.status, 200);
    assert.match(list.headers.get('content-type') ?? '', /^application\/json/);
    const text = await list.text();
    assert.doesNotMatch(text, /hunter2|abc123/);
    const body = JSON.parse(text) as { channels: { id: string; url: string }[] };
    assert.equal(body.channels[0]?.url, 'rtsp://operator:***@camera.example:554/live?token=***&quality=hd');

    const one = await t.request('/api/channels/cam');
    assert.equal(one.status, 200);
    const status = (await one.json()) as { id: string; url: string };
    assert.equal(status.id, 'cam');
    assert.doesNotMatch(status.url, /hunter2|abc123/);
  });

  it("serves a channel's live thumbnail as a JPEG, and 404 before the first picture", async () => {
    t.api.channels.set('pic', fakeChannelStatus('pic'));
    const none = await t.request('/api/channels/pic/thumbnail');
    assert.equal(none.status, 404);
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    t.api.thumbnails.set('pic', { jpeg, atMs: Date.UTC(2026, 10, 26, 12) });
    const picture = await t.request('/api/channels/pic/thumbnail');
    assert.equal(picture.status, 200);
    assert.equal(picture.headers.get('content-type'), 'image/jpeg');
    assert.equal(picture.headers.get('cache-control'), 'no-store');
    assert.deepEqual(Buffer.from(await picture.arrayBuffer()), jpeg);
  });

  it('answers 404 with an error body for an unknown channel', async () => {
    const response = await t.request('/api/channels/nope');
    assert.equal(response.status, 404);
    assert.equal((await errorOf(response)).code, 'NOT_FOUND');
  });

  it('adds a channel with the token and answers 201 with a redacted URL and a Location', async () => {
    const response = await t.request('/api/channels', {
      method: 'POST',
      token: true,
      json: { id: 'added', url: 'srt://host:9000?passphrase=s3cret', detectors: ['black', 'loudness'] },
    });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('location'), '/api/channels/added');
    const status = (await response.json()) as { url: string };
    assert.equal(status.url, 'srt://host:9000?passphrase=***');
    assert.ok(t.api.channels.has('added'));
    const logLine = t.logged.find((line) => line.message === 'channel added through the API');
    assert.equal(logLine?.fields['url'], 'srt://host:9000?passphrase=***');
  });

  it('passes the monitor refusal on as 400 BAD_CONFIG', async () => {
    const response = await t.request('/api/channels', {
      method: 'POST',
      token: true,
      json: { id: 'added', url: 'udp://x' },
    });
    assert.equal(response.status, 400);
    assert.deepEqual(await errorOf(response), {
      code: 'BAD_CONFIG',
      message: 'channel added already exists',
    });
  });

  it('names every schema problem with its path', async () => {
    const response = await t.request('/api/channels', {
      method: 'POST',
      token: true,
      json: { id: 'has space', url: 5, detectors: ['no-such'], colour: 'red' },
    });
    assert.equal(response.status, 400);
    const { code, message } = await errorOf(response);
    assert.equal(code, 'BAD_REQUEST');
    assert.match(message, /id: /);
    assert.match(message, /url: /);
    assert.match(message, /detectors\.0: /);
    assert.match(message, /colour/);
  });

  it('answers 400 for malformed JSON and for a missing body', async () => {
    const malformed = await t.request('/api/channels', {
      method: 'POST',
      token: true,
      headers: { 'content-type': 'application/json' },
      body: '{"id": "x",',
    });
    assert.equal(malformed.status, 400);
    assert.match((await errorOf(malformed)).message, /not valid JSON/);
    const empty = await t.request('/api/channels', { method: 'POST', token: true });
    assert.equal(empty.status, 400);
    assert.match((await errorOf(empty)).message, /expected a JSON object/);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await t.request('/api/channels', {
      method: 'POST',
      token: true,
      headers: { 'content-type': 'text/plain' },
      body: 'id=x',
    });
    assert.equal(response.status, 415);
    assert.equal((await errorOf(response)).code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 413 for a body over the limit, declared or streamed', async () => {
    const big = JSON.stringify({ id: 'big', url: 'udp://x', name: 'n'.repeat(maxBodyBytes) });
    const declared = await t.request('/api/channels', {
      method: 'POST',
      token: true,
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    assert.equal(declared.status, 413);
    assert.equal((await errorOf(declared)).code, 'PAYLOAD_TOO_LARGE');

    // Chunked, with no Content-Length: the limit is counted while reading.
    const streamedStatus = await new Promise<number>((resolve, reject) => {
      const url = new URL('/api/channels', t.server.url);
      const request = httpRequest(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${testToken}`, 'content-type': 'application/json' },
      });
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      for (let sent = 0; sent <= maxBodyBytes; sent += 8192) request.write(' '.repeat(8192));
      request.end();
    });
    assert.equal(streamedStatus, 413);
    assert.ok(!t.api.channels.has('big'));
  });

  it('changes a channel with PATCH and refuses an id change or an empty patch', async () => {
    t.api.channels.set('edit', fakeChannelStatus('edit'));
    const changed = await t.request('/api/channels/edit', {
      method: 'PATCH',
      token: true,
      json: { name: 'Edited', url: 'http://user:pw@origin/x.m3u8' },
    });
    assert.equal(changed.status, 200);
    const status = (await changed.json()) as { name: string; url: string };
    assert.equal(status.name, 'Edited');
    assert.equal(status.url, 'http://user:***@origin/x.m3u8');

    const idChange = await t.request('/api/channels/edit', {
      method: 'PATCH',
      token: true,
      json: { id: 'other' },
    });
    assert.equal(idChange.status, 400);
    assert.match((await errorOf(idChange)).message, /id cannot be changed/);
    const emptyPatch = await t.request('/api/channels/edit', { method: 'PATCH', token: true, json: {} });
    assert.equal(emptyPatch.status, 400);
    const missing = await t.request('/api/channels/nope', {
      method: 'PATCH',
      token: true,
      json: { name: 'x' },
    });
    assert.equal(missing.status, 404);
  });

  it('removes a channel with DELETE (204), then 404', async () => {
    t.api.channels.set('gone', fakeChannelStatus('gone'));
    const removed = await t.request('/api/channels/gone', { method: 'DELETE', token: true });
    assert.equal(removed.status, 204);
    assert.equal(await removed.text(), '');
    const again = await t.request('/api/channels/gone', { method: 'DELETE', token: true });
    assert.equal(again.status, 404);
  });

  it('answers 401 without a token or with a wrong one, before reading the body', async () => {
    t.api.channels.set('keep', fakeChannelStatus('keep'));
    const none = await t.request('/api/channels/keep', { method: 'DELETE' });
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await errorOf(none)).code, 'UNAUTHORIZED');
    const wrong = await t.request('/api/channels/keep', { method: 'DELETE', token: `${testToken}x` });
    assert.equal(wrong.status, 401);
    const short = await t.request('/api/channels', { method: 'POST', token: 'x', body: '{not json' });
    assert.equal(short.status, 401);
    const basic = await t.request('/api/channels/keep', {
      method: 'DELETE',
      headers: { authorization: `Basic ${testToken}` },
    });
    assert.equal(basic.status, 401);
    assert.ok(t.api.channels.has('keep'));
    assert.ok(t.logged.some((line) => line.level === 'warn' && line.message === 'API request refused'));
  });

  it('serves the timeline with a 5-minute default window and checks its parameters', async () => {
    t.api.channels.set('tl', fakeChannelStatus('tl'));
    t.api.chunks.push({
      channelId: 'tl',
      chunkIndex: 0,
      sessionId: 's1',
      startedAtMs: Date.now() - 10_000,
      durationSeconds: 1,
      measurements: { black: { blackRatio: 0 } },
    });
    const beforeMs = Date.now();
    const response = await t.request('/api/channels/tl/chunks');
    assert.equal(response.status, 200);
    const body = (await response.json()) as { fromMs: number; toMs: number; chunks: unknown[] };
    assert.equal(body.chunks.length, 1);
    assert.equal(body.toMs - body.fromMs, 5 * 60 * 1000);
    assert.ok(body.toMs >= beforeMs);

    const iso = await t.request(
      '/api/channels/tl/chunks?from=2024-01-01T00:00:00Z&to=1704067260000&limit=10',
    );
    assert.equal(iso.status, 200);
    assert.deepEqual(t.api.chunkQueries.at(-1), {
      channelId: 'tl',
      fromMs: 1704067200000,
      toMs: 1704067260000,
      limit: 10,
    });
    for (const query of ['from=yesterday', 'limit=0', 'limit=100001', 'limit=2.5', 'from=2000&to=1000']) {
      const bad = await t.request(`/api/channels/tl/chunks?${query}`);
      assert.equal(bad.status, 400, query);
      assert.equal((await errorOf(bad)).code, 'BAD_REQUEST');
    }
    assert.equal((await t.request('/api/channels/none/chunks')).status, 404);
  });
});

describe('API without a configured token', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ authToken: null });
  });
  after(() => t.server.close());

  it('refuses every change with 403 and says why, and still serves reads', async () => {
    t.api.channels.set('cam', fakeChannelStatus('cam'));
    for (const [method, path] of [
      ['POST', '/api/channels'],
      ['PATCH', '/api/channels/cam'],
      ['DELETE', '/api/channels/cam'],
      ['POST', '/api/incidents/i1/ack'],
    ] as const) {
      const response = await t.request(path, { method, token: 'anything', json: {} });
      assert.equal(response.status, 403, `${method} ${path}`);
      const { code, message } = await errorOf(response);
      assert.equal(code, 'FORBIDDEN');
      assert.match(message, /no API token is configured/);
    }
    assert.equal((await t.request('/api/channels')).status, 200);
    assert.ok(t.api.channels.has('cam'));
  });
});
