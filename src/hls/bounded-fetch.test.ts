import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { boundedFetch } from './bounded-fetch.js';

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
      else response.writeHead(503).end();
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
});
