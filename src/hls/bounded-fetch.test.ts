import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { boundedFetch, setFetchPolicy } from './bounded-fetch.js';

describe('boundedFetch', () => {
  let server: Server;
  let base = '';
  before(async () => {
    server = createServer((request, response) => {
      if (request.url === '/big') response.end(Buffer.alloc(5000));
      else if (request.url === '/chunked-big') {
        response.write(Buffer.alloc(3000));
        response.end(Buffer.alloc(3000));
      } else if (request.url === '/hang') response.writeHead(200).write('x');
      else if (request.url === '/range') response.writeHead(206).end(String(request.headers.range));
      else if (request.url === '/to-file') response.writeHead(302, { location: 'file:///etc/passwd' }).end();
      else if (request.url?.startsWith('/hop/')) {
        const left = Number(request.url.slice('/hop/'.length));
        if (left === 0) response.end('arrived');
        else response.writeHead(302, { location: `/hop/${left - 1}` }).end();
      } else response.writeHead(503).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const limits = { timeoutMs: 300, maxBytes: 4000 };

  it('refuses a body over the limit, declared or streamed', async () => {
    const declared = await boundedFetch(`${base}/big`, limits);
    assert.deepEqual([declared.ok, !declared.ok && declared.failure], [false, 'too-large']);
    const streamed = await boundedFetch(`${base}/chunked-big`, limits);
    assert.deepEqual([streamed.ok, !streamed.ok && streamed.failure], [false, 'too-large']);
  });

  it('gives up on an answer that never ends, with the time it waited', async () => {
    const result = await boundedFetch(`${base}/hang`, limits);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.failure, 'timeout');
    assert.equal(result.reason, 'no complete answer within 300 ms');
    assert.ok(result.latencyMs !== null && result.durationMs >= 290);
  });

  it('reports the HTTP status and asks for byte ranges', async () => {
    const failed = await boundedFetch(`${base}/nothing`, limits);
    assert.deepEqual(failed.ok ? null : [failed.failure, failed.status, failed.reason], [
      'status',
      503,
      'HTTP 503',
    ]);
    const ranged = await boundedFetch(`${base}/range`, limits, {
      byteRange: { lengthBytes: 100, offsetBytes: 50 },
    });
    assert.equal(ranged.ok && new TextDecoder().decode(ranged.bytes), 'bytes=50-149');
  });

  it('follows redirects within the policy, and refuses other schemes and too many hops', async () => {
    try {
      setFetchPolicy({ protocols: ['http', 'https', 'udp'], maxRedirects: 3 });
      const three = await boundedFetch(`${base}/hop/3`, limits);
      assert.equal(three.ok && new TextDecoder().decode(three.bytes), 'arrived');
      const four = await boundedFetch(`${base}/hop/4`, limits);
      assert.equal(four.ok, false);
      assert.equal(!four.ok && four.failure, 'refused');
      assert.match(!four.ok ? four.reason : '', /more than 3 redirects/);
      const toFile = await boundedFetch(`${base}/to-file`, limits);
      assert.equal(!toFile.ok && toFile.failure, 'refused', 'a redirect to file: is refused');
      const data = await boundedFetch('data:text/plain,hello', limits);
      assert.equal(!data.ok && data.failure, 'refused', 'a data: URL in a playlist is refused');
      setFetchPolicy({ protocols: ['https'], maxRedirects: 3 });
      const plain = await boundedFetch(`${base}/hop/0`, limits);
      assert.match(!plain.ok ? plain.reason : '', /http is not an allowed protocol/);
    } finally {
      setFetchPolicy({ protocols: ['http', 'https'], maxRedirects: 5 });
    }
  });
});
