/**
 * The API's security through the real HTTP server: tokens and roles, rate limits, CORS, security headers and
 * request body limits. Evidence path traversal is in evidence-file.test.ts.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  errorOf,
  startTestServer,
  testReadToken,
  testToken,
  type TestServer,
} from '../test-support/api-test-support.js';
import { fakeChannelStatus, fakeIncident } from '../test-support/fake-monitor-api.js';
import { tokenCookieName } from './auth.js';
import { maxBodyBytes } from './http-io.js';
import { failedTokenChecksPerMinute } from './rate-limit.js';

interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** node:http, for what fetch will not send: a Host header of our choosing, a body sent slowly. */
function rawRequest(
  baseUrl: string,
  options: {
    path: string;
    method?: string;
    headers?: Record<string, string>;
    /** Written at once, then the request is left open (no end) when `keepOpen`. */
    body?: string;
    keepOpen?: boolean;
  },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(new URL(options.path, baseUrl), {
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    request.on('error', reject);
    if (options.body !== undefined) request.write(options.body);
    if (options.keepOpen !== true) request.end();
  });
}

describe('API tokens and roles (reads need a token: anonymousReads none)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ anonymousReads: 'none' });
    t.api.channels.set('cam', fakeChannelStatus('cam'));
  });
  after(() => t.server.close());

  it('answers 401 with a Bearer challenge to a read without a token, and to a wrong token', async () => {
    for (const path of ['/api/channels', '/api/incidents', '/metrics', '/api/events', '/api/openapi.json']) {
      const none = await t.request(path);
      assert.equal(none.status, 401, path);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm="streamqc"/);
      assert.equal((await errorOf(none)).code, 'UNAUTHORIZED');
    }
    const wrong = await t.request('/api/channels', { token: `${testReadToken}x` });
    assert.equal(wrong.status, 401);
    assert.equal((await errorOf(wrong)).message, 'the bearer token is not valid');
    const malformed = await t.request('/api/channels', { headers: { authorization: 'Token abc' } });
    assert.equal(malformed.status, 401);
  });

  it('serves reads to the read token and to the admin token, and probes and dashboard files to anyone', async () => {
    for (const token of [testReadToken, testToken]) {
      const response = await t.request('/api/channels', { token });
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { channels: unknown[] }).channels.length, 1);
    }
    for (const path of ['/healthz', '/', '/static/common.js']) {
      assert.equal((await t.request(path)).status, 200, path);
    }
  });

  it('answers 403 to a read token on every change, and lets the admin token change', async () => {
    t.api.incidents.set('i1', fakeIncident('i1'));
    for (const [method, path, json] of [
      ['POST', '/api/channels', { id: 'new', url: 'udp://127.0.0.1:5000' }],
      ['PATCH', '/api/channels/cam', { name: 'x' }],
      ['DELETE', '/api/channels/cam', undefined],
      ['POST', '/api/incidents/i1/ack', { by: 'reader' }],
    ] as const) {
      const response = await t.request(path, { method, token: testReadToken, json });
      assert.equal(response.status, 403, `${method} ${path}`);
      assert.match((await errorOf(response)).message, /token 'test-reader' may only read/);
    }
    assert.ok(t.api.channels.has('cam') && !t.api.channels.has('new'));
    assert.equal(t.api.incidents.get('i1')?.acknowledgedAtMs, null);

    const added = await t.request('/api/channels', {
      method: 'POST',
      token: testToken,
      json: { id: 'new', url: 'udp://127.0.0.1:5000' },
    });
    assert.equal(added.status, 201);
    const removed = await t.request('/api/channels/new', { method: 'DELETE', token: testToken });
    assert.equal(removed.status, 204);
  });

  it('takes the token from the dashboard cookie for reads only, never for a change', async () => {
    const cookie = `theme=dark; ${tokenCookieName}=${encodeURIComponent(testToken)}`;
    const read = await t.request('/api/channels', { headers: { cookie } });
    assert.equal(read.status, 200);
    const change = await t.request('/api/channels/cam', { method: 'DELETE', headers: { cookie } });
    assert.equal(change.status, 401);
    assert.ok(t.api.channels.has('cam'));
    const wrongCookie = await t.request('/api/channels', { headers: { cookie: `${tokenCookieName}=nope` } });
    assert.equal(wrongCookie.status, 401);
  });
});

