/**
 * Fuzzing of the HTTP API over raw TCP, so nothing a client library would clean up is cleaned up: random
 * methods, paths (route templates with hostile parameters, traversal, bad escapes, random segments), query
 * strings, headers (right, wrong and odd tokens) and bodies (edited valid channels, random JSON, random
 * bytes), then raw garbage bytes. Every answer must be below 500, arrive in time, and the server must still
 * answer afterwards without having logged an error.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { fakeChannelStatus, fakeIncident } from '../test-support/fake-monitor-api.js';
import { startTestServer, testToken, type TestServer } from '../test-support/api-test-support.js';
import { fuzz, fuzzTimeoutMs } from '../test-support/fuzz-runs.js';

/** A case is one or two TCP connections. */
const apiFuzzOptions = { msPerCase: 100 };
/** No answer (or no close) within this long is a hang. */
const answerTimeoutMs = 5000;

interface RawAnswer {
  /** Status of the final answer (after any 1xx); null when the server closed without answering. */
  readonly status: number | null;
}

/** Sends `request` as it is and reads until the server closes (or, for an event stream, its headers). */
function sendRaw(url: string, request: Uint8Array, halfClose: boolean): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer or close within ${answerTimeoutMs} ms`));
    }, answerTimeoutMs);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: finalStatus(received.toString('latin1')) });
    };
    socket.on('connect', () => {
      socket.write(request);
      if (halfClose) socket.end();
    });
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      const text = received.toString('latin1');
      if (/\r\ncontent-type: text\/event-stream/i.test(text.slice(0, text.indexOf('\r\n\r\n') + 1))) finish();
    });
    // A reset after the answer (the server stops reading a body it refused) is not a failure.
    socket.on('error', () => finish());
    socket.on('close', finish);
  });
}

function finalStatus(text: string): number | null {
  const statuses = [...text.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)].map((match) => Number(match[1]));
  return statuses.filter((status) => status >= 200).at(0) ?? statuses.at(-1) ?? null;
}

const knownIds = ['one', 'two', 'inc-1', 'inc-2', 'index.html', 'channel.js', 'dashboard.css'];
const hostileSegments = [
  '..',
  '%2e%2e',
  '%2E%2E%2F',
  '..%2f..%2fetc%2fpasswd',
  '%00',
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AE',
  '~',
  '.',
  'a'.repeat(3000),
  '%F0%9F%98%80',
  '%20',
  '+',
  ';',
  '*',
  '?',
  '#',
];
const segment = fc.oneof(
  fc.constantFrom(...knownIds, ...hostileSegments),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 10 }).map(encodeURIComponent),
);
/** A route of the server's own OpenAPI document, e.g. `GET /api/channels/{id}`. */
interface RouteTemplate {
  readonly method: string;
  readonly path: string;
}

async function documentedRoutes(url: string): Promise<RouteTemplate[]> {
  const document = (await (await fetch(`${url}/api/openapi.json`)).json()) as {
    paths: Record<string, object>;
  };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })),
  );
}

/** Mostly near-valid requests (a documented route, a known id), so the handlers behind the checks run too. */
function requestLine(routes: readonly RouteTemplate[]): fc.Arbitrary<{ method: string; path: string }> {
  const parameter = fc.oneof(
    { arbitrary: fc.constantFrom(...knownIds), weight: 2 },
    { arbitrary: segment, weight: 1 },
  );
  const documented = fc
    .tuple(
      fc.constantFrom(...routes),
      parameter,
      fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: method, weight: 1 }),
    )
    .map(([route, value, otherMethod]) => ({
      method: otherMethod ?? route.method,
      path: route.path.replace(/\{[^}]+\}/g, value),
    }));
  const random = fc
    .tuple(method, fc.array(segment, { maxLength: 6 }))
    .map(([verb, segments]) => ({ method: verb, path: `/${segments.join('/')}` }));
  const odd = fc
    .tuple(
      method,
      fc.constantFrom(
        '*',
        '//evil.example/x',
        'http://evil.example/api/channels',
        '/static/../../package.json',
        '/api//channels',
        '/api/channels/',
      ),
    )
    .map(([verb, path]) => ({ method: verb, path }));
  return fc.oneof(
    { arbitrary: documented, weight: 6 },
    { arbitrary: random, weight: 2 },
    { arbitrary: odd, weight: 1 },
  );
}
const queryKeys = [
  'limit',
  'from',
  'to',
  'channel',
  'state',
  'kind',
  'since',
  'until',
  'id',
  'format',
  '__proto__',
];
const queryValue = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '-1',
    '1',
    '1000000000000000000000',
    'NaN',
    'Infinity',
    '2026-01-01',
    '2026-13-45T99:99',
    'open',
    'closed',
    'black',
    '%',
    '%zz',
  ),
  fc.integer().map(String),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
);
const queryArbitrary = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...queryKeys), fc.string({ maxLength: 8 }).map(encodeURIComponent)),
      queryValue,
    ),
    { maxLength: 5 },
  )
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`));

const validChannel = {
  id: 'fuzzed',
  url: 'udp://239.1.1.1:5000',
  name: 'Fuzz',
  detectors: ['black'],
  tags: ['x'],
  enabled: true,
  detectorConfig: { black: { minDurationSeconds: 3 } },
};
const channelBody = fc
  .record(
    { id: fc.oneof(fc.constantFrom('one', 'fuzzed'), fc.string({ maxLength: 70 })) },
    { requiredKeys: [] },
  )
  .chain((base) =>
    fc
      .dictionary(
        fc.constantFrom(...Object.keys(validChannel), 'by', 'extra', '__proto__'),
        fc.jsonValue({ maxDepth: 2 }),
        { maxKeys: 3 },
      )
      .map((changes) => ({ ...validChannel, ...base, ...changes })),
  )
  .map((body) => Buffer.from(JSON.stringify(body)));
