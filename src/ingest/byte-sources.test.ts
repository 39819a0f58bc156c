/**
 * The SRT and HTTP byte sources on their own: every byte sent reaches both the analyser and FFmpeg's read,
 * in order; a stalled or vanished sender ends the input within the read timeout; the input policy and
 * bad answers give one-line errors; the event loop keeps running while SRT reads wait.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isStreamqcError } from '../errors/streamqc-error.js';
import { oneShotInputPolicy, type InputPolicy } from '../media/input-policy.js';
import { randomPort } from '../test-support/media-servers.js';
import { sendPacedSrt } from '../test-support/ts-byte-senders.js';
import { buildTestStream } from '../transport/test-support/ts-test-stream.js';
import { isReceivedHere, openByteSource, type ByteSource, type ByteSourceOptions } from './byte-source.js';
import { looksLikeTransportStream } from './http-ts-source.js';
import { srtUrlWithTimeouts } from './srt-ts-source.js';

const packets = buildTestStream({ durationSeconds: 1 });
const streamBytes = Buffer.concat(packets.map((packet) => packet.bytes));

function options(overrides: Partial<ByteSourceOptions> = {}): ByteSourceOptions & { seen: Buffer[] } {
  const seen: Buffer[] = [];
  return {
    onPayload: (bytes) => seen.push(Buffer.from(bytes)),
    connectTimeoutMs: 3000,
    readTimeoutMs: 1000,
    policy: oneShotInputPolicy,
    seen,
    ...overrides,
  };
}

/** What FFmpeg would read until the end: the bytes, and how it ended (null or an FFmpeg error). */
async function readAll(source: ByteSource): Promise<{ bytes: Buffer; end: number | null }> {
  const pieces: Buffer[] = [];
  for (;;) {
    const answer = await source.read(4096);
    if (!Buffer.isBuffer(answer)) return { bytes: Buffer.concat(pieces), end: answer };
    pieces.push(Buffer.from(answer));
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const oneLine = (pattern: RegExp) => (error: unknown) =>
  isStreamqcError(error) && pattern.test(error.message) && !error.message.includes('\n');

describe('byte sources', () => {
  it('chooses what is received here', () => {
    assert.equal(isReceivedHere('udp://@:5000'), true);
    assert.equal(isReceivedHere('srt://10.0.0.1:9000?mode=listener'), true);
    assert.equal(isReceivedHere('https://cdn.example/live.ts'), true);
    assert.equal(isReceivedHere('https://cdn.example/live/index.m3u8'), false, 'HLS: per segment');
    assert.equal(isReceivedHere('rtmp://server/live/key'), false);
    assert.equal(isReceivedHere('/media/clip.ts'), false);
    assert.equal(looksLikeTransportStream(streamBytes.subarray(100, 2000)), true, 'sync found mid-packet');
    assert.equal(looksLikeTransportStream(Buffer.from('FLV\x01'.repeat(300))), false);
  });

  it('adds the SRT bounds the URL does not set', () => {
    const bounds = { connectTimeoutMs: 2000, readTimeoutMs: 1500 };
    assert.equal(
      srtUrlWithTimeouts('srt://h:9000', bounds),
      'srt://h:9000?timeout=1500000&listen_timeout=2000000&connect_timeout=2000',
    );
    assert.equal(
      srtUrlWithTimeouts('srt://h:9000?mode=listener&timeout=5&latency=200', bounds),
      'srt://h:9000?mode=listener&timeout=5&latency=200&listen_timeout=2000000&connect_timeout=2000',
    );
  });

  it('SRT: every byte to the analyser and FFmpeg, a vanished caller ends the input, the loop keeps running', async () => {
    const port = randomPort();
    const sender = sendPacedSrt(packets, `srt://127.0.0.1:${port}`);
    const settings = options();
    let ended = 0;
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 10);
    const startedAt = performance.now();
    const source = await openByteSource(`srt://127.0.0.1:${port}?mode=listener`, {
      ...settings,
      onEnd: () => (ended += 1),
    });
    assert.ok(source);
    try {
      const { bytes, end } = await readAll(source);
      const elapsedMs = performance.now() - startedAt;
      assert.deepEqual(bytes, streamBytes, 'FFmpeg reads the stream as sent');
      assert.deepEqual(Buffer.concat(settings.seen), streamBytes, 'the analyser sees it once');
      assert.ok(end === null || end < 0, `the input ends (${end})`);
      assert.equal(ended, 1, 'the end is told once');
      // About 1 s of stream plus the end: a loop blocked by the reads would have ticked a few times only.
      assert.ok(ticks > elapsedMs / 10 / 4, `${ticks} ticks of 10 ms in ${Math.round(elapsedMs)} ms`);
      assert.equal(source.droppedDatagrams(), null, 'SRT statistics are not reachable');
      assert.equal(source.queueDrops, 0);
    } finally {
      clearInterval(ticker);
      source.close();
      sender.close();
      await sender.done;
    }
  });

  it('SRT: no caller within the connect timeout is a one-line, retryable error', async () => {
    const port = randomPort();
    const startedAt = Date.now();
    await assert.rejects(
      openByteSource(`srt://127.0.0.1:${port}?mode=listener`, options({ connectTimeoutMs: 500 })),
      (error: unknown) => oneLine(/SRT/)(error) && isStreamqcError(error) && error.retryable,
    );
    assert.ok(Date.now() - startedAt < 5000, 'gives up in time');
    await assert.rejects(
      openByteSource(
        `srt://127.0.0.1:${port}`,
        options({ policy: { ...oneShotInputPolicy, allowedProtocols: ['udp'] } }),
      ),
      oneLine(/protocol 'srt' is not allowed/),
    );
  });

  it('HTTP: every byte, redirects within the policy, credentials as a header, a stall ends the input', async () => {
    const authorizations: (string | undefined)[] = [];
    let stall = false;
    const server = createServer((request, response) => {
      authorizations.push(request.headers.authorization);
      if (request.url === '/hop') {
        response.writeHead(302, { location: '/live.ts' }).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'video/mp2t' });
      response.write(streamBytes.subarray(0, 1000));
      response.write(streamBytes.subarray(1000));
      if (!stall) response.end();
    });
    const base = await listen(server);
    try {
      const settings = options();
      const source = await openByteSource(`${base.replace('//', '//user:s%3Acret@')}/hop`, settings);
      assert.ok(source);
      const { bytes, end } = await readAll(source);
      source.close();
      assert.deepEqual(bytes, streamBytes);
      assert.deepEqual(Buffer.concat(settings.seen), streamBytes);
      assert.equal(end, null, 'the end of the body is the end of the input');
      const basic = `Basic ${Buffer.from('user:s:cret').toString('base64')}`;
      assert.deepEqual(authorizations, [basic, basic], 'same origin: the credentials follow');
      assert.equal(source.droppedDatagrams(), null);

      stall = true;
      let ended = 0;
      const stalled = await openByteSource(`${base}/live.ts`, options({ onEnd: () => (ended += 1) }));
      assert.ok(stalled);
      const startedAt = Date.now();
      const result = await readAll(stalled);
      stalled.close();
      assert.equal(result.bytes.length, streamBytes.length);
      assert.equal(result.end, -110, 'a server that stops sending times out');
      assert.ok(Date.now() - startedAt < 5000);
      assert.equal(ended, 1);

      const noRedirects: InputPolicy = { ...oneShotInputPolicy, maxRedirects: 0 };
      await assert.rejects(
        openByteSource(`${base}/hop`, options({ policy: noRedirects })),
        oneLine(/more than 0 redirects \(inputs\.maxRedirects\)/),
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('HTTP: errors in one line without credentials; a body that is not MPEG-TS is left to FFmpeg', async () => {
    const server = createServer((request, response) => {
      if (request.url === '/missing') response.writeHead(404).end('no');
      else if (request.url === '/file') response.writeHead(302, { location: 'file:///etc/passwd' }).end();
      else response.writeHead(200, { 'content-type': 'video/x-flv' }).end(Buffer.from('FLV\x01'.repeat(500)));
    });
    const base = await listen(server);
    try {
      const secret = base.replace('//', '//admin:hunter2@');
      await assert.rejects(
        openByteSource(`${secret}/missing`, options()),
        (error: unknown) => oneLine(/HTTP 404/)(error) && !(error as Error).message.includes('hunter2'),
      );
      await assert.rejects(
        openByteSource(`${base}/file`, options()),
        oneLine(/redirected to protocol 'file', which is not allowed/),
      );
      assert.equal(await openByteSource(`${base}/live.flv`, options()), null);
      const port = randomPort();
      await assert.rejects(
        openByteSource(`http://127.0.0.1:${port}/x.ts`, options()),
        (error: unknown) =>
          oneLine(/cannot connect \(HTTP: ECONNREFUSED\)/)(error) &&
          isStreamqcError(error) &&
          error.retryable,
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
    await sleep(0);
  });
});