describe('API reads without a token from this machine (the default, anonymousReads loopback)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.server.close());

  it('serves a read from 127.0.0.1 addressed by a loopback name, and still checks a token that is sent', async () => {
    assert.equal((await t.request('/api/channels')).status, 200);
    const port = new URL(t.server.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      const answer = await rawRequest(t.server.url, { path: '/api/channels', headers: { host } });
      assert.equal(answer.status, 200, host);
    }
    assert.equal((await t.request('/api/channels', { token: 'not-a-token-at-all' })).status, 401);
    assert.equal((await t.request('/api/channels/x', { method: 'DELETE' })).status, 401);
  });

  it('refuses a read addressed by another host name (a DNS-rebinding page), without a token', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${new URL(t.server.url).port}`,
      '127.0.0.1.evil.example',
    ]) {
      const answer = await rawRequest(t.server.url, { path: '/api/channels', headers: { host } });
      assert.equal(answer.status, 401, host);
    }
    const withToken = await rawRequest(t.server.url, {
      path: '/api/channels',
      headers: { host: 'monitor.example', authorization: `Bearer ${testReadToken}` },
    });
    assert.equal(withToken.status, 200);
  });
});

describe('API rate limits', () => {
  it('answers 429 with Retry-After once an address has used its requests, before checking tokens', async () => {
    const t = await startTestServer({ rateLimits: { perAddressPerMinute: 5, perTokenPerMinute: 1000 } });
    try {
      const statuses: number[] = [];
      for (let index = 0; index < 7; index += 1) {
        statuses.push((await t.request(index % 2 === 0 ? '/api/channels' : '/nothing')).status);
      }
      assert.deepEqual(statuses, [200, 404, 200, 404, 200, 429, 429]);
      const limited = await t.request('/api/channels', { token: testToken });
      assert.equal(limited.status, 429);
      // 5 per minute: the next request is allowed 12 s after the bucket ran dry.
      const retryAfterSeconds = Number(limited.headers.get('retry-after'));
      assert.ok(retryAfterSeconds >= 1 && retryAfterSeconds <= 12, `Retry-After ${retryAfterSeconds}`);
      const { code, message } = await errorOf(limited);
      assert.equal(code, 'TOO_MANY_REQUESTS');
      assert.match(message, /at most 5 per minute/);
    } finally {
      await t.server.close();
    }
  });

  it('limits each token on its own, whatever the address', async () => {
    const t = await startTestServer({ rateLimits: { perAddressPerMinute: 1000, perTokenPerMinute: 3 } });
    try {
      const reader = [];
      for (let index = 0; index < 4; index += 1) {
        reader.push((await t.request('/api/channels', { token: testReadToken })).status);
      }
      assert.deepEqual(reader, [200, 200, 200, 429]);
      assert.equal((await t.request('/api/channels', { token: testToken })).status, 200);
      assert.equal((await t.request('/api/channels')).status, 200, 'anonymous loopback reads use no token');
    } finally {
      await t.server.close();
    }
  });

  it('stops checking tokens from an address after 30 wrong ones a minute', async () => {
    const t = await startTestServer();
    try {
      const statuses = new Set<number>();
      for (let index = 0; index < failedTokenChecksPerMinute; index += 1) {
        statuses.add((await t.request('/api/channels', { token: `wrong-token-${index}` })).status);
      }
      assert.deepEqual([...statuses], [401]);
      const guess = await t.request('/api/channels', { token: 'wrong-token-again' });
      assert.equal(guess.status, 429);
      assert.match((await errorOf(guess)).message, /too many wrong tokens from this address/);
      assert.equal((await t.request('/api/channels', { token: testToken })).status, 429, 'not even checked');
      assert.equal((await t.request('/api/channels')).status, 200, 'reads without a token go on');
    } finally {
      await t.server.close();
    }
  });

  it('counts an event stream as one request, not one per event', async () => {
    const t = await startTestServer({
      rateLimits: { perAddressPerMinute: 3, perTokenPerMinute: 1000 },
      heartbeatIntervalMs: 10,
    });
    const controller = new AbortController();
    try {
      const stream = await t.request('/api/events', { signal: controller.signal });
      assert.equal(stream.status, 200);
      const reader = stream.body?.getReader();
      assert.ok(reader);
      let heartbeats = 0;
      let text = '';
      while (heartbeats < 20) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
        heartbeats = text.split(': heartbeat').length - 1;
      }
      assert.ok(heartbeats >= 20);
      assert.equal((await t.request('/healthz')).status, 200);
      assert.equal((await t.request('/healthz')).status, 200);
      assert.equal((await t.request('/healthz')).status, 429);
    } finally {
      controller.abort();
      await t.server.close();
    }
  });
});

const securityHeaderExpectations: readonly (readonly [string, RegExp])[] = [
  ['content-security-policy', /default-src 'none'.*script-src 'self'.*frame-ancestors 'none'/],
  ['x-content-type-options', /^nosniff$/],
  ['x-frame-options', /^DENY$/],
  ['referrer-policy', /^no-referrer$/],
];

describe('API cross-origin requests and security headers', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.server.close());

  it('sends no Access-Control-Allow-Origin and refuses every preflight by default', async () => {
    const read = await t.request('/api/channels', { headers: { origin: 'https://evil.example' } });
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('access-control-allow-origin'), null);
    for (const origin of ['https://evil.example', t.server.url]) {
      const preflight = await t.request('/api/channels', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      assert.equal(preflight.status, 403, origin);
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
      assert.equal(preflight.headers.get('access-control-allow-methods'), null);
      assert.equal((await errorOf(preflight)).code, 'FORBIDDEN');
    }
  });

  it('puts the security headers on every kind of answer', async () => {
    t.api.channels.set('cam', fakeChannelStatus('cam'));
    t.api.thumbnails.set('cam', { jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xd9]), atMs: 0 });
    const controller = new AbortController();
    const answers: [string, Response][] = [
      ['json', await t.request('/api/channels')],
      ['404', await t.request('/api/nothing')],
      ['401', await t.request('/api/channels/cam', { method: 'DELETE' })],
      ['page', await t.request('/')],
      ['script', await t.request('/static/grid.js')],
      ['metrics', await t.request('/metrics')],
      ['thumbnail', await t.request('/api/channels/cam/thumbnail')],
      ['events', await t.request('/api/events', { signal: controller.signal })],
    ];
    try {
      for (const [what, response] of answers) {
        for (const [name, expected] of securityHeaderExpectations) {
          assert.match(response.headers.get(name) ?? '(missing)', expected, `${what}: ${name}`);
        }
        assert.ok(response.headers.get('cache-control'), `${what}: cache-control`);
      }
      const json = answers[0]?.[1];
      assert.equal(json?.headers.get('cache-control'), 'no-store');
    } finally {
      controller.abort();
    }
  });
});

describe('API with allowed origins', () => {
  let t: TestServer;
  const allowed = 'https://ops.example.net';
  before(async () => {
    t = await startTestServer({ corsOrigins: [allowed] });
  });
  after(() => t.server.close());

  it('answers the allowed origin (reads and preflight) and no other', async () => {
    const read = await t.request('/api/channels', { headers: { origin: allowed } });
    assert.equal(read.headers.get('access-control-allow-origin'), allowed);
    assert.match(read.headers.get('vary') ?? '', /Origin/);
    const preflight = await t.request('/api/channels', {
      method: 'OPTIONS',
      headers: { origin: allowed, 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), allowed);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);

    const other = await t.request('/api/channels', { headers: { origin: 'https://ops.example.net.evil' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const otherPreflight = await t.request('/api/channels', {
      method: 'OPTIONS',
      headers: { origin: 'http://ops.example.net', 'access-control-request-method': 'DELETE' },
    });
    assert.equal(otherPreflight.status, 403);
  });
});

describe('API request bodies', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ bodyTimeoutMs: 300 });
  });
  after(() => t.server.close());

  it('answers 413 to a body over the limit, and closes the connection', async () => {
    const answer = await rawRequest(t.server.url, {
      path: '/api/channels',
      method: 'POST',
      headers: {
        authorization: `Bearer ${testToken}`,
        'content-type': 'application/json',
        'content-length': String(maxBodyBytes + 1),
      },
      body: 'x'.repeat(1000),
      keepOpen: true,
    });
    assert.equal(answer.status, 413);
    assert.equal(answer.headers.connection, 'close');
    assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 415 to a body without content type or with another one', async () => {
    const body = JSON.stringify({ id: 'x', url: 'udp://127.0.0.1:1' });
    for (const headers of [{}, { 'content-type': 'text/plain' }, { 'content-type': 'application/jsonp' }]) {
      const answer = await rawRequest(t.server.url, {
        path: '/api/channels',
        method: 'POST',
        headers: { authorization: `Bearer ${testToken}`, ...headers },
        body,
      });
      assert.equal(answer.status, 415, JSON.stringify(headers));
    }
    assert.ok(!t.api.channels.has('x'));
  });

  it('answers 408 to a body that does not arrive in time', async () => {
    const startedMs = Date.now();
    const answer = await rawRequest(t.server.url, {
      path: '/api/channels',
      method: 'POST',
      headers: {
        authorization: `Bearer ${testToken}`,
        'content-type': 'application/json',
        'content-length': '100',
      },
      body: '{"id":',
      keepOpen: true,
    });
    assert.equal(answer.status, 408);
    assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, 'REQUEST_TIMEOUT');
    assert.ok(Date.now() - startedMs < 5000);
  });
});