const bodyArbitrary: fc.Arbitrary<Uint8Array | null> = fc.oneof(
  fc.constant(null),
  { arbitrary: channelBody, weight: 3 },
  fc.jsonValue({ maxDepth: 3 }).map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
  fc.string({ maxLength: 200 }).map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 300 }),
  fc
    .constantFrom(
      '{"a":'.repeat(2000),
      '['.repeat(10_000),
      '{"url":"\u0000"}',
      '{"__proto__":{"admin":true}}',
    )
    .map((text) => Buffer.from(text)),
);
const tokenChars = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'),
  minLength: 1,
  maxLength: 16,
});
const headerValue = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  maxLength: 60,
});
const authorization = fc.oneof(
  fc.constant(null),
  { arbitrary: fc.constant(`Bearer ${testToken}`), weight: 3 },
  fc.constantFrom(
    'Bearer ',
    'Bearer',
    'bearer x',
    'Basic dXNlcjpwYXNz',
    `Bearer ${testToken}x`,
    `Bearer ${testToken.slice(0, -1)}`,
    'Bearer  ' + testToken,
  ),
  headerValue,
);
const contentType = fc.oneof(
  fc.constant(null),
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-16',
    'text/plain',
    'multipart/form-data; boundary=x',
  ),
  headerValue,
);
const extraHeaders = fc.array(
  fc.tuple(
    tokenChars.filter(
      (name) =>
        !['content-length', 'transfer-encoding', 'connection', 'host', 'expect', 'upgrade'].includes(name),
    ),
    headerValue,
  ),
  { maxLength: 4 },
);
const method = fc.oneof(
  fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE'),
  tokenChars.map((name) => name.toUpperCase()),
);

function buildRequest(parts: {
  method: string;
  target: string;
  authorization: string | null;
  contentType: string | null;
  headers: readonly [string, string][];
  body: Uint8Array | null;
}): Uint8Array {
  const lines = [`${parts.method} ${parts.target} HTTP/1.1`, 'Host: localhost', 'Connection: close'];
  if (parts.authorization !== null) lines.push(`Authorization: ${parts.authorization}`);
  if (parts.contentType !== null) lines.push(`Content-Type: ${parts.contentType}`);
  for (const [name, value] of parts.headers) lines.push(`${name}: ${value}`);
  if (parts.body !== null) lines.push(`Content-Length: ${parts.body.length}`);
  return Buffer.concat([
    Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'),
    parts.body ?? Buffer.alloc(0),
  ]);
}

describe('API fuzzing', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    t.api.channels.set('one', fakeChannelStatus('one'));
    t.api.channels.set('two', fakeChannelStatus('two', { state: 'no-signal' }));
    t.api.incidents.set('inc-1', fakeIncident('inc-1'));
    t.api.incidents.set('inc-2', fakeIncident('inc-2', { state: 'closed', closedAtMs: 1_700_000_009_000 }));
  });
  after(() => t.server.close());

  const assertStillServing = async () => {
    const health = await fetch(`${t.server.url}/healthz`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();
    const errors = t.logged.filter((line) => line.level === 'error');
    assert.deepEqual(errors, [], 'the server logged errors');
  };

  it('random requests get an answer below 500', { timeout: fuzzTimeoutMs(apiFuzzOptions) }, async () => {
    const routes = await documentedRoutes(t.server.url);
    assert.ok(routes.length >= 10, `only ${routes.length} documented routes`);
    const statuses = new Map<number | null, number>();
    await fuzz(
      'api requests',
      fc.asyncProperty(
        requestLine(routes),
        queryArbitrary,
        authorization,
        contentType,
        extraHeaders,
        bodyArbitrary,
        async (line, query, auth, type, headers, body) => {
          const request = buildRequest({
            method: line.method,
            target: `${line.path}${query}`,
            authorization: auth,
            contentType: type,
            headers,
            body,
          });
          const { status } = await sendRaw(t.server.url, request, false);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          assert.ok(status !== null, 'the server closed without answering');
          assert.ok(status < 500, `answered ${status}`);
        },
      ),
      apiFuzzOptions,
    );
    // Both sides were reached: some requests succeed, some are refused.
    assert.ok(
      [...statuses.keys()].some((status) => status !== null && status < 300),
      JSON.stringify([...statuses]),
    );
    assert.ok(
      [...statuses.keys()].some((status) => status !== null && status >= 400),
      JSON.stringify([...statuses]),
    );
    await assertStillServing();
  });

  it('raw bytes on the socket never get a 5xx', { timeout: fuzzTimeoutMs(apiFuzzOptions) }, async () => {
    const start = fc.constantFrom(
      '',
      'GET / HTTP/1.1\r\n',
      'POST /api/channels HTTP/1.1\r\nContent-Length: 5\r\n',
      'GET /healthz HTTP/1.0\r\n\r\n',
    );
    await fuzz(
      'api raw bytes',
      fc.asyncProperty(start, fc.uint8Array({ maxLength: 400, size: 'max' }), async (prefix, bytes) => {
        const { status } = await sendRaw(
          t.server.url,
          Buffer.concat([Buffer.from(prefix, 'latin1'), bytes]),
          true,
        );
        assert.ok(status === null || status < 500, `answered ${status}`);
      }),
      apiFuzzOptions,
    );
    await assertStillServing();
  });
});
